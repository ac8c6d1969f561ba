package stt

import (
	"strings"
	"unicode"
)

// WER is the word error rate of hypothesis against reference: the fewest
// word substitutions, deletions and insertions that turn one into the
// other, divided by the number of reference words. Both are normalised
// first (see Words). An empty reference counts as one word, so that an
// empty hypothesis scores 0 and every inserted word 1.
func WER(reference, hypothesis string) float64 {
	errs, n := WordErrors(reference, hypothesis)
	return float64(errs) / float64(max(n, 1))
}

// WordErrors returns the word edit distance between reference and
// hypothesis and the number of reference words, for a WER over many
// utterances: the sum of the errors over the sum of the words.
func WordErrors(reference, hypothesis string) (errs, words int) {
	ref, hyp := Words(reference), Words(hypothesis)
	return distance(ref, hyp), len(ref)
}

// Words normalises s for scoring and splits it into words: letters are
// lower-cased, apostrophes dropped ("don't" and "dont" match), and every
// other character that is neither a letter nor a digit separates words.
// Numbers are not spelled out, so references should avoid digits.
func Words(s string) []string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’':
			return -1
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			return unicode.ToLower(r)
		}
		return ' '
	}, s)
	return strings.Fields(s)
}

// distance is the Levenshtein distance between two word sequences, with
// unit costs, in O(len(b)) memory.
func distance(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range a {
		cur[0] = i + 1
		for j := range b {
			sub := prev[j]
			if a[i] != b[j] {
				sub++
			}
			cur[j+1] = min(sub, prev[j+1]+1, cur[j]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
