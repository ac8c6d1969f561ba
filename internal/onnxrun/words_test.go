package onnxrun

import (
	"strings"
	"testing"
)

// TestOwnAndEstimate: phonemes find their text words across espeak-ng's
// clause boundaries (which run a character into the next clause) and
// its joined words ("fɚðə" for "for the"); the estimate spreads a run's
// sound over its phonemes, a pause at punctuation counting double.
func TestOwnAndEstimate(t *testing.T) {
	text := "Paid for the book, and then home."
	sents := [][][]rune{{[]rune("pˈeɪd fɚðə bˈʊk, "), []rune("ænd ðˈɛn hˈoʊm.")}}
	clauses := [][]Span{{{0, 20}, {20, len(text)}}} // "…book, a" | "nd then home."
	owned, words := Own(text, sents, clauses)
	var got []string
	last := int32(-1)
	for _, cl := range owned[0] {
		for _, p := range cl {
			if p.W >= 0 && p.W != last {
				got = append(got, text[words[p.W].Start:words[p.W].End])
				last = p.W
			}
		}
	}
	if s := strings.Join(got, " "); s != "Paid for the book, and then home." {
		t.Fatalf("phonemes own %q", s)
	}
	// A run of 2 s whose sound is its middle second.
	pcm := make([]int16, 2000)
	for i := 500; i < 1500; i++ {
		pcm[i] = 10000
	}
	run := owned[0][1] // "ænd ðˈɛn hˈoʊm."
	ws := Estimate(pcm, 1000, run, words, 100)
	if len(ws) != 3 || ws[0].Start != 600 || ws[2].End > 1600 || ws[0].End > ws[1].Start || ws[1].End > ws[2].Start {
		t.Fatalf("estimate %+v", ws)
	}
	if s := text[ws[1].TextStart:ws[1].TextEnd]; s != "then" {
		t.Fatalf("second word %q", s)
	}
}
