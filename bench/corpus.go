package bench

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

//go:embed corpus.txt
var builtinCorpus string

var parseBuiltin = sync.OnceValue(func() []string {
	texts, err := ParseCorpus(strings.NewReader(builtinCorpus))
	if err != nil {
		panic("bench: built-in corpus: " + err.Error())
	}
	return texts
})

// BuiltinCorpus returns the built-in texts: varied English answers of the
// kind an LLM gives a voice agent, from one sentence to a few paragraphs'
// worth, with numbers, times, amounts and abbreviations to normalise. The
// slice is a fresh copy.
func BuiltinCorpus() []string { return append([]string(nil), parseBuiltin()...) }

// Token sizes, in characters: what LLM streaming APIs deliver.
const (
	minTokenChars = 1
	maxTokenChars = 6
)

// Sentences shorter or longer than these are not used in one-sentence mode.
const (
	minSentenceChars = 20
	maxSentenceChars = 150
)

// ParseCorpus reads texts, one per paragraph: paragraphs are separated by
// blank lines, and the lines of a paragraph are joined with a space. Every
// text must fit the server's buffer (protocol.MaxBufferChars characters),
// since with TokensPerSec 0 it is sent in one message.
func ParseCorpus(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var texts []string
	var para []string
	end := func() {
		if len(para) > 0 {
			texts = append(texts, strings.Join(para, " "))
			para = para[:0]
		}
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			end()
			continue
		}
		para = append(para, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: corpus: %w", err)
	}
	end()
	if err := checkCorpus(texts); err != nil {
		return nil, err
	}
	return texts, nil
}

func checkCorpus(texts []string) error {
	if len(texts) == 0 {
		return fmt.Errorf("%w: the corpus is empty", ErrInvalidConfig)
	}
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("%w: corpus text %d is blank", ErrInvalidConfig, i+1)
		}
		if n := utf8.RuneCountInString(t); n > protocol.MaxBufferChars {
			return fmt.Errorf("%w: corpus text %d has %d characters, at most %d fit the server's buffer",
				ErrInvalidConfig, i+1, n, protocol.MaxBufferChars)
		}
	}
	return nil
}

// abbreviations end with a period that does not end a sentence. Missing a
// sentence end only moves the measurement to a later one.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"vs": true, "etc": true, "e.g": true, "i.e": true, "u.s": true, "u.k": true, "inc": true,
	"ltd": true, "no": true, "approx": true, "fig": true, "a.m": true, "p.m": true,
}

func sentenceMark(r rune) bool { return r == '.' || r == '!' || r == '?' }
func cjkMark(r rune) bool      { return r == '。' || r == '！' || r == '？' }
func closer(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '”', '’', '」', '』', '）':
		return true
	}
	return false
}

// nextBoundary finds the first sentence end in r at or after from. It
// returns end, the index just past the mark and any closing quotes, and at,
// the index of the character that completes the boundary (the whitespace
// after a . ! or ?, or whatever follows a CJK mark). ok is false if r has
// no complete boundary: the last sentence of a text is completed only by
// the flush.
func nextBoundary(r []rune, from int) (end, at int, ok bool) {
	for i := from; i < len(r); i++ {
		western := sentenceMark(r[i])
		if !western && !cjkMark(r[i]) {
			continue
		}
		if i+1 < len(r) && (sentenceMark(r[i+1]) || cjkMark(r[i+1])) {
			continue // a run of marks ends at its last one
		}
		if r[i] == '.' && (i > 0 && r[i-1] == '.' || abbreviation(r[:i])) {
			continue
		}
		j := i + 1
		for j < len(r) && closer(r[j]) {
			j++
		}
		if j == len(r) || western && !unicode.IsSpace(r[j]) {
			continue
		}
		return j, j, true
	}
	return 0, 0, false
}

// abbreviation reports whether the word that ends r is an abbreviation or
// an initial.
func abbreviation(r []rune) bool {
	start := len(r)
	for start > 0 && !unicode.IsSpace(r[start-1]) && r[start-1] != '(' && r[start-1] != '"' {
		start--
	}
	w := strings.ToLower(string(r[start:]))
	if utf8.RuneCountInString(w) == 1 && unicode.IsLetter([]rune(w)[0]) {
		return true
	}
	return abbreviations[w]
}

// firstBoundary returns the index of the character that completes the
// first sentence end of text, or -1.
func firstBoundary(r []rune) int {
	_, at, ok := nextBoundary(r, 0)
	if !ok {
		return -1
	}
	return at
}

// sentences splits texts into sentences and keeps the short ones, in order.
func sentences(texts []string) []string {
	var out []string
	keep := func(s string) {
		s = strings.TrimSpace(s)
		if n := utf8.RuneCountInString(s); n >= minSentenceChars && n <= maxSentenceChars {
			out = append(out, s)
		}
	}
	for _, t := range texts {
		r := []rune(t)
		from := 0
		for {
			end, _, ok := nextBoundary(r, from)
			if !ok {
				keep(string(r[from:]))
				break
			}
			keep(string(r[from:end]))
			from = end
		}
	}
	return out
}

// tokenize cuts text into tokens of minTokenChars to maxTokenChars
// characters. ends[i] is the character index just past token i.
func tokenize(r []rune, rng *rand.Rand) (tokens []string, ends []int) {
	for i := 0; i < len(r); {
		n := min(minTokenChars+rng.IntN(maxTokenChars-minTokenChars+1), len(r)-i)
		tokens = append(tokens, string(r[i:i+n]))
		i += n
		ends = append(ends, i)
	}
	return tokens, ends
}
