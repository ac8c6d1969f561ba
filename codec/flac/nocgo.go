//go:build !cgo

package flac

// Encoder is unusable without cgo; NewEncoder never returns one.
type Encoder struct{}

// NewEncoder reports ErrUnavailable: libFLAC needs cgo.
func NewEncoder(cfg Config) (*Encoder, error) { return nil, ErrUnavailable }

// Encode reports ErrUnavailable.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) { return dst, ErrUnavailable }

// Finish reports ErrUnavailable.
func (e *Encoder) Finish(dst []byte) ([]byte, error) { return dst, ErrUnavailable }

// StreamInfo is nil.
func (e *Encoder) StreamInfo() []byte { return nil }

// Close does nothing.
func (e *Encoder) Close() {}
