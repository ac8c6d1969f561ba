package engine

import (
	"github.com/parley-voice/parley/protocol"
)

// Word is one word a Synthesize call speaks: when it is heard, in samples
// at 24 kHz from the first sample the call emits, and which bytes of
// Segment.Text it speaks. A word at the end of a clause ends where its
// sound does, not where the pause after it ends.
type Word struct {
	Start, End         int
	TextStart, TextEnd int
}

// nativeWord is a word as an engine reports it: its start and end in the
// engine's native samples from the start of the call, and its bytes in
// the text. An end of -1 is not known yet: it is the next word's start,
// or the end of the audio, less the quiet before either.
type nativeWord struct {
	start, end int
	textStart  int
	textEnd    int
}

// loudFrame is the frame, in samples at 24 kHz, in which a stream tracks
// where sound is, to end a word where its sound ends.
const loudFrame = protocol.SampleRate / 100

// loudLevel is the mean square of a frame at -40 dBFS, the level below
// which a frame is quiet (as package tts's Carry reads it).
const loudLevel = 327.68 * 327.68

// timing is a stream's bookkeeping of the words of one call: the words
// reported and not yet announced, the audio held back behind them, and
// where sound was.
type timing struct {
	sink    func([]Word)
	rate    int // native
	pending []nativeWord
	// inferred marks, per pending word, an end that was not reported but
	// taken from the next word's start or the end of the audio.
	inferred []bool
	held     []int16 // joined output not yet passed on
	out      int     // samples passed on before held
	loud     []bool  // per loudFrame of the output: sound
	acc      float64 // sum of squares of the frame being filled
	accN     int
	native   int // native samples written
	ann      []Word
}

// toOut converts a native position to the joiner's output, given its lead
// (see audio.Joiner.Lead).
func (t *timing) toOut(native, kept, dropped int) int {
	p := int(int64(native) * protocol.SampleRate / int64(t.rate))
	switch {
	case p < kept:
		return p
	case p < kept+dropped:
		return kept
	}
	return p - dropped
}

// add reports a word. A word whose end is unknown (-1) takes, when the
// next word comes, that word's start.
func (t *timing) add(w nativeWord) {
	if n := len(t.pending); n > 0 && t.pending[n-1].end < 0 {
		t.pending[n-1].end = max(w.start, t.pending[n-1].start)
	}
	t.inferred = append(t.inferred, w.end < 0)
	t.pending = append(t.pending, w)
}

// track notes where there is sound in out, the joiner's next output.
func (t *timing) track(out []int16) {
	for _, v := range out {
		f := float64(v)
		t.acc += f * f
		t.accN++
		if t.accN == loudFrame {
			t.loud = append(t.loud, t.acc/loudFrame > loudLevel)
			t.acc, t.accN = 0, 0
		}
	}
}

// soundEnd is where the sound in [start, end) of the output ends: the end
// of its last loud frame, or end when it has none.
func (t *timing) soundEnd(start, end int) int {
	for f := min(end/loudFrame, len(t.loud)) - 1; f >= 0 && f*loudFrame >= start; f-- {
		if t.loud[f] {
			return min(end, (f+1)*loudFrame)
		}
	}
	return end
}

// announce passes on the words that can be placed: the lead is known
// (done) and so is the end, and for an end taken from what followed, the
// audio up to it has been seen. Then it releases the held audio before
// the first word still pending, which it returns. final places
// everything.
func (t *timing) announce(kept, dropped int, done, final bool) []int16 {
	total := t.out + len(t.held)
	t.ann = t.ann[:0]
	n := 0
	for ; n < len(t.pending); n++ {
		w := t.pending[n]
		if final && w.end < 0 {
			w.end = t.native
		}
		if !final && (!done || w.end < 0 || (t.inferred[n] && w.end > t.native)) {
			break
		}
		s, e := t.toOut(w.start, kept, dropped), t.toOut(w.end, kept, dropped)
		if final {
			s, e = min(s, total), min(e, total)
		}
		e = max(e, s)
		if t.inferred[n] {
			e = max(t.soundEnd(s, e), s)
		}
		t.ann = append(t.ann, Word{Start: s, End: e, TextStart: w.textStart, TextEnd: w.textEnd})
	}
	if n > 0 {
		t.sink(t.ann)
		t.pending = t.pending[:copy(t.pending, t.pending[n:])]
		t.inferred = t.inferred[:copy(t.inferred, t.inferred[n:])]
	}
	// Audio before the first word still pending may go; all of it once the
	// words are all placed, none while the lead may still move them.
	line := total
	if len(t.pending) > 0 {
		line = t.out
		if done {
			line = max(t.out, min(t.toOut(t.pending[0].start, kept, dropped), total))
		}
	}
	k := line - t.out
	release := t.held[:k]
	t.out += k
	t.held = t.held[k:]
	return release
}
