//go:build cgo

package espeak

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestPhonemize reads text into clauses with espeak-ng itself: the
// phonemes are IPA, each clause has the punctuation that ended it, and the
// clauses' texts put together are the text.
func TestPhonemize(t *testing.T) {
	e := open(t)
	tests := []struct {
		voice, text string
		phonemes    []string
		punct       []rune
	}{
		{"en-us", "Hello, world! How are you today?",
			[]string{"həlˈoʊ", "wˈɜːld", "hˌaʊ ɑːɹ juː tədˈeɪ"}, []rune{',', '!', '?'}},
		{"en-us", "Next line \"quoted.\" Then (in brackets.) done",
			[]string{"nˈɛkst lˈaɪn kwˈoʊɾᵻd", "ðˈɛn ɪn bɹˈækɪts", "dˈʌn"}, []rune{'.', '.', 0}},
		{"es", "Hola, ¿cómo estás? Bien.",
			[]string{"ˈola", "kˈomo estˈas", "bjˈen"}, []rune{',', '?', '.'}},
		{"ru", "Привет, мир.",
			[]string{"prʲivʲˈet", "mʲˈir"}, []rune{',', '.'}},
	}
	for _, tt := range tests {
		clauses, err := e.Phonemize(context.Background(), tt.text, tt.voice)
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		var ph []string
		var punct []rune
		for _, c := range clauses {
			text.WriteString(c.Text)
			ph = append(ph, c.Phonemes)
			punct = append(punct, c.Punct)
		}
		if text.String() != tt.text {
			t.Errorf("%q: clause texts join to %q", tt.text, text.String())
		}
		if strings.Join(ph, "|") != strings.Join(tt.phonemes, "|") || string(punct) != string(tt.punct) {
			t.Errorf("%s %q:\n got %q %q\nwant %q %q", tt.voice, tt.text, ph, string(punct), tt.phonemes, string(tt.punct))
		}
	}
}

// TestPhonemizeLeavesSynthesisAlone interleaves phonemisation in another
// language with synthesis: the audio is as long as without it, so neither
// the voice nor any half-read text carries over.
func TestPhonemizeLeavesSynthesisAlone(t *testing.T) {
	e := open(t)
	ctx := context.Background()
	length := func() int {
		n := 0
		if err := e.Synthesize(ctx, sentence, Params{Voice: "en-us"}, func(pcm []int16) error { n += len(pcm); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := length()
	if _, err := e.Phonemize(ctx, "Guten Tag, wie geht es Ihnen? Gut", "de"); err != nil {
		t.Fatal(err)
	}
	after := length()
	// espeak-ng is not bit-exact (see the package documentation).
	if d := after - before; d < -2000 || d > 2000 {
		t.Errorf("%d samples after phonemising, %d before", after, before)
	}
	clauses, err := e.Phonemize(ctx, "Hello.", "en-us")
	if err != nil || len(clauses) != 1 || clauses[0].Phonemes != "həlˈoʊ" {
		t.Errorf("English after German: %+v, %v", clauses, err)
	}
}

// TestPhonemizeAfterAbandonedSynthesis stops a synthesis mid-text, as a
// cancel does, and then phonemises: the clauses are those of a fresh
// phonemisation, with nothing of the abandoned text in them.
func TestPhonemizeAfterAbandonedSynthesis(t *testing.T) {
	e := open(t)
	ctx := context.Background()
	const text = "Hello, world."
	want, err := e.Phonemize(ctx, text, "en-us")
	if err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	for _, stopAt := range []int{1, 2, 5} {
		chunks := 0
		err := e.Synthesize(ctx, longText, Params{Voice: "en-us"}, func([]int16) error {
			if chunks++; chunks == stopAt {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Synthesize = %v, want the emit error", err)
		}
		got, err := e.Phonemize(ctx, text, "en-us")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after a synthesis stopped at chunk %d: %q, want %q", stopAt, got, want)
		}
	}
}

func TestPhonemizeErrors(t *testing.T) {
	e := open(t)
	if _, err := e.Phonemize(context.Background(), "Hello", "no-such-voice"); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("unknown voice: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Phonemize(ctx, "Hello", "en-us"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if c, err := e.Phonemize(context.Background(), "  \n ", "en-us"); err != nil || c != nil {
		t.Errorf("blank text: %v, %v", c, err)
	}
	p, err := OpenPool(PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Phonemize(context.Background(), strings.Repeat("a", MaxTextBytes+1), "en-us"); !errors.Is(err, ErrTextTooLong) {
		t.Errorf("long text: %v", err)
	}
	if c, err := p.Phonemize(context.Background(), "Hi.", "en-us"); err != nil || len(c) != 1 || c[0].Punct != '.' {
		t.Errorf("through the pool: %+v, %v", c, err)
	}
	e.Close()
	if _, err := e.Phonemize(context.Background(), "Hello", "en-us"); !errors.Is(err, ErrClosed) {
		t.Errorf("closed: %v", err)
	}
}
