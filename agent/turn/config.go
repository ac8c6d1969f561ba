package turn

import (
	"fmt"
	"time"
)

// Config tunes a Machine. Zero or negative fields take their defaults, so
// Config{} is the documented behaviour.
type Config struct {
	// BargeInMinSpeech is the speech the user must sustain while the agent
	// speaks before the agent stops (default 250 ms). Shorter speech is
	// taken for echo of the agent's own voice or noise and ignored.
	BargeInMinSpeech time.Duration
	// ResumeWindow is the longest pause, from the end of the user's speech
	// to the start of the next, after which new speech still continues the
	// same user turn, provided the agent has not yet sent any audio of its
	// answer (default 1 s). Both ends are speech boundaries, so the pause
	// is never shorter than Hangover: the window catches pauses between
	// Hangover and ResumeWindow.
	ResumeWindow time.Duration
	// Hangover is the VAD's hangover (vad.Config.Hangover, default 400
	// ms): speech_end reaches the Machine this long after the speech
	// ended. Barge-in needs it, because only once BargeInMinSpeech+Hangover
	// has passed since the speech started without a speech_end is the
	// speech known to have lasted BargeInMinSpeech.
	Hangover time.Duration
	// PlaybackTolerance is how far short of the answer's end a playback
	// report may be and still count as the whole answer played (default
	// 50 ms), since the page reports at intervals and rounds.
	PlaybackTolerance time.Duration
	// PlaybackGrace is how long past the latest time its audio could have
	// finished playing an answer is assumed played when the page stops
	// reporting progress (default 2 s).
	PlaybackGrace time.Duration
	// SampleRate is the rate of the TTS audio counted by SegmentAudio
	// (default 24000).
	SampleRate int
	// HoldPlayback makes speech over the agent's voice hold the answer's
	// playback at once (HoldPlayback), while the Machine waits to know
	// whether it is a barge-in, and resume it when it proves to be echo
	// or noise (ResumePlayback). It suits a transport that can drop the
	// audio its far end has queued at once and start again from what was
	// heard, such as a phone call's media stream: the caller stops
	// hearing the agent within the VAD's onset latency instead of
	// BargeInMinSpeech+Hangover later.
	HoldPlayback bool
}

// Defaults.
const (
	DefaultBargeInMinSpeech  = 250 * time.Millisecond
	DefaultResumeWindow      = time.Second
	DefaultHangover          = 400 * time.Millisecond
	DefaultPlaybackTolerance = 50 * time.Millisecond
	DefaultPlaybackGrace     = 2 * time.Second
	DefaultSampleRate        = 24000

	maxConfigDuration = time.Minute
	maxSampleRate     = 384000
)

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		BargeInMinSpeech:  DefaultBargeInMinSpeech,
		ResumeWindow:      DefaultResumeWindow,
		Hangover:          DefaultHangover,
		PlaybackTolerance: DefaultPlaybackTolerance,
		PlaybackGrace:     DefaultPlaybackGrace,
		SampleRate:        DefaultSampleRate,
	}
}

// WithDefaults returns c with every zero or negative field set to its
// default.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.BargeInMinSpeech, DefaultBargeInMinSpeech)
	def(&c.ResumeWindow, DefaultResumeWindow)
	def(&c.Hangover, DefaultHangover)
	def(&c.PlaybackTolerance, DefaultPlaybackTolerance)
	def(&c.PlaybackGrace, DefaultPlaybackGrace)
	if c.SampleRate <= 0 {
		c.SampleRate = DefaultSampleRate
	}
	return c
}

// Validate reports settings too large to make sense, after defaults are
// applied.
func (c Config) Validate() error {
	c = c.WithDefaults()
	for _, d := range []time.Duration{c.BargeInMinSpeech, c.ResumeWindow, c.Hangover, c.PlaybackTolerance, c.PlaybackGrace} {
		if d > maxConfigDuration {
			return fmt.Errorf("%w: durations must be at most %v", ErrConfig, maxConfigDuration)
		}
	}
	if c.SampleRate > maxSampleRate {
		return fmt.Errorf("%w: sample rate %d above %d", ErrConfig, c.SampleRate, maxSampleRate)
	}
	return nil
}
