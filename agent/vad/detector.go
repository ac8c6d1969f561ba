package vad

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/audio"
)

// scorer gives each fixed-length frame of a stream a speech probability.
// It may keep state across frames (Silero's recurrent state, the energy
// detector's noise floor).
type scorer interface {
	score(frame []int16) (float64, error)
	reset()
	close() error
}

// detector is the Detector shared by both models: it cuts the stream into
// frames, runs the scorer and the machine, and keeps enough recent audio to
// hand SpeechStart its pre-roll.
type detector struct {
	s     scorer
	m     machine
	rate  int
	frame int64 // samples per frame

	// hist holds the stream from sample histStart to everything written;
	// pos is the start of the next frame to score.
	hist      []int16
	histStart int64
	pos       int64
	preRoll   int64
	keep      int64 // history kept behind pos; see trim

	prob   atomic.Uint64 // math.Float64bits of the last probability
	closed bool
}

func newDetector(cfg Config, s scorer, frame int) *detector {
	d := &detector{
		s:       s,
		m:       newMachine(cfg),
		rate:    cfg.SampleRate,
		frame:   int64(frame),
		preRoll: samplesIn(cfg.PreRoll, cfg.SampleRate),
	}
	// A candidate onset not yet confirmed lies less than minSpeech behind
	// pos (else it would have been confirmed), and SpeechStart needs
	// preRoll before that; one frame is slack.
	d.keep = d.preRoll + d.m.minSpeech + d.frame
	return d
}

func (d *detector) Write(pcm []int16) ([]Event, error) {
	if d.closed {
		return nil, ErrClosed
	}
	d.hist = append(d.hist, pcm...)
	end := d.histStart + int64(len(d.hist))
	var evs []Event
	for end-d.pos >= d.frame {
		off := d.pos - d.histStart
		p, err := d.s.score(d.hist[off : off+d.frame])
		if err != nil {
			return evs, frameErr(err, d.pos, d.rate)
		}
		d.prob.Store(math.Float64bits(p))
		typ, at, ok := d.m.step(p, d.pos, d.pos+d.frame)
		d.pos += d.frame
		if !ok {
			continue
		}
		ev := Event{Type: typ, At: audio.Duration(int(at), d.rate)}
		if typ == SpeechStart {
			from := max(at-d.preRoll, d.histStart) - d.histStart
			ev.Audio = append([]int16(nil), d.hist[from:]...)
		}
		evs = append(evs, ev)
	}
	d.trim()
	return evs, nil
}

// trim drops history older than keep behind pos, copying down only when
// that frees at least half the buffer, so each sample is moved O(1) times.
func (d *detector) trim() {
	drop := d.pos - d.keep - d.histStart
	if drop <= 0 || drop < int64(len(d.hist))/2 {
		return
	}
	n := copy(d.hist, d.hist[drop:])
	d.hist = d.hist[:n]
	d.histStart += drop
}

func (d *detector) Probability() float64 {
	return math.Float64frombits(d.prob.Load())
}

func (d *detector) Reset() {
	d.s.reset()
	d.m.reset()
	d.hist = d.hist[:0]
	d.histStart, d.pos = 0, 0
	d.prob.Store(0)
}

func (d *detector) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.hist = nil
	return d.s.close()
}

// samplesIn is the number of samples in d at rate, rounded to the nearest.
func samplesIn(d time.Duration, rate int) int64 {
	return int64(math.Round(d.Seconds() * float64(rate)))
}

// frameErr wraps a scorer failure with the frame's position.
func frameErr(err error, pos int64, rate int) error {
	return fmt.Errorf("%w at %v: %w", ErrInference, audio.Duration(int(pos), rate), err)
}
