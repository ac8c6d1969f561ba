//go:build !cgo

package pocketsphinx

// Decoder is a stand-in: without cgo no decoder can exist, and NewDecoder
// reports ErrUnavailable.
type Decoder struct{}

// NewDecoder reports ErrUnavailable: pocketsphinx needs cgo.
func NewDecoder(cfg Config) (*Decoder, error) {
	return nil, ErrUnavailable
}

// Start reports ErrUnavailable.
func (d *Decoder) Start() error { return ErrUnavailable }

// Write reports ErrUnavailable.
func (d *Decoder) Write(pcm []int16) error { return ErrUnavailable }

// Partial reports ErrUnavailable.
func (d *Decoder) Partial() (string, error) { return "", ErrUnavailable }

// End reports ErrUnavailable.
func (d *Decoder) End() (string, error) { return "", ErrUnavailable }

// WordTime is a word and its times; see the cgo build.
type WordTime struct {
	Word       string
	Start, End float64
}

// Words reports ErrUnavailable.
func (d *Decoder) Words() ([]WordTime, error) { return nil, ErrUnavailable }

// Reset reports ErrUnavailable.
func (d *Decoder) Reset() error { return ErrUnavailable }

// Close does nothing.
func (d *Decoder) Close() error { return nil }
