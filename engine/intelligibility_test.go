package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agent/stt"
	"github.com/parley-voice/parley/agent/stt/pocketsphinx"
	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
)

// harvard are everyday sentences from the Harvard lists: phonetically
// balanced, no digits and no names, so that neither text normalisation nor
// the recogniser's vocabulary gets in the way of hearing the voice.
var harvard = []string{
	"The birch canoe slid on the smooth planks.",
	"Glue the sheet to the dark blue background.",
	"It's easy to tell the depth of a well.",
	"These days a chicken leg is a rare dish.",
	"Rice is often served in round bowls.",
	"The juice of lemons makes fine punch.",
	"The box was thrown beside the parked truck.",
	"The hogs were fed chopped corn and garbage.",
	"Four hours of steady work faced us.",
	"A large size in stockings is hard to sell.",
}

// TestIntelligibility speaks the Harvard sentences with every English
// voice and recognises them with pocketsphinx, two ways:
//
//   - free recognition, scored as the word error rate over all 80 words.
//     pocketsphinx's acoustic model was trained on human speech, so a rate
//     says more about how far a voice is from a human one than about
//     whether a listener would understand it. flite is deterministic, and
//     so is recognition (Recognize resets the decoder), so flite's rates
//     are bounded: each bound is the rate measured plus 0.08. espeak-ng
//     is not deterministic (within one process the same sentence never
//     comes out quite the same twice), and pocketsphinx hears its formant
//     voices so badly (en-us+f2 between 0.875 and 1.012 over twenty runs)
//     that a bound on the rate would be either flaky or meaningless: its
//     rates are logged for the ranking only.
//   - a forced choice: pocketsphinx restricted to the ten sentences (a
//     JSGF grammar) must pick the one spoken, for at least as many as
//     measured less one (flite's: all ten, as it is deterministic). This
//     catches what a regression would break (silence, noise,
//     the wrong words or a garbled voice pick wrongly or nothing) on
//     every voice, espeak-ng's included.
//
// Measured with Debian 12's pocketsphinx 5prealpha and en-us model:
//
//	voice             WER                      bound   chosen right (9 runs)   bound
//	flite/kal16       0.313                    0.39    10                      10
//	flite/rms         0.375                    0.46    10                      10
//	flite/slt         0.425                    0.51    10                      10
//	flite/awb         0.475                    0.56    10                      10
//	espeak/en-us+m6   0.782 (0.700 .. 0.863)   -       9 .. 10                 8
//	espeak/en-us      0.902 (0.850 .. 0.950)   -       7 .. 8                  6
//	espeak/en-us+f2   0.918 (0.875 .. 1.012)   -       10                      9
//
// A voice that says nothing, or the wrong sentences, is chosen right about
// once in ten (by chance) or never.
func TestIntelligibility(t *testing.T) {
	voices := []struct {
		v      Voice
		bound  float64 // on the word error rate; 0: logged only
		chosen int     // the fewest sentences the forced choice must get right
	}{
		{Voice{Engine: Flite, Name: "slt"}, 0.51, 10},
		{Voice{Engine: Flite, Name: "rms"}, 0.46, 10},
		{Voice{Engine: Flite, Name: "awb"}, 0.56, 10},
		{Voice{Engine: Flite, Name: "kal16"}, 0.39, 10},
		{Voice{Engine: Espeak, Name: "en-us"}, 0, 6},
		{Voice{Engine: Espeak, Name: "en-us", Variant: "f2"}, 0, 9},
		{Voice{Engine: Espeak, Name: "en-us", Variant: "m6"}, 0, 8},
	}
	e := openEngines(t)
	pool, err := pocketsphinx.NewPool(pocketsphinx.DefaultConfig(), runtime.GOMAXPROCS(0))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var alts []string
	for _, s := range harvard {
		alts = append(alts, "( "+strings.Join(stt.Words(s), " ")+" )")
	}
	gram := filepath.Join(t.TempDir(), "harvard.jsgf")
	if err := os.WriteFile(gram, []byte("#JSGF V1.0;\ngrammar harvard;\npublic <s> = "+strings.Join(alts, " | ")+";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	choose, err := pocketsphinx.NewPool(pocketsphinx.Config{Extra: map[string]string{"-jsgf": gram}}, runtime.GOMAXPROCS(0))
	if err != nil {
		t.Fatal(err)
	}
	defer choose.Close()
	results := make([]string, len(voices))
	t.Run("voice", func(t *testing.T) {
		for i, tc := range voices {
			name := tc.v.Engine + "/" + tc.v.Name
			if tc.v.Variant != "" {
				name += "+" + tc.v.Variant
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var errs, words, chosen int
				for _, s := range harvard {
					pcm := audio.Resample(speak(t, e, s, protocol.English, tc.v).pcm, protocol.SampleRate, pocketsphinx.DefaultSampleRate)
					hyp := recognize(t, pool, pcm)
					n, w := stt.WordErrors(s, hyp)
					errs += n
					words += w
					pick := recognize(t, choose, pcm)
					if pick == strings.Join(stt.Words(s), " ") {
						chosen++
					}
					t.Logf("%d errors: %q; chose %q", n, hyp, pick)
				}
				wer := float64(errs) / float64(words)
				results[i] = fmt.Sprintf("%-16s  %.3f  (bound %.2f)  chosen right %d of %d", name, wer, tc.bound, chosen, len(harvard))
				if tc.bound > 0 && wer > tc.bound {
					t.Errorf("WER %.3f over %d words, bound %.2f", wer, words, tc.bound)
				}
				if chosen < tc.chosen {
					t.Errorf("forced choice: %d of %d sentences recognised as themselves, want at least %d", chosen, len(harvard), tc.chosen)
				}
			})
		}
	})
	t.Logf("per voice:\n%s", strings.Join(results, "\n"))
}

func recognize(t *testing.T, pool *pocketsphinx.Pool, pcm []int16) string {
	t.Helper()
	d, err := pool.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(d)
	hyp, err := pocketsphinx.Recognize(context.Background(), d, pcm)
	if err != nil {
		t.Fatal(err)
	}
	return hyp
}
