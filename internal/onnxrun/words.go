package onnxrun

import (
	"strings"
	"unicode"
)

// Word timestamps for models that do not say how long each phoneme lasts
// (the standard Piper and Kokoro exports output audio alone) are an
// estimate: each phoneme of a run is given an equal share of the run's
// sound (from its first loud 10 ms frame to its last), a space half a
// share and punctuation, where the model pauses, two; a word lasts from
// its first phoneme's share to its last one's. Which text word a phoneme
// belongs to is read from the clause it comes from: espeak-ng writes a
// clause's words apart, so when the clause has as many phoneme words as
// text words they pair up in order, and otherwise each phoneme word goes
// to the text word at the same place in proportion.

// Span is a span of text, in bytes.
type Span struct{ Start, End int }

// PRune is a phoneme and the index of the text word it sounds (-1 for
// none: a space or punctuation).
type PRune struct {
	R rune
	W int32
}

// IsSpace reports whether p is a space, for PiecesOf.
func IsSpace(p PRune) bool { return p.R == ' ' }

// Word is a word of a model's audio: its start and end in samples at the
// model's rate from the first sample of the call, and its bytes in the
// text.
type Word struct {
	Start, End         int
	TextStart, TextEnd int
}

// Own gives each phoneme of sentences (clauses of phonemes, as the
// engines build them from espeak-ng's) its text word: clauses[s][c] is
// the span of text clause c of sentence s was read from. It returns the
// owned sentences and the spans of the text words they refer to.
func Own(text string, sentences [][][]rune, clauses [][]Span) ([][][]PRune, []Span) {
	words := textWords(text, Span{0, len(text)})
	next := 0 // the first word not given to a clause
	out := make([][][]PRune, len(sentences))
	for s, sent := range sentences {
		out[s] = make([][]PRune, len(sent))
		for c, cl := range sent {
			end := 0
			if s < len(clauses) && c < len(clauses[s]) {
				end = clauses[s][c].End
			}
			first := next
			for next < len(words) && (words[next].Start+words[next].End)/2 < end {
				next++
			}
			out[s][c] = ownClause(cl, text, words[first:next], first)
		}
	}
	return out, words
}

// textWords is the words of text[span]: runs of non-space holding a
// letter or digit.
func textWords(text string, span Span) []Span {
	var out []Span
	span.End = min(max(span.End, 0), len(text))
	span.Start = min(max(span.Start, 0), span.End)
	start := -1
	flush := func(end int) {
		if start >= 0 && strings.IndexFunc(text[start:end], func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			out = append(out, Span{start, end})
		}
		start = -1
	}
	for i, r := range text[span.Start:span.End] {
		if unicode.IsSpace(r) {
			flush(span.Start + i)
		} else if start < 0 {
			start = span.Start + i
		}
	}
	flush(span.End)
	return out
}

// ownClause gives a clause's phonemes its text words, numbered from
// first.
func ownClause(ph []rune, text string, words []Span, first int) []PRune {
	out := make([]PRune, len(ph))
	n := len(words)
	nph, nsound := 0, 0
	inWord := false
	for _, r := range ph {
		if sounds(r) {
			nsound++
			if !inWord {
				nph++
			}
			inWord = true
		} else if r == ' ' {
			inWord = false
		}
	}
	// Where each word ends, in letters, for the proportional case.
	ends := make([]int, n)
	letters := 0
	for i, w := range words {
		letters += len([]rune(text[w.Start:w.End]))
		ends[i] = letters
	}
	k, j, w := -1, 0, 0
	inWord = false
	for i, r := range ph {
		out[i] = PRune{R: r, W: -1}
		switch {
		case sounds(r):
			if !inWord {
				k++
			}
			inWord = true
			if n == 0 {
				break
			}
			if nph == n {
				w = k
			} else {
				// This phoneme's middle, in letters of the clause.
				at := (2*j + 1) * letters / (2 * nsound)
				for w < n-1 && at >= ends[w] {
					w++
				}
			}
			out[i].W = int32(first + w)
			j++
		case r == ' ':
			inWord = false
		}
	}
	return out
}

// sounds reports whether a phoneme symbol is part of a word: not a space
// or punctuation.
func sounds(r rune) bool { return r != ' ' && !strings.ContainsRune(".,?!:;", r) }

// weight is a symbol's share of a run's sound.
func weight(r rune) float64 {
	switch {
	case r == ' ':
		return 0.5
	case !sounds(r):
		return 2
	}
	return 1
}

// estimateFrame is the frame, in seconds, in which Estimate finds where a
// run's sound starts and ends, and estimateLevel its mean square at -40
// dBFS.
const (
	estimateFrame = 0.01
	estimateLevel = 327.68 * 327.68
)

// Estimate places the words of one model run: run is its phonemes, pcm
// its audio at rate, words the text words the phonemes refer to, and
// offset the samples of the call before the run.
func Estimate(pcm []int16, rate int, run []PRune, words []Span, offset int) []Word {
	frame := max(int(estimateFrame*float64(rate)), 1)
	first, last := -1, -1
	for f := 0; f*frame < len(pcm); f++ {
		seg := pcm[f*frame : min((f+1)*frame, len(pcm))]
		var sum float64
		for _, v := range seg {
			sum += float64(v) * float64(v)
		}
		if sum/float64(len(seg)) > estimateLevel {
			if first < 0 {
				first = f * frame
			}
			last = min((f+1)*frame, len(pcm))
		}
	}
	if first < 0 {
		first, last = 0, len(pcm)
	}
	total := 0.0
	for _, p := range run {
		total += weight(p.R)
	}
	if total == 0 {
		return nil
	}
	at := func(w float64) int { return offset + first + int(w/total*float64(last-first)) }
	var out []Word
	acc := 0.0
	for _, p := range run {
		w := weight(p.R)
		if p.W >= 0 && int(p.W) < len(words) {
			if n := len(out); n > 0 && out[n-1].TextStart == words[p.W].Start {
				out[n-1].End = at(acc + w)
			} else {
				out = append(out, Word{Start: at(acc), End: at(acc + w), TextStart: words[p.W].Start, TextEnd: words[p.W].End})
			}
		}
		acc += w
	}
	return out
}
