package tts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/ssml"
	"github.com/parley-voice/parley/voice"
)

// speakInput splits and speaks a whole input as the HTTP API does.
func speakInput(t *testing.T, p *Pipeline, in Input) ([]int16, []Segment) {
	t.Helper()
	segs, err := p.SplitInput(in)
	if err != nil {
		t.Fatal(err)
	}
	var pcm []int16
	for i := range segs {
		if err := p.SpeakPrepared(context.Background(), &segs[i], func(b []int16) error {
			pcm = append(pcm, b...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return pcm, segs
}

// trim finds the sound of pcm as the brief's measure does: audio.TrimSilence
// at Carry's level.
func trim(pcm []int16) (start, end int) {
	return audio.TrimSilence(pcm, protocol.SampleRate, SilenceDBFS)
}

// gapAt measures the silence around sample at, which must be inside it:
// from the end of the sound before to the start of the sound after.
func gapAt(pcm []int16, at int) int {
	_, end := trim(pcm[:at])
	start, _ := trim(pcm[at:])
	return at + start - end
}

// soundEnd is where the sound of text spoken alone ends.
func soundEnd(t *testing.T, p *Pipeline, in Input) int {
	pcm, _ := speakInput(t, p, in)
	_, end := trim(pcm)
	return end
}

// quietRuns returns the quiet stretches of at least minLen samples between
// sound, as audio.TrimSilence finds sound: 10 ms frames above the level
// with a loud neighbour, refined to the loud samples at their edges.
func quietRuns(pcm []int16, minLen int) [][2]int {
	n := (len(pcm) + frameLen - 1) / frameLen
	loud := make([]bool, n)
	for f := range loud {
		loud[f] = loudFrame(pcm[f*frameLen : min((f+1)*frameLen, len(pcm))])
	}
	sound := func(f int) bool { return loud[f] && (f > 0 && loud[f-1] || f+1 < n && loud[f+1]) }
	var out [][2]int
	lastEnd := -1
	for f := 0; f < n; {
		if !sound(f) {
			f++
			continue
		}
		g := f
		for g < n && sound(g) {
			g++
		}
		start, end := f*frameLen, min(g*frameLen, len(pcm))
		for !loudSample(pcm[start]) {
			start++
		}
		for !loudSample(pcm[end-1]) {
			end--
		}
		if lastEnd >= 0 && start-lastEnd >= minLen {
			out = append(out, [2]int{lastEnd, start})
		}
		lastEnd, f = end, g
	}
	return out
}

const tolerance = 10 * time.Millisecond

func near(got int, want time.Duration) bool {
	d := audio.Duration(got, protocol.SampleRate) - want
	return d <= tolerance && d >= -tolerance
}

func ms(samples int) time.Duration {
	return audio.Duration(samples, protocol.SampleRate).Round(100 * time.Microsecond)
}

// TestBreaksMeasure speaks breaks with flite and espeak-ng, inside a
// segment, between segments (the segmenter cuts just before the break),
// at the start and at the end: each silence measures the asked time within
// 10 ms with audio.TrimSilence, from the last sound before it to the first
// after. The sound before a break is found by speaking the text before it
// alone.
func TestBreaksMeasure(t *testing.T) {
	p := pipeline(t)
	voices := map[string]voice.Profile{
		"flite":  voice.Default(),
		"espeak": voice.Design("a Scottish woman"), // espeak-ng en-gb-scotland
	}
	for name, prof := range voices {
		in := func(text string) Input {
			return Input{Text: text, Language: protocol.English, Voice: prof, SSML: true}
		}
		for _, d := range []time.Duration{20 * time.Millisecond, 300 * time.Millisecond, 1250 * time.Millisecond} {
			before := `Hello there, my friend.`
			pcm, segs := speakInput(t, p, in(before+`<break time="`+d.String()+`"/>How are you today?`))
			if want := map[string]string{"flite": engine.Flite, "espeak": engine.Espeak}[name]; segs[0].Voice.Engine != want {
				t.Fatalf("%s speaks with %s", name, segs[0].Voice.Engine)
			}
			if got := gapAt(pcm, soundEnd(t, p, in(before))+samplesOf(d)/2); !near(got, d) {
				t.Errorf("%s: break of %v inside a segment measures %v", name, d, ms(got))
			}
			// Long enough that the segmenter cuts at the sentence end right
			// before the break: the break starts the second segment.
			before = `This first sentence is long enough for the segmenter to cut it here.`
			pcm, segs = speakInput(t, p, in(before+` <break time="`+d.String()+`"/> And this is the second one.`))
			if len(segs) < 2 {
				t.Fatalf("%s: %d segments, the test needs a cut before the break", name, len(segs))
			}
			if got := gapAt(pcm, soundEnd(t, p, in(before))+samplesOf(d)/2); !near(got, d) {
				t.Errorf("%s: break of %v between segments measures %v", name, d, ms(got))
			}
		}
		pcm, _ := speakInput(t, p, in(`<speak><break time="400ms"/>Hello.<break time="600ms"/></speak>`))
		start, end := trim(pcm)
		if !near(start, 400*time.Millisecond) {
			t.Errorf("%s: leading break of 400ms measures %v", name, ms(start))
		}
		if !near(len(pcm)-end, 600*time.Millisecond) {
			t.Errorf("%s: trailing break of 600ms measures %v", name, ms(len(pcm)-end))
		}
		pcm, _ = speakInput(t, p, in(`One.<break time="300ms"/><break strength="strong"/>Two.`))
		if got := gapAt(pcm, soundEnd(t, p, in(`One.`))+samplesOf(650*time.Millisecond)); !near(got, 1300*time.Millisecond) {
			t.Errorf("%s: breaks of 300ms and 1s in a row measure %v", name, ms(got))
		}
	}
}

// TestNoBreakKeepsTheEnginesPauses: without breaks, SSML speaks the
// audio the plain text gives, sample for sample (flite is bit-exact).
func TestNoBreakKeepsTheEnginesPauses(t *testing.T) {
	p := pipeline(t)
	text := "This first sentence is long enough for the segmenter to cut it here. And this is the second one."
	plain, _ := speakInput(t, p, Input{Text: text, Language: protocol.English, Voice: voice.Default()})
	marked, _ := speakInput(t, p, Input{Text: "<speak>" + text + "</speak>", Language: protocol.English, Voice: voice.Default(), SSML: true})
	if !slices.Equal(plain, marked) {
		t.Fatalf("SSML without markup: %d samples, plain text %d; want the same audio", len(marked), len(plain))
	}
}

func durationOf(t *testing.T, p *Pipeline, in Input) time.Duration {
	pcm, _ := speakInput(t, p, in)
	return audio.Duration(len(pcm), protocol.SampleRate)
}

// TestProsodyChangesTheVoice measures rate, pitch and volume spans, and
// the session's speed and pitch.
func TestProsodyChangesTheVoice(t *testing.T) {
	p := pipeline(t)
	en := func(text string) Input {
		return Input{Text: text, Language: protocol.English, Voice: voice.Default(), SSML: true}
	}
	const words = "the quick brown fox jumps over the lazy dog"
	normal := durationOf(t, p, en(words))
	slow := durationOf(t, p, en(`<prosody rate="x-slow">`+words+`</prosody>`))
	fast := durationOf(t, p, en(`<prosody rate="fast">`+words+`</prosody>`))
	if slow < normal*16/10 || fast > normal*9/10 {
		t.Errorf("rate: x-slow %v, normal %v, fast %v", slow, normal, fast)
	}
	f0 := func(in Input) float64 {
		pcm, _ := speakInput(t, p, in)
		return audio.AnalyzePitch(pcm, protocol.SampleRate).MedianHz
	}
	base, high := f0(en(words)), f0(en(`<prosody pitch="+6st">`+words+`</prosody>`))
	if st := 12 * math.Log2(high/base); st < 4 || st > 8 {
		t.Errorf("pitch +6st moved F0 from %.0f to %.0f Hz: %.1f semitones", base, high, st)
	}
	rms := func(in Input) float64 {
		pcm, _ := speakInput(t, p, in)
		return audio.RMSdBFS(pcm)
	}
	if d := rms(en(words)) - rms(en(`<prosody volume="-6dB">`+words+`</prosody>`)); d < 5 || d > 7 {
		t.Errorf("volume -6dB lowered the level by %.1f dB", d)
	}
	// Silent takes its time without a sound.
	pcm, _ := speakInput(t, p, en(`Hello <prosody volume="silent">`+words+`</prosody> world`))
	longest := 0
	for _, r := range quietRuns(pcm, 1) {
		longest = max(longest, r[1]-r[0])
	}
	if audio.Duration(longest, protocol.SampleRate) < normal*8/10 {
		t.Errorf("silent span left a quiet run of %v, want most of %v", ms(longest), normal)
	}
	// The session's speed and pitch (the config's extension) on top.
	sped := durationOf(t, p, Input{Text: words, Language: protocol.English, Voice: voice.Default(), Speed: 2})
	if sped > normal*6/10 {
		t.Errorf("speed 2: %v against %v", sped, normal)
	}
	lower := f0(Input{Text: words, Language: protocol.English, Voice: voice.Default(), Pitch: -5})
	if st := 12 * math.Log2(lower/base); st > -3 || st < -7 {
		t.Errorf("session pitch -5 moved F0 %.1f semitones", st)
	}
}

// TestEmphasisAndJoins: a stressed word is longer and louder, and a phrase
// joined inside a sentence has no engine pause around it.
func TestEmphasisAndJoins(t *testing.T) {
	p := pipeline(t)
	en := func(text string) Input {
		return Input{Text: text, Language: protocol.English, Voice: voice.Default(), SSML: true}
	}
	plain := durationOf(t, p, en(`I really mean it`))
	strong := durationOf(t, p, en(`I <emphasis level="strong">really</emphasis> mean it`))
	if strong <= plain {
		t.Errorf("strong emphasis: %v, plain %v", strong, plain)
	}
	pcm, segs := speakInput(t, p, en(`I <emphasis level="strong">really</emphasis> mean it`))
	if n := len(segs[0].Parts); n != 3 || !segs[0].Parts[1].Tight || !segs[0].Parts[2].Tight {
		t.Fatalf("parts %+v: want three, joined tight", segs[0].Parts)
	}
	// flite's utterance ends are longer than this; tight joins are not.
	for _, r := range quietRuns(pcm, 1) {
		if audio.Duration(r[1]-r[0], protocol.SampleRate) > 60*time.Millisecond {
			t.Errorf("a quiet run of %v inside a joined sentence", ms(r[1]-r[0]))
		}
	}
}

// TestMarkupReadings checks what is spoken for say-as, sub, phoneme, lang
// and p/s, from the prepared segments.
func TestMarkupReadings(t *testing.T) {
	p := pipeline(t)
	segs, err := p.SplitInput(Input{Language: protocol.English, Voice: voice.Default(), SSML: true, Text: `<speak>` +
		`Code <say-as interpret-as="digits">4711</say-as>, ` +
		`on <say-as interpret-as="date" format="dmy">15/03/2024</say-as>, ` +
		`by <sub alias="the World Wide Web Consortium">W3C</sub>, ` +
		`spell <say-as interpret-as="characters">abc</say-as>, ` +
		`<phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme>.` +
		`</speak>`})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, s := range segs {
		all = append(all, s.Normalized)
	}
	got := strings.Join(all, " ")
	for _, want := range []string{"four seven one one", "March fifteenth, twenty twenty-four", "the World Wide Web Consortium", "ay bee see", "tomato"} {
		if !strings.Contains(got, want) {
			t.Errorf("spoken %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "4711") || strings.Contains(got, "W3C") {
		t.Errorf("spoken %q reads the original text", got)
	}
	for _, s := range segs {
		for _, pt := range s.Parts {
			if pt.Pieces != nil {
				t.Errorf("flite reads no IPA, but its part has pieces %+v", pt.Pieces)
			}
		}
	}

	segs, err = p.SplitInput(Input{Language: protocol.English, Voice: voice.Default(), SSML: true,
		Text: `Say <lang xml:lang="fr-FR">bonjour à tous</lang> please.`})
	if err != nil {
		t.Fatal(err)
	}
	parts := segs[0].Parts
	if len(parts) != 3 || parts[1].Language != protocol.French || parts[1].Voice.Engine != engine.Espeak || parts[0].Voice.Engine != engine.Flite {
		t.Fatalf("lang parts %+v", parts)
	}

	segs, err = p.SplitInput(Input{Language: protocol.English, Voice: voice.Default(), SSML: true,
		Text: `<p><s>First sentence</s><s>second sentence</s></p>`})
	if err != nil || len(segs) != 1 || len(segs[0].Parts) != 2 {
		t.Fatalf("sentences: %+v %v", segs, err)
	}
}

// TestMalformedSSMLIsAnError: a whole document with an error is refused
// with the *ssml.Error.
func TestMalformedSSMLIsAnError(t *testing.T) {
	p := pipeline(t)
	for _, text := range []string{`Tom & Jerry`, `<speak>open`, `<break time="x"/>`} {
		_, err := p.SplitInput(Input{Text: text, Language: protocol.English, Voice: voice.Default(), SSML: true})
		var e *ssml.Error
		if !errors.As(err, &e) {
			t.Errorf("%q: %v, want an *ssml.Error", text, err)
		}
	}
}

// TestSSMLBilling: the segments of an SSML document pay for every
// character of it, markup included, and pauses count as speech.
func TestSSMLBilling(t *testing.T) {
	p := pipeline(t)
	text := `<speak>This first sentence is long enough for the segmenter to cut it here. <break time="2s"/> <prosody rate="slow">And the second.</prosody></speak>`
	segs, err := p.SplitInput(Input{Text: text, Language: protocol.English, Voice: voice.Default(), SSML: true})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, s := range segs {
		sum += max(s.Consumed, s.Chars())
	}
	if n := len([]rune(text)); sum != n {
		t.Fatalf("segments pay for %d characters of %d", sum, n)
	}
	long := strings.Repeat(`<break time="10s"/>`, 20)
	segs, _ = p.SplitInput(Input{Text: long, Language: protocol.English, Voice: voice.Default(), SSML: true})
	if b := segs[0].Billed(); b < 200*PauseChars/3 {
		t.Fatalf("200 s of breaks billed %d characters", b)
	}
}

// TestPronunciations applies a dictionary to plain text and to SSML.
func TestPronunciations(t *testing.T) {
	p := pipeline(t)
	d := pronounce.Dictionary{Entries: []pronounce.Entry{
		{Text: "W3C", Alias: "World Wide Web Consortium"},
		{Text: "Parley", IPA: "ˈpɑːli"},
	}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	lex := pronounce.Compile(d)
	for _, ssmlMode := range []bool{false, true} {
		segs, err := p.SplitInput(Input{Text: "Parley follows the W3C.", Language: protocol.English, Voice: voice.Default(), Lexicon: lex, SSML: ssmlMode})
		if err != nil {
			t.Fatal(err)
		}
		s := segs[0]
		if !strings.Contains(s.Normalized, "World Wide Web Consortium") || !strings.Contains(s.Normalized, "Parley") || len(s.Parts) != 1 {
			t.Errorf("ssml=%v: %+v", ssmlMode, s)
		}
		pcm, _ := speakInput(t, p, Input{Text: "Parley follows the W3C.", Language: protocol.English, Voice: voice.Default(), Lexicon: lex, SSML: ssmlMode})
		if len(pcm) == 0 {
			t.Errorf("ssml=%v: no audio", ssmlMode)
		}
	}
	// Nothing to apply: the plain path, untouched.
	segs, _ := p.SplitInput(Input{Text: "Nothing matches here.", Language: protocol.English, Voice: voice.Default(), Lexicon: lex})
	if segs[0].Parts != nil {
		t.Fatalf("parts without a match: %+v", segs[0].Parts)
	}
}

// TestPhonemeReachesPiper speaks a <phoneme> with a Piper voice (the
// generated test model, which speaks the ids it is fed as tones): the
// model is fed the IPA's own phoneme ids, inside the sentence's run.
func TestPhonemeReachesPiper(t *testing.T) {
	dir := t.TempDir()
	pipertest.Install(t, dir, "en_US-amy-low", "en_US-amy-low.onnx", "en_US-amy-low.onnx.json")
	e, err := engine.Open(engine.Config{ModelsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	p := &Pipeline{Engine: e, Voices: voice.NewCatalog(e.NeuralVoices(), e.LookupVoice)}
	b, err := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := piper.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	const ipa = "təˈmɑːtoʊ"
	ids, missing := cfg.IDs([]rune(ipa))
	if missing != 0 {
		t.Fatalf("%d of the IPA's phonemes are not in amy's map", missing)
	}
	var want []int
	for _, id := range ids[2 : len(ids)-1] { // without ^, its pad and $
		want = append(want, int(id))
	}
	prof := voice.Profile{Voice: "piper:en_US-amy-low"}
	decode := func(text string, lex *pronounce.Lexicon) []int {
		pcm, segs := speakInput(t, p, Input{Text: text, Language: protocol.English, Voice: prof, SSML: strings.Contains(text, "<"), Lexicon: lex})
		if segs[0].Voice.Engine != engine.Piper {
			t.Fatalf("spoken by %+v", segs[0].Voice)
		}
		return pipertest.Decode(pcm, protocol.SampleRate, pipertest.Block*1.5) // 16 kHz blocks at 24 kHz
	}
	contains := func(syms []int) bool {
		for i := 0; i+len(want) <= len(syms); i++ {
			if slices.Equal(syms[i:i+len(want)], want) {
				return true
			}
		}
		return false
	}
	if syms := decode(`I say tomato, you say tomato.`, nil); contains(syms) {
		t.Fatalf("espeak-ng's own reading already has the IPA's ids: the test proves nothing")
	}
	syms := decode(`I say <phoneme alphabet="ipa" ph="`+ipa+`">tomato</phoneme>, you say tomato.`, nil)
	if !contains(syms) {
		t.Fatalf("model fed %v; want the IPA's ids %v in it", syms, want)
	}
	if n := strings.Count(fmt.Sprint(syms), " 1 0 "); n != 1 {
		t.Errorf("%d model runs, want the sentence in one", n)
	}
	d := pronounce.Dictionary{Entries: []pronounce.Entry{{Text: "tomato", IPA: ipa}}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if syms := decode(`I say tomato.`, pronounce.Compile(d)); !contains(syms) {
		t.Fatalf("dictionary IPA: model fed %v", syms)
	}
}

// TestPhonemeWithEspeak: espeak-ng keeps the IPA of English words, as
// phoneme input, and speaks it.
func TestPhonemeWithEspeak(t *testing.T) {
	p := pipeline(t)
	prof := voice.Design("a Scottish woman") // espeak-ng en-gb-scotland
	pcm, segs := speakInput(t, p, Input{Text: `Say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme> now.`, Language: protocol.English, Voice: prof, SSML: true})
	pt := segs[0].Parts[0]
	if pt.Voice.Engine != engine.Espeak || len(pt.Pieces) == 0 || !slices.ContainsFunc(pt.Pieces, func(p engine.Piece) bool { return p.IPA == "təˈmɑːtoʊ" }) {
		t.Fatalf("part %+v", pt)
	}
	if len(pcm) < protocol.SampleRate/2 {
		t.Fatalf("%d samples", len(pcm))
	}
}

// BenchmarkFirstAudio measures the time from the start of a segment's
// synthesis to its first audio, plain text against the same text as
// SSML (whose Carry holds quiet back until it knows it is quiet), with
// flite slt.
func BenchmarkFirstAudio(b *testing.B) {
	e, err := engine.Open(engine.Config{DisableEspeak: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	p := &Pipeline{Engine: e}
	const text = "Hello there, this is the first sentence of an answer."
	for _, mode := range []struct {
		name string
		ssml bool
	}{{"text", false}, {"ssml", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var first time.Duration
			for b.Loop() {
				segs, err := p.SplitInput(Input{Text: text, Language: protocol.English, Voice: voice.Default(), SSML: mode.ssml})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				got := false
				if err := p.SpeakPrepared(context.Background(), &segs[0], func([]int16) error {
					if !got {
						first += time.Since(start)
						got = true
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Microseconds())/float64(b.N)/1000, "ms/first-audio")
		})
	}
}

// TestBreaksMeasureNeural: breaks between Piper and Kokoro runs (the
// generated test models, whose runs are tones from edge to edge) measure
// the asked time too, inside a segment and after a cut.
func TestBreaksMeasureNeural(t *testing.T) {
	dir := t.TempDir()
	pipertest.Install(t, dir, "en_US-amy-low", "en_US-amy-low.onnx", "en_US-amy-low.onnx.json")
	if err := os.CopyFS(filepath.Join(dir, "kokoro"), os.DirFS(filepath.Join(pipertest.Testdata(), "..", "..", "kokoro", "testdata", "kokoro"))); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(engine.Config{ModelsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	p := &Pipeline{Engine: e, Voices: voice.NewCatalog(e.NeuralVoices(), e.LookupVoice)}
	for _, name := range []string{"piper:en_US-amy-low", "kokoro:af_test"} {
		in := func(text string) Input {
			return Input{Text: text, Language: protocol.English, Voice: voice.Profile{Voice: name}, SSML: true}
		}
		for _, before := range []string{`Hello there.`, `This first sentence is long enough for the segmenter to cut it here. `} {
			const d = 450 * time.Millisecond
			pcm, segs := speakInput(t, p, in(before+`<break time="450ms"/>And after.`))
			if !strings.HasPrefix(name, segs[0].Voice.Engine) {
				t.Fatalf("%s spoken by %+v", name, segs[0].Voice)
			}
			if got := gapAt(pcm, soundEnd(t, p, in(before))+samplesOf(d)/2); !near(got, d) {
				t.Errorf("%s: break of %v after %q measures %v", name, d, before, ms(got))
			}
		}
	}
}
