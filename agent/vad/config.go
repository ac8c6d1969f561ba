package vad

import (
	"fmt"
	"time"
)

// Config tunes a Detector. The zero value of every field means its default,
// so Config{} is the documented behaviour at 16 kHz.
type Config struct {
	// SampleRate of the PCM given to Write: 16000 (the default) or 8000,
	// the two rates Silero v5 was trained on. The agent resamples its input
	// to this rate.
	SampleRate int
	// Threshold is the speech probability at or above which a frame starts
	// speech (default 0.5).
	Threshold float64
	// NegThreshold is the probability below which a frame counts as
	// silence (default Threshold-0.15, at least 0.01). Frames between the
	// two keep speech going but never start it, so a probability that
	// hovers near Threshold does not chatter.
	NegThreshold float64
	// MinSpeech is the shortest speech that counts: a burst shorter than
	// this (a cough, a click, a door) is dropped (default 150 ms). It is
	// also the latency of SpeechStart after the speech's onset.
	MinSpeech time.Duration
	// Hangover is the silence that ends speech (default 400 ms). It is the
	// floor of the agent's turn-end latency: SpeechEnd is reported
	// Hangover after the last speech frame.
	Hangover time.Duration
	// PreRoll is the audio before speech onset that SpeechStart carries in
	// Event.Audio, so that speech recognition hears the first syllable
	// (default 200 ms).
	PreRoll time.Duration
	// ModelPath and ORTLibPath locate the Silero v5 model and the
	// onnxruntime shared library; empty means DefaultAssetPaths.
	ModelPath, ORTLibPath string
}

// Defaults.
const (
	DefaultSampleRate = 16000
	DefaultThreshold  = 0.5
	DefaultNegGap     = 0.15 // NegThreshold = Threshold - DefaultNegGap
	DefaultMinSpeech  = 150 * time.Millisecond
	DefaultHangover   = 400 * time.Millisecond
	DefaultPreRoll    = 200 * time.Millisecond

	minNegThreshold   = 0.01
	maxConfigDuration = time.Minute
)

// DefaultConfig returns the defaults. NegThreshold is left zero, so that it
// follows Threshold, and the asset paths empty, for DefaultAssetPaths.
func DefaultConfig() Config {
	return Config{
		SampleRate: DefaultSampleRate,
		Threshold:  DefaultThreshold,
		MinSpeech:  DefaultMinSpeech,
		Hangover:   DefaultHangover,
		PreRoll:    DefaultPreRoll,
	}
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.SampleRate == 0 {
		c.SampleRate = DefaultSampleRate
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.NegThreshold == 0 {
		c.NegThreshold = max(c.Threshold-DefaultNegGap, minNegThreshold)
	}
	if c.MinSpeech == 0 {
		c.MinSpeech = DefaultMinSpeech
	}
	if c.Hangover == 0 {
		c.Hangover = DefaultHangover
	}
	if c.PreRoll == 0 {
		c.PreRoll = DefaultPreRoll
	}
	return c
}

// Validate reports settings that cannot work, after defaults are applied.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.SampleRate != 16000 && c.SampleRate != 8000:
		return fmt.Errorf("%w: sample rate %d (want 16000 or 8000)", ErrConfig, c.SampleRate)
	case !(c.Threshold > 0 && c.Threshold <= 1):
		return fmt.Errorf("%w: threshold %v not in (0, 1]", ErrConfig, c.Threshold)
	case !(c.NegThreshold > 0 && c.NegThreshold <= c.Threshold):
		return fmt.Errorf("%w: negative threshold %v not in (0, threshold %v]", ErrConfig, c.NegThreshold, c.Threshold)
	case c.MinSpeech < 0 || c.MinSpeech > maxConfigDuration,
		c.Hangover < 0 || c.Hangover > maxConfigDuration,
		c.PreRoll < 0 || c.PreRoll > maxConfigDuration:
		return fmt.Errorf("%w: durations must be within 0..%v", ErrConfig, maxConfigDuration)
	}
	return nil
}
