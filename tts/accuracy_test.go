package tts

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agent/stt/pocketsphinx"
	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/internal/onnxrun"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/voice"
)

// accuracySentences are read by every engine and aligned by
// pocketsphinx. Their spoken words are all in its dictionary.
var accuracySentences = []string{
	"The quick brown fox jumps over the lazy dog.",
	"Dr. Smith paid $5 for the book, and then he went home.",
	"We will meet at the station at noon tomorrow, if the weather is good.",
	"Please call me back when you have a moment to talk about the project.",
	"She opened the window and the cold air filled the small room.",
}

// aligner force-aligns speech to the sentences above with pocketsphinx:
// a grammar of the sentences' spoken words, one of which each utterance
// must be.
type aligner struct{ d *pocketsphinx.Decoder }

func newAligner(t *testing.T, spoken [][]string) *aligner {
	t.Helper()
	var alts []string
	for _, ws := range spoken {
		alts = append(alts, "( "+strings.Join(ws, " ")+" )")
	}
	path := filepath.Join(t.TempDir(), "align.gram")
	gram := "#JSGF V1.0;\ngrammar align;\npublic <s> = " + strings.Join(alts, " | ") + " ;\n"
	if err := os.WriteFile(path, []byte(gram), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := pocketsphinx.NewDecoder(pocketsphinx.Config{Extra: map[string]string{"-jsgf": path}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return &aligner{d: d}
}

// starts returns the start of each word pocketsphinx aligned in pcm (24
// kHz), in ms.
func (a *aligner) starts(t *testing.T, pcm []int16, rate int) ([]string, []float64) {
	t.Helper()
	if err := a.d.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := a.d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.d.Write(audio.Resample(pcm, rate, 16000)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.d.End(); err != nil {
		t.Fatal(err)
	}
	ws, err := a.d.Words()
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	var starts []float64
	for _, w := range ws {
		if strings.HasPrefix(w.Word, "<") || strings.HasPrefix(w.Word, "[") || w.Word == "(NULL)" {
			continue
		}
		words = append(words, strings.TrimRight(w.Word, "()0123456789"))
		starts = append(starts, w.Start*1000)
	}
	return words, starts
}

// spokenKeys is the words a timestamp entry spoke, as the grammar has
// them.
func spokenKeys(s string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(strings.ReplaceAll(s, "-", " "))) {
		if k := key(w); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// errs collects start errors, in ms.
type errs []float64

func (e errs) summary() string {
	s := slices.Clone(e)
	slices.Sort(s)
	if len(s) == 0 {
		return "no words"
	}
	var sum float64
	within := 0
	for _, v := range s {
		sum += v
		if v <= 50 {
			within++
		}
	}
	return fmt.Sprintf("%d words: mean %.0f ms, median %.0f ms, 90th percentile %.0f ms, max %.0f ms, %d%% within 50 ms",
		len(s), sum/float64(len(s)), s[len(s)/2], s[len(s)*9/10], s[len(s)-1], 100*within/len(s))
}

func (e errs) mean() float64 {
	var sum float64
	for _, v := range e {
		sum += v
	}
	return sum / float64(max(len(e), 1))
}

// TestTimestampAccuracy: the word starts of every engine's timestamps,
// through the whole pipeline (normalisation, alignment, the engines'
// resampling, lead trimming and fades), against pocketsphinx's forced
// alignment of the same audio. flite's and espeak-ng's come from the
// engines and must be within 50 ms on average. The neural engines'
// estimate is measured on espeak-ng's speech, since no Piper or Kokoro
// weights can be had here (their test models make no speech). The
// figures are in BENCHMARKS.md; go test -v prints them.
func TestTimestampAccuracy(t *testing.T) {
	e, err := engine.Open(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := &Pipeline{Engine: e}
	voices := []engine.Voice{{Engine: engine.Flite, Name: "slt"}, {Engine: engine.Flite, Name: "rms"}, {Engine: engine.Flite, Name: "kal16"},
		{Engine: engine.Espeak, Name: "en-us"}}
	type take struct {
		words []Word
		pcm   []int16
	}
	takes := map[engine.Voice][]take{}
	var grammar [][]string
	for _, v := range voices {
		for _, text := range accuracySentences {
			segs, err := p.SplitInput(Input{Text: text, Language: protocol.English, Voice: voice.Default(), Timestamps: true})
			if err != nil {
				t.Fatal(err)
			}
			var tk take
			for i := range segs {
				seg := &segs[i]
				seg.Voice = v
				base := len(tk.pcm)
				seg.Words = func(ws []Word) {
					for _, w := range ws {
						w.Start += base
						tk.words = append(tk.words, w)
					}
				}
				if err := p.SpeakPrepared(context.Background(), seg, func(pcm []int16) error {
					tk.pcm = append(tk.pcm, pcm...)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			takes[v] = append(takes[v], tk)
			if v == voices[0] {
				var ws []string
				for _, w := range tk.words {
					ws = append(ws, spokenKeys(w.Text)...)
				}
				grammar = append(grammar, ws)
			}
		}
	}
	al := newAligner(t, grammar)
	for _, v := range voices {
		var e errs
		for _, tk := range takes[v] {
			words, starts := al.starts(t, tk.pcm, protocol.SampleRate)
			// Our entries in the order of their words; an entry of several
			// words ("for the") is compared at its first.
			i := 0
			for _, w := range tk.words {
				ks := spokenKeys(w.Text)
				if len(ks) == 0 {
					continue
				}
				for i < len(words) && words[i] != ks[0] {
					i++
				}
				if i == len(words) {
					break
				}
				e = append(e, math.Abs(float64(w.Start)*1000/protocol.SampleRate-starts[i]))
				i += len(ks)
			}
		}
		t.Logf("%s %s: %s", v.Engine, v.Name, e.summary())
		if len(e) < 40 || e.mean() > 50 {
			t.Errorf("%s %s: %s; want 40 words or more, 50 ms or less on average", v.Engine, v.Name, e.summary())
		}
	}
	estimatorOnEspeak(t, al)
}

// estimatorOnEspeak measures the neural engines' estimate (package
// onnxrun) on real speech: espeak-ng's, with espeak-ng's own phonemes,
// each sentence one run.
func estimatorOnEspeak(t *testing.T, al *aligner) {
	es, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	var e errs
	for _, text := range accuracySentences {
		norm := (&Pipeline{}).Prepare(Request{Text: text, Language: protocol.English}).Normalized
		clauses, err := es.Phonemize(context.Background(), norm, "en-us")
		if err != nil {
			t.Fatal(err)
		}
		var sent [][]rune
		var spans []onnxrun.Span
		at := 0
		for _, c := range clauses {
			ph := c.Phonemes
			if c.Punct != 0 {
				ph += string(c.Punct)
			}
			sent = append(sent, []rune(ph+" "))
			spans = append(spans, onnxrun.Span{Start: at, End: at + len(c.Text)})
			at += len(c.Text)
		}
		owned, words := onnxrun.Own(norm, [][][]rune{sent}, [][]onnxrun.Span{spans})
		var run []onnxrun.PRune
		for _, cl := range owned[0] {
			run = append(run, cl...)
		}
		var pcm []int16
		if err := es.Synthesize(context.Background(), norm, espeak.Params{Voice: "en-us"}, func(b []int16) error {
			pcm = append(pcm, b...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		est := onnxrun.Estimate(pcm, es.SampleRate(), run, words, 0)
		got, starts := al.starts(t, pcm, es.SampleRate())
		i := 0
		for _, w := range est {
			k := spokenKeys(norm[w.TextStart:w.TextEnd])
			if len(k) == 0 {
				continue
			}
			for i < len(got) && got[i] != k[0] {
				i++
			}
			if i == len(got) {
				break
			}
			e = append(e, math.Abs(float64(w.Start)*1000/float64(es.SampleRate())-starts[i]))
			i += len(k)
		}
	}
	t.Logf("neural estimate on espeak-ng's speech: %s", e.summary())
	if len(e) < 40 {
		t.Errorf("neural estimate: %s", e.summary())
	}
}
