package flac

import "fmt"

// StreamInfoOffset is where the STREAMINFO block's 34 bytes start in every
// stream this package writes: after "fLaC" and the 4-byte block header.
const StreamInfoOffset = 8

// StreamInfoLen is the size of the STREAMINFO block's body.
const StreamInfoLen = 34

// Config sets up an Encoder.
type Config struct {
	// SampleRate of the input in Hz, 1 to 655,350.
	SampleRate int
	// Level is the compression level, 0 (fastest) to 8 (smallest). Every
	// level is lossless.
	Level int
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	switch {
	case c.SampleRate < 1 || c.SampleRate > 655350:
		return fmt.Errorf("%w: sample rate %d Hz outside [1, 655350]", ErrInvalidConfig, c.SampleRate)
	case c.Level < 0 || c.Level > 8:
		return fmt.Errorf("%w: compression level %d outside [0, 8]", ErrInvalidConfig, c.Level)
	}
	return nil
}
