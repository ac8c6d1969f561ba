//go:build !cgo

package flite

import "context"

// SampleRate reports ErrUnavailable: flite needs cgo.
func SampleRate(voice string) (int, error) {
	return 0, ErrUnavailable
}

// DefaultPitch reports ErrUnavailable: flite needs cgo.
func DefaultPitch(voice string) (mean, stddev float64, err error) {
	return 0, 0, ErrUnavailable
}

// Synthesize reports ErrUnavailable without calling emit: flite needs cgo.
func Synthesize(ctx context.Context, text string, p Params, emit func(pcm []int16) error) error {
	return ErrUnavailable
}

// Word is a word flite speaks; see the cgo build.
type Word struct {
	Start, End         int
	TextStart, TextEnd int
}

// SynthesizeWords reports ErrUnavailable: flite needs cgo.
func SynthesizeWords(ctx context.Context, text string, p Params, words func([]Word), emit func(pcm []int16) error) error {
	return ErrUnavailable
}
