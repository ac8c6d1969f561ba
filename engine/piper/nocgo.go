//go:build !cgo

package piper

import "context"

// Voice is unavailable without cgo: Load always fails with ErrUnavailable.
type Voice struct{}

// Load reports ErrUnavailable: onnxruntime is reached through cgo.
func Load(modelPath string, opts Options) (*Voice, error) { return nil, ErrUnavailable }

// Name is "".
func (v *Voice) Name() string { return "" }

// Config is nil.
func (v *Voice) Config() *Config { return nil }

// SampleRate is 0.
func (v *Voice) SampleRate() int { return 0 }

// MemoryBytes is 0.
func (v *Voice) MemoryBytes() int64 { return 0 }

// Synthesize reports ErrUnavailable.
func (v *Voice) Synthesize(ctx context.Context, ph Phonemizer, text string, p Params, emit func(pcm []int16) error) error {
	return ErrUnavailable
}

// Close does nothing.
func (v *Voice) Close() error { return nil }
