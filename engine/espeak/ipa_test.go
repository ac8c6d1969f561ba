package espeak

import (
	"context"
	"strings"
	"testing"
)

// englishWords exercise every vowel, diphthong and consonant of English.
const englishWords = `The quick brown fox jumps over the lazy dog. Thought, though, thorough, through.
Bird, heard, word, cure, pure, tour, near, here, there, hair, car, far, door, more, four, fire, hour, power.
Measure, vision, church, judge, sing, thing, bottle, button, little, garden, water, better, city, happy.
Boy, toy, cow, now, go, show, say, day, eye, buy, see, tea, sue, blue, put, foot, cup, luck, cat, hat,
hot, lot, caught, bought, father, ago, sofa, roses, wanted, uh-oh, Parley, banana, tomato, potato.`

// TestMnemonicsCoverEnglish: every word espeak-ng's English voices
// phonemise maps to mnemonics, so IPA written as espeak-ng writes it is
// always spoken as phonemes.
func TestMnemonicsCoverEnglish(t *testing.T) {
	e := open(t)
	for _, voice := range []string{"en-us", "en-gb", "en-gb-scotland"} {
		clauses, err := e.Phonemize(context.Background(), englishWords, voice)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clauses {
			for _, w := range strings.Fields(c.Phonemes) {
				if _, ok := Mnemonics(w, voice); !ok {
					t.Errorf("%s: %q (of %q) does not map", voice, w, strings.TrimSpace(c.Text))
				}
			}
		}
	}
}

func TestMnemonics(t *testing.T) {
	for _, c := range []struct{ ipa, voice, want string }{
		{"təˈmɑːtoʊ", "en-us", "t@'mA:toU"},
		{"ˈpɑːli", "en-gb", "'pA:li"},
		{"ðə kwˈɪk bɹˈaʊn", "en-us", "D@ kw'Ik br'aUn"},
		{"t͡ʃɜːt͡ʃ", "en-us", "tS3:tS"},
		{"kæt.əl", "en-us", "kat@L"},
	} {
		if got, ok := Mnemonics(c.ipa, c.voice); !ok || got != c.want {
			t.Errorf("Mnemonics(%q) = %q, %v; want %q", c.ipa, got, ok, c.want)
		}
	}
	for _, c := range []struct{ ipa, voice string }{{"ʀ", "en-us"}, {"tə", "de"}, {"", "en-us"}, {"[[", "en-us"}} {
		if got, ok := Mnemonics(c.ipa, c.voice); ok {
			t.Errorf("Mnemonics(%q, %s) = %q, want a refusal", c.ipa, c.voice, got)
		}
	}
	if got := PhonemeText("Say [[x]] ", "t@'mA:toU", ", please.", ""); got != "Say [ [x]] [[t@'mA:toU]], please." {
		t.Errorf("PhonemeText = %q", got)
	}
}

// TestPhonemeInput speaks mnemonics: "[[t@'mA:toU]]" is not what the text
// "tomato" is in American English (t@m'eIt#oU), and sounds like it
// written so; the same text without Phonemes is read as text.
func TestPhonemeInput(t *testing.T) {
	e := open(t)
	speak := func(text string, ph bool) []int16 {
		var pcm []int16
		if err := e.Synthesize(context.Background(), text, Params{Voice: "en-us", Phonemes: ph}, func(b []int16) error {
			pcm = append(pcm, b...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return pcm
	}
	british := speak(PhonemeText("", "t@'mA:toU"), true)
	american := speak("tomato", false)
	asText := speak(PhonemeText("", "t@'mA:toU"), false)
	if len(british) == 0 || len(american) == 0 {
		t.Fatal("no audio")
	}
	// Read as text, the brackets and mnemonics are letters and symbols:
	// much longer than one word.
	if len(asText) < 2*len(british) {
		t.Errorf("without Phonemes %d samples, with %d: the mnemonics were not read as text", len(asText), len(british))
	}
	if d := float64(len(british)) / float64(len(american)); d < 0.7 || d > 1.4 {
		t.Errorf("phoneme input %d samples against the word's %d: not one word", len(british), len(american))
	}
}

// TestPhonemeInputInWorkers: the flag crosses the worker protocol, and a
// worker speaks phoneme input as the in-process engine does.
func TestPhonemeInputInWorkers(t *testing.T) {
	cfg := poolConfig(1, "serve")
	cfg.Isolated = true
	p := newPool(t, cfg, false)
	text := PhonemeText("", "t@'mA:toU")
	ph, err := run(context.Background(), p, text, Params{Voice: "en-us", Phonemes: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := run(context.Background(), p, text, Params{Voice: "en-us"})
	if err != nil {
		t.Fatal(err)
	}
	var local []int16
	if err := open(t).Synthesize(context.Background(), text, Params{Voice: "en-us", Phonemes: true}, func(b []int16) error {
		local = append(local, b...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := float64(len(ph)) / float64(len(local)); d < 0.85 || d > 1.15 { // espeak-ng is not repeatable to the sample
		t.Errorf("worker %d samples, in process %d", len(ph), len(local))
	}
	if len(plain) < 2*len(ph) {
		t.Errorf("without the flag %d samples, with it %d: the flag did not cross", len(plain), len(ph))
	}
	if n := p.Stats().WorkerRequests; n != 2 {
		t.Fatalf("%d of 2 requests went to the worker process", n)
	}
}
