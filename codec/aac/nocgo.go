//go:build !cgo

package aac

// Encoder is unusable without cgo; NewEncoder never returns one.
type Encoder struct{}

// NewEncoder reports ErrUnavailable: libavcodec needs cgo.
func NewEncoder(cfg Config) (*Encoder, error) { return nil, ErrUnavailable }

// Encode reports ErrUnavailable.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) { return dst, ErrUnavailable }

// Finish reports ErrUnavailable.
func (e *Encoder) Finish(dst []byte) ([]byte, error) { return dst, ErrUnavailable }

// Delay is 0.
func (e *Encoder) Delay() int { return 0 }

// Close does nothing.
func (e *Encoder) Close() {}
