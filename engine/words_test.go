package engine

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

// TestEngineWords: every engine reports the words it speaks, in order,
// each before any of the audio it starts in, within the audio, with the
// bytes of the segment's text it reads; the audio is the same as without
// words (holding audio back until a word is placed changes when audio
// goes, not what; espeak-ng's varies by a few samples from call to call
// anyway). Piper and Kokoro run the generated test models, whose
// output is not speech: for them this checks the mechanics, not the
// times.
func TestEngineWords(t *testing.T) {
	t.Setenv(espeakWorkerEnv, "1")
	e := openNeuralEngines(t, Config{ModelsDir: withKokoro(t, neuralDir(t)), EspeakProcesses: 1, EspeakIsolated: true,
		EspeakWorkerCommand: []string{os.Args[0]}})
	const text = "Doctor Smith paid five dollars for the book, and then he went home. It was late."
	want := strings.Fields(strings.NewReplacer(",", "", ".", "").Replace(text))
	for _, v := range []Voice{{Engine: Flite, Name: "slt"}, {Engine: Flite, Name: "kal16"}, {Engine: Espeak, Name: "en-us"},
		{Engine: Piper, Name: "en_US-amy-low"}, {Engine: Kokoro, Name: "af_test"}} {
		t.Run(v.Engine+"/"+v.Name, func(t *testing.T) {
			var plain []int16
			if err := e.Synthesize(context.Background(), Segment{Text: text, Language: protocol.English}, v, func(p []int16) error {
				plain = append(plain, p...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var pcm []int16
			var ws []Word
			seg := Segment{Text: text, Language: protocol.English, Words: func(batch []Word) {
				for _, w := range batch {
					if w.Start < len(pcm) {
						t.Errorf("word %q at %d reported after %d samples were emitted", text[w.TextStart:w.TextEnd], w.Start, len(pcm))
					}
				}
				ws = append(ws, batch...)
			}}
			if err := e.Synthesize(context.Background(), seg, v, func(p []int16) error {
				pcm = append(pcm, p...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// espeak-ng does not say a text quite the same way twice (a few
			// samples more or less).
			if v.Engine == Espeak && (len(pcm) < len(plain)*99/100 || len(pcm) > len(plain)*101/100) ||
				v.Engine != Espeak && !slices.Equal(pcm, plain) {
				t.Fatalf("%d samples with words, %d without", len(pcm), len(plain))
			}
			var got []string
			for i, w := range ws {
				if w.End < w.Start || w.End > len(pcm) || i > 0 && w.Start < ws[i-1].Start {
					t.Errorf("word %d %+v out of order or past the %d samples", i, w, len(pcm))
				}
				got = append(got, strings.Trim(text[w.TextStart:w.TextEnd], ",."))
			}
			// espeak-ng runs some short words into the next one ("the book").
			if v.Engine == Espeak {
				got = slices.DeleteFunc(got, func(s string) bool { return s == "" })
				for _, w := range got {
					if !slices.Contains(want, w) {
						t.Errorf("word %q is not in the text", w)
					}
				}
				if len(got) < len(want)-3 {
					t.Errorf("words %q, want about %q", got, want)
				}
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("words %q, want %q", got, want)
			}
		})
	}
}
