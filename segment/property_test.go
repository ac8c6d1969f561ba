package segment

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// vocabulary mixes the pieces that make segmentation hard, so random texts
// hit abbreviations, numbers, URLs, quotes and CJK punctuation often.
var vocabulary = strings.Fields(`the a quick answer is here and we went home today it rained
	Dr. Mr. Mrs. St. e.g. i.e. U.S. a.m. p.m. etc. Inc. No. vs. approx. J. K. z.B. т.е. Sra.
	3. 3.14 10:30 1,000 $5. 42 ... … .. ?! !! ? ! . , ; : "hi." 'no.' (yes.) «oui.» „ja.“
	https://example.com/a?b=1 bob@example.org www.example.com.
	你好。 我们， 一起、 走吧！ 怎么样？ 说：“好的。” 」 』 ） こんにちは、 ですね。
	안녕하세요. 좋네요! 갈까요?`)

var separators = []string{" ", " ", " ", " ", "", "\n", "\n\n", "\u00a0", "  ", "\u3000"}

func randomText(rng *rand.Rand, words int) string {
	var b strings.Builder
	for range words {
		b.WriteString(vocabulary[rng.IntN(len(vocabulary))])
		b.WriteString(separators[rng.IntN(len(separators))])
	}
	return b.String()
}

// randomTokens splits text into tokens of 1 to maxLen code points.
func randomTokens(rng *rand.Rand, text string, maxLen int) []string {
	var toks []string
	for text != "" {
		n, i := 1+rng.IntN(maxLen), 0
		for range n {
			if i == len(text) {
				break
			}
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
		toks = append(toks, text[:i])
		text = text[i:]
	}
	return toks
}

// TestTokenIndependence pushes the same text as one token, as one code point
// per token, and as random LLM-like tokens, and expects the same segments.
// This holds by design, first segment included: Push applies the rules after
// every code point, so how text is split into tokens cannot matter.
func TestTokenIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{}
	for _, c := range loadGolden(t) {
		texts = append(texts, c.text())
	}
	for range 150 {
		texts = append(texts, randomText(rng, 20+rng.IntN(120)))
	}
	for i, text := range texts {
		for sel := range 4 {
			cfg := fuzzConfig(uint8(i*4 + sel))
			run := func(toks []string) []string {
				s, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, tok := range toks {
					out = append(out, s.Push(tok)...)
				}
				return append(out, s.Flush()...)
			}
			whole := run([]string{text})
			perRune := run(randomTokens(rng, text, 1))
			llm := run(randomTokens(rng, text, 6))
			if !slices.Equal(whole, perRune) || !slices.Equal(whole, llm) {
				t.Fatalf("config %+v, text %q:\none token:  %q\nper rune:   %q\nLLM tokens: %q", cfg, text, whole, perRune, llm)
			}
		}
	}
}

// TestRandomSessions runs the invariant checks of checkSession on random
// texts, tokens, flushes and resets, with every language and threshold set.
func TestRandomSessions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		var ops []op
		for range 1 + rng.IntN(4) {
			for _, tok := range randomTokens(rng, randomText(rng, 10+rng.IntN(80)), 6) {
				ops = append(ops, op{kind: opPush, text: tok})
			}
			ops = append(ops, op{kind: []opKind{opFlush, opFlush, opReset}[rng.IntN(3)]})
		}
		checkSession(t, fuzzConfig(uint8(i)), ops)
	}
}
