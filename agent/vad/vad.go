package vad

import (
	"fmt"
	"time"
)

// EventType says what an Event marks.
type EventType uint8

// Event types.
const (
	SpeechStart EventType = iota + 1
	SpeechEnd
)

func (t EventType) String() string {
	switch t {
	case SpeechStart:
		return "speech_start"
	case SpeechEnd:
		return "speech_end"
	}
	return fmt.Sprintf("EventType(%d)", uint8(t))
}

// Event is an utterance boundary.
type Event struct {
	Type EventType
	// At is the stream time of the boundary, counted in samples written
	// since New or Reset: for SpeechStart the start of the first speech
	// frame, for SpeechEnd the end of the last one — not the moment the
	// event was decided, which is MinSpeech or Hangover later.
	At time.Duration
	// Audio, for SpeechStart only, is the stream from PreRoll before At to
	// the end of the PCM passed to the Write that returned the event: the
	// caller hands it to speech recognition, then every later Write's PCM
	// until SpeechEnd. It is the caller's to keep.
	Audio []int16
}

// Detector finds speech in a PCM stream. A Detector serves one stream and
// is not safe for concurrent use, except Probability, which any goroutine
// may call at any time (for a level meter).
type Detector interface {
	// Write feeds PCM at Config.SampleRate, in chunks of any size, and
	// returns the events it caused in stream order (usually none).
	Write(pcm []int16) ([]Event, error)
	// Probability is the last frame's speech probability in [0, 1].
	Probability() float64
	// Reset starts a new stream: stream time restarts at zero and any
	// utterance in progress is dropped without a SpeechEnd.
	Reset()
	// Close releases the detector's resources. It is idempotent.
	Close() error
}

// New returns a Silero detector when the model and the onnxruntime library
// load. Otherwise it returns an energy detector and, as fallback, the
// reason Silero is not in use, for the caller to log; fallback is nil when
// Silero was chosen. err is non-nil, and d nil, only for an invalid cfg.
func New(cfg Config) (d Detector, fallback error, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	d, fallback = NewSilero(cfg)
	if fallback == nil {
		return d, nil, nil
	}
	d, err = NewEnergy(cfg)
	if err != nil {
		return nil, nil, err
	}
	return d, fallback, nil
}
