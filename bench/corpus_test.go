package bench

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCorpus(t *testing.T) {
	long := strings.Repeat("a", 4097)
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"paragraphs", "One text.\n\nTwo text.\n", []string{"One text.", "Two text."}, false},
		{"lines joined", "First line\nsecond line.\n\n\n\nNext.", []string{"First line second line.", "Next."}, false},
		{"crlf and indentation", "  A b.\r\n c d.\r\n\r\nE.\r\n", []string{"A b. c d.", "E."}, false},
		{"blank lines of spaces separate", "A.\n   \t\nB.", []string{"A.", "B."}, false},
		{"empty", "\n\n  \n", nil, true},
		{"too long for the buffer", "ok.\n\n" + long, nil, true},
		{"exactly the buffer", strings.Repeat("é", 4096), []string{strings.Repeat("é", 4096)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCorpus(strings.NewReader(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("ParseCorpus = %q, %v; want ErrInvalidConfig", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Fatalf("ParseCorpus = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuiltinCorpus(t *testing.T) {
	texts := BuiltinCorpus()
	if len(texts) < 20 {
		t.Fatalf("built-in corpus has %d texts, want a varied set", len(texts))
	}
	for i, text := range texts {
		if firstBoundary([]rune(text)) < 0 {
			t.Errorf("text %d has no sentence end followed by more text: %q", i, text)
		}
		if n := utf8.RuneCountInString(text); n > 4096 {
			t.Errorf("text %d has %d characters", i, n)
		}
	}
	texts[0] = "changed"
	if BuiltinCorpus()[0] == "changed" {
		t.Error("BuiltinCorpus returns shared storage")
	}
	ss := sentences(BuiltinCorpus())
	if len(ss) < 50 {
		t.Fatalf("only %d short sentences in the built-in corpus", len(ss))
	}
	for _, s := range ss {
		if n := utf8.RuneCountInString(s); n < minSentenceChars || n > maxSentenceChars {
			t.Errorf("sentence of %d characters: %q", n, s)
		}
		if strings.TrimSpace(s) != s {
			t.Errorf("sentence not trimmed: %q", s)
		}
		if end, _, ok := nextBoundary([]rune(s+" Next"), 0); !ok || end != utf8.RuneCountInString(s) {
			t.Errorf("sentence is not exactly one sentence: %q", s)
		}
	}
}

func TestFirstBoundary(t *testing.T) {
	tests := []struct {
		text string
		want int // index of the completing character; -1 none
	}{
		{"Hello there. How are you?", 12},
		{"Really?! Yes.", 8},
		{"Dr. Smith is here. Yes", 18},
		{"We met Mr. J. Smith today. Fine", 26},
		{"e.g. this one. Next", 14},
		{"It costs 3.50 dollars. Ok", 22},
		{"Wait... what? Yes", 13},
		{`He said "hi." Then`, 13},
		{"(Like this.) Then", 12},
		{"你好。我们", 3},
		{"One sentence only.", -1},
		{"No end at all", -1},
		{"Trailing space. ", 15},
		{"A line.\nAnother", 7},
		{"", -1},
	}
	for _, tt := range tests {
		if got := firstBoundary([]rune(tt.text)); got != tt.want {
			t.Errorf("firstBoundary(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestSentences(t *testing.T) {
	texts := []string{
		"Short. This sentence is long enough to be kept. And another one, long enough too!",
		"Dr. Smith said the results were fine. " + strings.Repeat("word ", 40) + "end.",
	}
	got := sentences(texts)
	want := []string{
		"This sentence is long enough to be kept.",
		"And another one, long enough too!",
		"Dr. Smith said the results were fine.",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sentences = %q, want %q", got, want)
	}
}

func TestTokenize(t *testing.T) {
	text := []rune("Sure! Here is a short answer, with a few words: café, naïve, 日本語.")
	a, aEnds := tokenize(text, rand.New(rand.NewPCG(1, 2)))
	b, _ := tokenize(text, rand.New(rand.NewPCG(1, 2)))
	if strings.Join(a, "") != string(text) {
		t.Fatalf("tokens %q do not add up to the text", a)
	}
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Fatal("tokenize is not repeatable for a seed")
	}
	sizes := map[int]bool{}
	end := 0
	for i, tok := range a {
		n := utf8.RuneCountInString(tok)
		if n < minTokenChars || n > maxTokenChars {
			t.Errorf("token %q has %d characters", tok, n)
		}
		sizes[n] = true
		end += n
		if aEnds[i] != end {
			t.Errorf("ends[%d] = %d, want %d", i, aEnds[i], end)
		}
	}
	if len(sizes) < 3 {
		t.Errorf("token sizes %v are not varied", sizes)
	}
}

func TestNewWorkBoundaryToken(t *testing.T) {
	text := "Okay, so here is the thing. It works like this, mostly."
	at := firstBoundary([]rune(text))
	r := &runner{cfg: Config{TokensPerSec: 50}, texts: []string{text}}
	for seed := range uint64(20) {
		w := r.newWork(rand.New(rand.NewPCG(seed, 0)))
		if w.boundary < 0 {
			t.Fatal("no boundary token")
		}
		before := utf8.RuneCountInString(strings.Join(w.tokens[:w.boundary], ""))
		through := before + utf8.RuneCountInString(w.tokens[w.boundary])
		if before > at || through <= at {
			t.Fatalf("boundary token %d %q covers characters %d..%d, want %d", w.boundary, w.tokens[w.boundary], before, through, at)
		}
		if w.interval != 20_000_000 {
			t.Fatalf("interval %v at 50 tokens/s", w.interval)
		}
	}
	r.cfg.TokensPerSec = 0
	if w := r.newWork(rand.New(rand.NewPCG(1, 0))); len(w.tokens) != 1 || w.boundary != 0 || w.interval != 0 {
		t.Fatalf("whole-text work = %d tokens, boundary %d, interval %v", len(w.tokens), w.boundary, w.interval)
	}
	r.cfg.OneSentence, r.texts = true, []string{"Just one sentence here, nothing more."}
	if w := r.newWork(rand.New(rand.NewPCG(1, 0))); len(w.tokens) != 1 || w.boundary != -1 {
		t.Fatalf("one-sentence work = %d tokens, boundary %d", len(w.tokens), w.boundary)
	}
}
