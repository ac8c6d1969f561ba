//go:build !cgo

package espeak

import "context"

// Engine is unavailable without cgo: Open always fails with ErrUnavailable.
type Engine struct{}

// Open reports ErrUnavailable: this binary was built without cgo.
func Open() (*Engine, error) { return nil, ErrUnavailable }

// Close does nothing.
func (e *Engine) Close() error { return nil }

// SampleRate is 0: there is no engine.
func (e *Engine) SampleRate() int { return 0 }

// QueueLen is 0: there is no engine.
func (e *Engine) QueueLen() int { return 0 }

// Synthesize reports ErrUnavailable.
func (e *Engine) Synthesize(ctx context.Context, text string, p Params, emit func(pcm []int16) error) error {
	return ErrUnavailable
}

// SynthesizeWords reports ErrUnavailable.
func (e *Engine) SynthesizeWords(ctx context.Context, text string, p Params, words func([]Word), emit func(pcm []int16) error) error {
	return ErrUnavailable
}

func (e *Engine) validate(Params) error { return ErrUnavailable }

// Phonemize reports ErrUnavailable.
func (e *Engine) Phonemize(ctx context.Context, text, voice string) ([]Clause, error) {
	return nil, ErrUnavailable
}

// Voices reports ErrUnavailable.
func Voices() ([]VoiceInfo, error) { return nil, ErrUnavailable }

// Variants returns nil: there is no engine.
func Variants() []string { return nil }
