package opusenc

import (
	"fmt"
	"time"
)

// Application is the Opus coding mode.
type Application int

const (
	// Audio codes the input as faithfully as the bitrate allows.
	Audio Application = iota
	// VoIP favours intelligibility: libopus high-passes the input and
	// emphasises formants and harmonics.
	VoIP
)

// Config sets up an Encoder.
type Config struct {
	// SampleRate of the input in Hz, 8,000 to 48,000.
	SampleRate int
	// Bitrate in bit/s, 6,000 to 510,000; the encoder uses constrained VBR
	// around it.
	Bitrate int
	// Application is the coding mode.
	Application Application
	// Speech tells the encoder the input is speech, which steers its mode
	// decisions towards the speech coder (SILK) at low bitrates.
	Speech bool
	// Complexity trades CPU for quality, 0 to 10.
	Complexity int
	// MaxPageDelay caps how much audio an Ogg page holds before it is
	// finished, 20 ms to 1 s. Shorter pages reach a listener sooner and
	// cost more overhead.
	MaxPageDelay time.Duration
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	switch {
	case c.SampleRate < 8000 || c.SampleRate > 48000:
		return fmt.Errorf("%w: sample rate %d Hz outside [8000, 48000]", ErrInvalidConfig, c.SampleRate)
	case c.Bitrate < 6000 || c.Bitrate > 510000:
		return fmt.Errorf("%w: bitrate %d bit/s outside [6000, 510000]", ErrInvalidConfig, c.Bitrate)
	case c.Application != Audio && c.Application != VoIP:
		return fmt.Errorf("%w: application %d", ErrInvalidConfig, c.Application)
	case c.Complexity < 0 || c.Complexity > 10:
		return fmt.Errorf("%w: complexity %d outside [0, 10]", ErrInvalidConfig, c.Complexity)
	case c.MaxPageDelay < 20*time.Millisecond || c.MaxPageDelay > time.Second:
		return fmt.Errorf("%w: page delay %v outside [20ms, 1s]", ErrInvalidConfig, c.MaxPageDelay)
	}
	return nil
}
