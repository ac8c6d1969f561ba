package aac

import (
	"fmt"
	"slices"
)

// adtsRates are the sampling rates ADTS can name, in the order of its
// 4-bit sampling frequency index.
var adtsRates = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// Config sets up an Encoder.
type Config struct {
	// SampleRate of the input in Hz, one of the rates ADTS can name
	// (7,350 to 96,000).
	SampleRate int
	// Bitrate in bit/s, 8,000 up to 6 bits a sample, the most an AAC-LC
	// frame can hold (144,000 at 24 kHz).
	Bitrate int
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if !slices.Contains(adtsRates, c.SampleRate) {
		return fmt.Errorf("%w: sample rate %d Hz is not an ADTS rate (want one of %v)", ErrInvalidConfig, c.SampleRate, adtsRates)
	}
	if c.Bitrate < 8000 || c.Bitrate > 6*c.SampleRate {
		return fmt.Errorf("%w: bitrate %d bit/s outside [8000, %d] at %d Hz", ErrInvalidConfig, c.Bitrate, 6*c.SampleRate, c.SampleRate)
	}
	return nil
}
