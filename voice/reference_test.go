//go:build cgo

package voice

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

var writeReferences = flag.Bool("references", false, "rewrite the reference WAVs in testdata")

// reference is speech made by an engine voice at a known pitch and rate,
// standing in for a recording, and the voice Match should find for it.
type reference struct {
	lang protocol.Language
	v    engine.Voice
	text string
	// file, if set, is where testdata keeps the reference at 16 kHz.
	file string
	// The voice matched: gender, and the engine voice that speaks it.
	gender, engine, name, variant string
}

// same reports whether the matched voice is the reference's own, so that
// the matched pitch and rate must be the reference's.
func (r reference) same() bool {
	return r.engine == r.v.Engine && r.name == r.v.Name && r.variant == r.v.Variant
}

const (
	harvard = "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."
	mercado = "Mañana iremos al mercado a comprar frutas y verduras frescas para la cena de los abuelos."
)

// references are never the calibration texts, so matching must carry over
// from one text to another.
var references = []reference{
	{lang: protocol.English, v: engine.Voice{Engine: "flite", Name: "slt", Pitch: 3, Rate: 0.8}, text: harvard,
		gender: GenderFemale, engine: "flite", name: "slt"},
	{lang: protocol.English, v: engine.Voice{Engine: "flite", Name: "rms", Pitch: -2, Rate: 1.25}, text: harvard,
		gender: GenderMale, engine: "flite", name: "rms"},
	{lang: protocol.English, v: engine.Voice{Engine: "espeak", Name: "en-gb", Variant: "m3"}, text: harvard,
		gender: GenderMale, engine: "flite", name: "rms"},
	{lang: protocol.English, v: engine.Voice{Engine: "espeak", Name: "en-us", Variant: "f4", Pitch: 1, Rate: 1.1}, text: harvard,
		gender: GenderFemale, engine: "flite", name: "slt"},
	{lang: protocol.Spanish, v: engine.Voice{Engine: "espeak", Name: "es-419", Variant: "f2", Pitch: 2, Rate: 0.9}, text: mercado,
		gender: GenderFemale, engine: "espeak", name: "es-419", variant: "f2"},

	{lang: protocol.English, v: engine.Voice{Engine: "flite", Name: "slt", Pitch: 3, Rate: 0.8}, text: "It is easy to tell the depth of a well.",
		file: "slt-up3-slow.wav", gender: GenderFemale, engine: "flite", name: "slt"},
	{lang: protocol.English, v: engine.Voice{Engine: "flite", Name: "rms", Pitch: -2, Rate: 1.25}, text: "These days a chicken leg is a rare dish.",
		file: "rms-down2-fast.wav", gender: GenderMale, engine: "flite", name: "rms"},
	{lang: protocol.Spanish, v: engine.Voice{Engine: "espeak", Name: "es-419", Variant: "f2", Pitch: 2, Rate: 0.9}, text: "El perro de mi vecino ladra todas las noches.",
		file: "es419-f2-up2.wav", gender: GenderFemale, engine: "espeak", name: "es-419", variant: "f2"},
}

// tolerance is how close a matched profile must come to a reference:
// the parameters, when the matched voice is the reference's own, and what
// is heard when the profile speaks the reference's text (median F0, and
// the speech time as a share).
type tolerance struct {
	pitch, rate   float64
	heardF0, time float64
}

// The bounds are the worst that TestMatchReferences and
// TestMatchReferenceFiles measured over repeated runs (go test -v shows the
// figures), with a small margin; doc.go states both. MatchText's pitch is
// within 0.25 semitones of the reference's except on the three-second
// espeak-ng file (up to 1.0, varying with espeak-ng's pitch flutter), where
// the F0 spread, and with it the range that trades against pitch on
// espeak-ng, is uncertain; what is heard stays within 0.1.
var (
	matchTextTolerance = tolerance{pitch: 1.5, rate: 0.05, heardF0: 0.3, time: 0.03}
	matchTolerance     = tolerance{pitch: 2.75, rate: 0.6, heardF0: 0.5, time: 0.25}
)

// TestMatchReferences generates the references with the engines and
// matches them back, with and without their text.
func TestMatchReferences(t *testing.T) {
	e := openEngines(t)
	for _, r := range references {
		if r.file != "" {
			continue
		}
		t.Run(r.v.Engine+"-"+r.v.Name+"-"+r.v.Variant, func(t *testing.T) {
			t.Parallel()
			checkReference(t, e, r, speak(t, e, r.text, r.lang, r.v), engineRate, true)
		})
	}
}

// TestMatchReferenceFiles matches the stored references, which pins the
// analysis to fixed input at another sample rate.
func TestMatchReferenceFiles(t *testing.T) {
	e := openEngines(t)
	for _, r := range references {
		if r.file == "" {
			continue
		}
		t.Run(r.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata", r.file))
			if err != nil {
				t.Fatal(err)
			}
			pcm, rate, err := audio.ReadWAV(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if rate != referenceRate {
				t.Errorf("%d Hz", rate)
			}
			checkReference(t, e, r, pcm, rate, false)
		})
	}
}

// referenceRate is the stored references' sample rate: a common rate for
// recordings, and not the engines'.
const referenceRate = 16000

// TestWriteReferences rewrites the stored references.
func TestWriteReferences(t *testing.T) {
	if !*writeReferences {
		t.Skip("rewrites testdata/*.wav; run with -references")
	}
	e := openEngines(t)
	for _, r := range references {
		if r.file == "" {
			continue
		}
		pcm := audio.Resample(speak(t, e, r.text, r.lang, r.v), engineRate, referenceRate)
		if err := os.WriteFile(filepath.Join("testdata", r.file), audio.EncodeWAV(pcm, referenceRate), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func checkReference(t *testing.T, e *engine.Engines, r reference, pcm []int16, rate int, roundTrip bool) {
	t.Helper()
	a, err := Analyze(context.Background(), pcm, rate)
	if err != nil {
		t.Fatalf("%v", err)
	}
	withText, err := MatchText(context.Background(), e, a, r.text, r.lang)
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, m := range []struct {
		how string
		p   Profile
		tol tolerance
	}{
		{"MatchText", withText, matchTextTolerance},
		{"Match", Match(a, r.lang), matchTolerance},
	} {
		p := m.p
		v := p.VoiceFor(r.lang)
		if p.Gender != r.gender || v.Engine != r.engine || v.Name != r.name || v.Variant != r.variant {
			t.Errorf("%s chose %s %s %s %s, want %s %s %s %s", m.how, p.Gender, v.Engine, v.Name, v.Variant, r.gender, r.engine, r.name, r.variant)
			continue
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", m.how, err)
		}
		t.Logf("%-9s pitch %+5.2f (reference %+.2f)  range %.2f  rate %.2f (reference %.2f)", m.how, p.Pitch, r.v.Pitch, p.Range, p.Rate, r.v.Rate)
		if r.same() {
			if d := p.Pitch - r.v.Pitch; math.Abs(d) > m.tol.pitch {
				t.Errorf("%s pitch %+.2f, reference's %+.2f", m.how, p.Pitch, r.v.Pitch)
			}
			if k := p.Rate/refRate(r.v) - 1; math.Abs(k) > m.tol.rate {
				t.Errorf("%s rate %.2f, reference's %.2f", m.how, p.Rate, refRate(r.v))
			}
		}
		// Match's parameters are checked above when they can be; what is
		// heard is checked for every MatchText, and for Match when it
		// chose another voice.
		if !roundTrip || (m.how == "Match" && r.same()) {
			continue
		}
		b, err := Analyze(context.Background(), speak(t, e, r.text, r.lang, v), engineRate)
		if err != nil {
			t.Fatalf("%s: %v", m.how, err)
		}
		heard := 12 * math.Log2(b.MedianF0/a.MedianF0)
		k := b.Speech.Seconds()/a.Speech.Seconds() - 1
		t.Logf("%-9s heard F0 %+.2f st, speech time %+.1f%%", m.how, heard, 100*k)
		if math.Abs(heard) > m.tol.heardF0 {
			t.Errorf("%s speaks at %.1f Hz, the reference at %.1f Hz", m.how, b.MedianF0, a.MedianF0)
		}
		if math.Abs(k) > m.tol.time {
			t.Errorf("%s speaks for %v, the reference for %v", m.how, b.Speech, a.Speech)
		}
	}
}

func refRate(v engine.Voice) float64 {
	if v.Rate == 0 {
		return 1
	}
	return v.Rate
}

// TestAnalyzeWhisper checks that engine whispering, which has no pitch to
// match, is refused.
func TestAnalyzeWhisper(t *testing.T) {
	e := openEngines(t)
	pcm := speak(t, e, harvard, protocol.English, engine.Voice{Engine: "espeak", Name: "en-us", Variant: "whisper"})
	if _, err := Analyze(context.Background(), pcm, engineRate); !errors.Is(err, ErrUnvoiced) {
		t.Errorf("whisper: %v", err)
	}
}

// BenchmarkMatchText measures matching a 5 s reference with its text
// through the engines, the cost of saving a voice from audio.
func BenchmarkMatchText(b *testing.B) {
	e := openEngines(b)
	for _, r := range references[:2] {
		a, err := Analyze(context.Background(), speak(b, e, r.text, r.lang, r.v), engineRate)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.v.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := MatchText(context.Background(), e, a, r.text, r.lang); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
