package engine

import (
	"context"

	"github.com/parley-voice/parley/protocol"
)

// Segment is one unit of normalised text to speak.
type Segment struct {
	Text     string
	Language protocol.Language // never Auto: the caller has resolved it
	// Pieces, when not nil, spell out some words of Text in IPA (SSML's
	// <phoneme>, a pronunciation dictionary): Text is the concatenation
	// of the pieces' Text, and an engine that reads IPA speaks a piece's
	// IPA instead of its Text. See IPASupport for which do.
	Pieces []Piece
	// Words, when not nil, asks for the words spoken (word timestamps):
	// the engine calls it with words in order, each before any of the
	// audio in which that word starts goes to emit. Nil costs nothing.
	Words func([]Word)
}

// Piece is part of a Segment: text, or a word given in IPA (with its
// text, for engines that cannot read IPA).
type Piece struct {
	Text string
	IPA  string
}

// HasIPA reports whether any piece is in IPA.
func (s Segment) HasIPA() bool {
	for _, p := range s.Pieces {
		if p.IPA != "" {
			return true
		}
	}
	return false
}

// Voice selects an engine voice and its prosody. The prosody fields are
// engine-neutral; each engine maps them onto its own controls.
type Voice struct {
	Engine string // "espeak", "flite", "piper" or "kokoro"
	// Name is the engine's voice: for flite "slt", "rms", "awb", "kal16";
	// for espeak-ng a voice name such as "en-us", "en-gb-scotland", "es";
	// for Piper a voice ("en_US-amy-low") or a voice and speaker
	// ("en_GB-vctk-medium:p225"); for Kokoro a voice ("af_heart") or a
	// blend ("af_heart:0.7+bf_emma:0.3").
	Name string
	// Variant is an espeak-ng variant ("m3", "f2", ...); empty for the
	// voice's own.
	Variant string
	// Pitch shifts the voice's base pitch, in semitones (0 = the voice's
	// own). The neural engines ignore it, and Range: their voices are
	// chosen for pitch instead (see package voice).
	Pitch float64
	// Range scales pitch movement (1 = the voice's own; near 0 is
	// monotone). Zero, like for Rate and Volume, means 1, so that the zero
	// Voice is the engine voice as installed.
	Range float64
	// Rate scales speaking rate (1 = the voice's own, 2 = twice as fast).
	Rate float64
	// Volume scales loudness (1 = the voice's own).
	Volume float64
}

// Synthesizer speaks segments. Implementations must be safe for concurrent
// use; an engine that is not must serialise internally.
type Synthesizer interface {
	// Synthesize speaks one normalised segment, calling emit with 24 kHz
	// mono PCM as it is produced. It returns when done, on error (including
	// emit's), or promptly when ctx is cancelled.
	Synthesize(ctx context.Context, seg Segment, v Voice, emit func(pcm []int16) error) error
}
