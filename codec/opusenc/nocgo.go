//go:build !cgo

package opusenc

// Encoder is unusable without cgo; NewEncoder never returns one.
type Encoder struct{}

// NewEncoder reports ErrUnavailable: libopusenc needs cgo.
func NewEncoder(cfg Config) (*Encoder, error) { return nil, ErrUnavailable }

// Encode reports ErrUnavailable.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) { return dst, ErrUnavailable }

// Finish reports ErrUnavailable.
func (e *Encoder) Finish(dst []byte) ([]byte, error) { return dst, ErrUnavailable }

// Close does nothing.
func (e *Encoder) Close() {}
