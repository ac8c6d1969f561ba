package tts

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/voice"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func pipeline(t *testing.T) *Pipeline {
	t.Helper()
	e, err := engine.Open(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &Pipeline{Engine: e}
}

func speakAll(t *testing.T, p *Pipeline, text string, lang protocol.Language, prof voice.Profile) ([]int16, []Segment) {
	t.Helper()
	var pcm []int16
	segs, err := p.SpeakAll(context.Background(), text, lang, prof, func(b []int16) error {
		pcm = append(pcm, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pcm, segs
}

// TestDescriptionsSoundDifferent measures the voices that clearly different
// descriptions produce: pitch must follow deep/high and male/female, and
// duration must follow slow/fast.
func TestDescriptionsSoundDifferent(t *testing.T) {
	p := pipeline(t)
	text := "Every morning the baker opens the shop and sells fresh bread to the neighbours."
	type measured struct{ f0, seconds float64 }
	measure := func(desc string) measured {
		pcm, _ := speakAll(t, p, text, protocol.English, voice.Design(desc))
		return measured{
			f0:      audio.AnalyzePitch(pcm, protocol.SampleRate).MedianHz,
			seconds: audio.Duration(len(pcm), protocol.SampleRate).Seconds(),
		}
	}
	deepMale := measure("a deep male voice")
	highFemale := measure("a high-pitched young woman")
	slow := measure("a calm woman speaking very slowly")
	fast := measure("a fast, energetic woman")
	british := measure("a British man")
	if deepMale.f0*1.5 > highFemale.f0 {
		t.Errorf("deep male %.0f Hz vs high female %.0f Hz: want the female at least 1.5x higher", deepMale.f0, highFemale.f0)
	}
	if deepMale.f0 > 125 {
		t.Errorf("deep male median F0 %.0f Hz", deepMale.f0)
	}
	if slow.seconds < fast.seconds*1.3 {
		t.Errorf("slow %.2f s vs fast %.2f s: want slow at least 1.3x longer", slow.seconds, fast.seconds)
	}
	if british.f0 > 160 {
		t.Errorf("British man median F0 %.0f Hz", british.f0)
	}
	// Determinism: the same description twice is the same voice.
	again := measure("a deep male voice")
	if d := again.f0 / deepMale.f0; d < 0.97 || d > 1.03 {
		t.Errorf("same description, F0 %.1f then %.1f Hz", deepMale.f0, again.f0)
	}
}

func TestAutoDetectsLanguagePerSegment(t *testing.T) {
	p := pipeline(t)
	text := "Good morning, this is the English part of the message. Buenos días, esta es la parte en español del mensaje. Guten Morgen, das ist der deutsche Teil der Nachricht."
	_, segs := speakAll(t, p, text, protocol.Auto, voice.Default())
	want := map[string]protocol.Language{"Good": protocol.English, "this": protocol.English, "Buenos": protocol.Spanish,
		"esta": protocol.Spanish, "Guten": protocol.German, "das": protocol.German}
	if len(segs) < 3 {
		t.Fatalf("%d segments %+v", len(segs), segs)
	}
	for _, s := range segs {
		first := strings.Fields(s.Text)[0]
		if s.Language != want[first] {
			t.Errorf("segment %q: %s, want %s", s.Text, s.Language, want[first])
		}
		if s.Language != protocol.English && s.Voice.Engine != engine.Espeak {
			t.Errorf("segment %q in %s spoken by %s", s.Text, s.Language, s.Voice.Engine)
		}
	}
}

func TestExplicitLanguageIsKept(t *testing.T) {
	if got := ResolveLanguage(Request{Text: "Buenos días", Language: protocol.French}); got != protocol.French {
		t.Fatalf("ResolveLanguage with French = %s", got)
	}
	if got := ResolveLanguage(Request{Text: "Доброе утро", Language: protocol.Auto}); got != protocol.Russian {
		t.Fatalf("ResolveLanguage(Russian text, Auto) = %s", got)
	}
	// A short clause is read with the rest of its sentence.
	if got := ResolveLanguage(Request{Text: "Guten Morgen,", Lookahead: " das ist der deutsche Teil. And English.", Previous: protocol.Spanish}); got != protocol.German {
		t.Fatalf("short German clause with lookahead = %s", got)
	}
}

func TestBlankTextSpeaksNothing(t *testing.T) {
	p := pipeline(t)
	seg, err := p.Speak(context.Background(), Request{Text: "  \n ", Language: protocol.English, Voice: voice.Default()}, func([]int16) error {
		t.Fatal("emit called for blank text")
		return nil
	})
	if err != nil || seg.Samples != 0 {
		t.Fatalf("blank text: %+v, %v", seg, err)
	}
}

func TestNormalisedTextIsSpoken(t *testing.T) {
	p := pipeline(t)
	seg, err := p.Speak(context.Background(), Request{Text: "It costs $5.50 at 10:30.", Language: protocol.English, Voice: voice.Default()}, func([]int16) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if seg.Normalized == seg.Text || seg.Samples == 0 {
		t.Fatalf("segment %+v: want normalised text and audio", seg)
	}
}
