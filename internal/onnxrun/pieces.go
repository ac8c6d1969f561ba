package onnxrun

import (
	"context"
	"time"

	"github.com/parley-voice/parley/engine/sched"
)

// Pieces cuts sentences, each a list of clauses of symbols (phonemes),
// into the symbol sequences of one model run each: a sentence per run,
// except that a sentence longer than max symbols is cut at clause
// boundaries, and a clause longer than max at spaces (or anywhere, for a
// word longer than max). The first piece is cut at a clause boundary once
// it would exceed first symbols (0: max), so that the first audio comes
// after a short run. Pieces of nothing but spaces are dropped. A run's
// length bounds both its memory and how long a cancel can wait for it.
func Pieces(sentences [][][]rune, first, max int) [][]rune {
	return PiecesOf(sentences, first, max, func(r rune) bool { return r == ' ' })
}

// PiecesOf is Pieces for symbols of any kind; space tells a space.
func PiecesOf[T any](sentences [][][]T, first, max int, space func(T) bool) [][]T {
	var out [][]T
	limit := max
	if first > 0 {
		limit = min(first, max)
	}
	emit := func(p []T) {
		if hasSpeech(p, space) {
			out = append(out, p)
			limit = max
		}
	}
	for _, s := range sentences {
		var cur []T
		for _, cl := range s {
			if len(cur) > 0 && len(cur)+len(cl) > limit {
				emit(cur)
				cur = nil
			}
			// A clause this long has made cur go out above.
			for len(cl) > max {
				cut := max
				if i := lastIndex(cl[:max], space); i > 0 {
					cut = i + 1
				}
				emit(cl[:cut])
				cl = cl[cut:]
			}
			cur = append(cur, cl...)
		}
		emit(cur)
	}
	return out
}

// hasSpeech reports whether p has anything but spaces.
func hasSpeech[T any](p []T, space func(T) bool) bool {
	for _, r := range p {
		if !space(r) {
			return true
		}
	}
	return false
}

func lastIndex[T any](p []T, space func(T) bool) int {
	for i := len(p) - 1; i >= 0; i-- {
		if space(p[i]) {
			return i
		}
	}
	return -1
}

// Urgent reports whether ctx's syntheses are needed now (sched.Due is not
// later than now), when the first run should be short.
func Urgent(ctx context.Context) bool {
	return !sched.Due(ctx).After(time.Now())
}
