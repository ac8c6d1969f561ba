package piper

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine/espeak"
)

// fakeClauses is a Phonemizer that returns fixed clauses, and the voice it
// was asked for.
type fakeClauses struct {
	clauses []espeak.Clause
	voice   string
}

func (f *fakeClauses) Phonemize(_ context.Context, _, voice string) ([]espeak.Clause, error) {
	f.voice = voice
	return f.clauses, nil
}

func amyConfig(t testing.TB) *Config {
	t.Helper()
	b, err := os.ReadFile("testdata/en_US-amy-low.onnx.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func render(sents []sentence) []string {
	var out []string
	for _, s := range sents {
		var b strings.Builder
		for _, cl := range s {
			b.WriteString(string(cl))
		}
		out = append(out, b.String())
	}
	return out
}

// TestSentences: punctuation is appended as piper-phonemize does, the
// phonemes are decomposed and stripped of language switches, and
// sentences end at . ? !.
func TestSentences(t *testing.T) {
	c := amyConfig(t)
	ph := &fakeClauses{clauses: []espeak.Clause{
		{Phonemes: "həlˈoʊ", Punct: ','},
		{Phonemes: "wˈɜːld", Punct: '!'},
		{Phonemes: "ðə (fr)ɡaʁsɔ̃(en) ɪz fɹˈɛntʃ", Punct: ':'},
		{Phonemes: "ɡˈɑːsɑːn", Punct: ';'},
		{Phonemes: "ˈoʊ", Punct: '?'},
		{Phonemes: "fasˈadə", Punct: 0},
		{Phonemes: "çˈa", Punct: 0},
	}}
	got := render(mustSentences(t, c, ph))
	want := []string{
		"həlˈoʊ, wˈɜːld!",
		"ðə ɡaʁsɔ\u0303 ɪz fɹˈɛntʃ: ɡˈɑːsɑːn; ˈoʊ?",
		"fasˈadəc\u0327ˈa",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sentences\n got %q\nwant %q", got, want)
	}
	if ph.voice != "en-us" {
		t.Errorf("phonemised with %q, want the config's en-us", ph.voice)
	}

	// pt-br's default map, and a config's own map instead.
	c.Espeak.Voice = "pt-br"
	ph = &fakeClauses{clauses: []espeak.Clause{{Phonemes: "caca", Punct: '.'}}}
	if got := render(mustSentences(t, c, ph)); !slices.Equal(got, []string{"kaka."}) {
		t.Errorf("pt-br: %q", got)
	}
	c.remap = map[rune][]rune{'a': {'e', 'i'}}
	if got := render(mustSentences(t, c, ph)); !slices.Equal(got, []string{"ceicei."}) {
		t.Errorf("phoneme_map: %q", got)
	}
}

func mustSentences(t *testing.T, c *Config, ph Phonemizer) []sentence {
	t.Helper()
	s, err := c.sentences(context.Background(), ph, "ignored")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTextPhonemes: a "text" voice reads its characters, folded and
// decomposed, as one sentence, without espeak-ng.
func TestTextPhonemes(t *testing.T) {
	c := amyConfig(t)
	c.PhonemeType = PhonemesText
	s, err := c.sentences(context.Background(), nil, "Straße, ÇA!")
	if err != nil {
		t.Fatal(err)
	}
	if got := render(s); !slices.Equal(got, []string{"strasse, c\u0327a!"}) {
		t.Errorf("text phonemes %q", got)
	}
}

func TestIDs(t *testing.T) {
	c := amyConfig(t)
	ids, missing := c.IDs([]rune("hə, ☃x"))
	// ^ _ h _ ə _ , _ ␠ _ x _ $ with ☃ skipped.
	want := []int64{1, 0, 20, 0, 59, 0, 8, 0, 3, 0, 36, 0, 2}
	if !slices.Equal(ids, want) || missing != 1 {
		t.Errorf("IDs = %v (%d missing), want %v (1 missing)", ids, missing, want)
	}
	c.ids['x'] = []int64{40, 41}
	if ids, _ := c.IDs([]rune("x")); !slices.Equal(ids, []int64{1, 0, 40, 41, 0, 2}) {
		t.Errorf("a phoneme of two ids: %v", ids)
	}
	if ids, _ := c.IDs(nil); !slices.Equal(ids, []int64{1, 0, 2}) {
		t.Errorf("no phonemes: %v", ids)
	}
}
