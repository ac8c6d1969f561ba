package lame

import (
	"fmt"
	"slices"
)

// Config sets up an Encoder.
type Config struct {
	// SampleRate of the input in Hz, one of the MP3 rates: 8, 11.025, 12,
	// 16, 22.05, 24, 32, 44.1 or 48 kHz. The output has the same rate.
	SampleRate int
	// Bitrate in kbit/s, constant. It must be one the MPEG version of the
	// sample rate allows: 8–160 below 32 kHz, 32–320 from 32 kHz up.
	Bitrate int
	// Quality is LAME's algorithm quality, 0 (best, slowest) to 9
	// (fastest); it does not change the bitrate.
	Quality int
	// InfoTag reserves the first frame for the LAME Info tag, to be
	// replaced by InfoTag() once the stream is complete.
	InfoTag bool
}

var (
	sampleRates = []int{8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}
	// Layer III bitrates of MPEG-2 and 2.5 (below 32 kHz) and of MPEG-1.
	lowBitrates  = []int{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	highBitrates = []int{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
)

// Validate reports whether MP3 can carry the configuration.
func (c Config) Validate() error {
	if !slices.Contains(sampleRates, c.SampleRate) {
		return fmt.Errorf("%w: sample rate %d Hz is not an MP3 rate", ErrInvalidConfig, c.SampleRate)
	}
	rates := lowBitrates
	if c.SampleRate >= 32000 {
		rates = highBitrates
	}
	if !slices.Contains(rates, c.Bitrate) {
		return fmt.Errorf("%w: %d kbit/s is not a Layer III bitrate at %d Hz (want one of %v)", ErrInvalidConfig, c.Bitrate, c.SampleRate, rates)
	}
	if c.Quality < 0 || c.Quality > 9 {
		return fmt.Errorf("%w: quality %d outside [0, 9]", ErrInvalidConfig, c.Quality)
	}
	return nil
}
