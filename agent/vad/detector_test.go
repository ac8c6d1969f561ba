package vad

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// scripted is a scorer that plays back a probability for each frame,
// repeating the script, and checks what the detector gives it.
type scripted struct {
	t       *testing.T
	script  []float64
	n       int // frames scored
	next    int16
	resets  int
	closes  int
	failAt  int // frame that fails, or -1
	errFail error
}

// score checks that frames arrive whole and in stream order: the test
// streams carry their own sample index (mod 2^15).
func (s *scripted) score(frame []int16) (float64, error) {
	if s.n == s.failAt {
		return 0, s.errFail
	}
	if len(frame) != frameLen {
		s.t.Fatalf("frame of %d samples", len(frame))
	}
	for _, v := range frame {
		if v != s.next {
			s.t.Fatalf("frame %d: sample %d, want %d", s.n, v, s.next)
		}
		s.next = (s.next + 1) & 0x7fff
	}
	p := s.script[s.n%len(s.script)]
	s.n++
	return p, nil
}

func (s *scripted) reset() { s.resets++; s.n, s.next = 0, 0 }

func (s *scripted) close() error { s.closes++; return nil }

// counting is n samples whose values are their index mod 2^15.
func counting(from, n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16((from + i) & 0x7fff)
	}
	return pcm
}

func newScripted(t *testing.T, script []float64) (*detector, *scripted) {
	s := &scripted{t: t, script: script, failAt: -1}
	return newDetector(Config{}.WithDefaults(), s, frameLen), s
}

// TestPreRollLongStream: over a long stream, every SpeechStart's Audio is
// exactly the stream from PreRoll before At to the end of the chunk, while
// the history the detector keeps stays bounded.
func TestPreRollLongStream(t *testing.T) {
	// 60 frames of speech, then 40 of silence, 100 times: an utterance
	// every 3.2 s for 320 s.
	const cycles = 100
	d, _ := newScripted(t, probs(run{0.9, 60}, run{0.1, 40}))
	const chunk = 333 // not a divisor of the frame
	written, starts, ends := 0, 0, 0
	maxHist := 0
	for written < cycles*100*frameLen {
		pcm := counting(written, chunk)
		evs, err := d.Write(pcm)
		if err != nil {
			t.Fatal(err)
		}
		written += chunk
		for _, ev := range evs {
			if ev.Type == SpeechEnd {
				ends++
				continue
			}
			starts++
			from := int(samplesIn(ev.At-DefaultPreRoll, DefaultSampleRate))
			if from < 0 {
				from = 0
			}
			if want := counting(from, written-from); !slices.Equal(ev.Audio, want) {
				t.Fatalf("start at %v: audio of %d samples is not the stream from %d to %d", ev.At, len(ev.Audio), from, written)
			}
		}
		maxHist = max(maxHist, len(d.hist))
	}
	if starts != cycles || ends != cycles {
		t.Errorf("%d starts and %d ends, want %d", starts, ends, cycles)
	}
	if limit := 2*int(d.keep) + 2*frameLen + chunk; maxHist > limit {
		t.Errorf("history grew to %d samples, want at most %d", maxHist, limit)
	}
}

func TestDetectorLifecycle(t *testing.T) {
	d, s := newScripted(t, probs(run{0.1, 5}, run{0.9, 10}, run{0.2, 1}))
	evs, err := d.Write(counting(0, 10*frameLen+100))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != SpeechStart || evs[0].At != 160*time.Millisecond {
		t.Fatalf("events %v, want a start at 160ms", evs)
	}
	if p := d.Probability(); p != 0.9 {
		t.Errorf("probability %v, want the last frame's 0.9", p)
	}

	// Reset drops the utterance, the partial frame and the stream time.
	d.Reset()
	if s.resets != 1 || d.Probability() != 0 {
		t.Errorf("after Reset: %d scorer resets, probability %v", s.resets, d.Probability())
	}
	evs, err = d.Write(counting(0, 10*frameLen))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].At != 160*time.Millisecond {
		t.Errorf("after Reset: events %v, want a start at 160ms again", evs)
	}

	for range 2 {
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if s.closes != 1 {
		t.Errorf("scorer closed %d times", s.closes)
	}
	if _, err := d.Write(counting(0, frameLen)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestScorerError(t *testing.T) {
	d, s := newScripted(t, []float64{0.1})
	boom := errors.New("boom")
	s.failAt, s.errFail = 3, boom
	_, err := d.Write(counting(0, 5*frameLen))
	if !errors.Is(err, ErrInference) || !errors.Is(err, boom) {
		t.Errorf("error %v, want ErrInference wrapping the scorer's", err)
	}
}

func TestConfig(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.SampleRate != 16000 || c.Threshold != 0.5 || c.NegThreshold != 0.35 ||
		c.MinSpeech != 150*time.Millisecond || c.Hangover != 400*time.Millisecond || c.PreRoll != 200*time.Millisecond {
		t.Errorf("defaults %+v", c)
	}
	if c := (Config{Threshold: 0.1}).WithDefaults(); c.NegThreshold != minNegThreshold {
		t.Errorf("NegThreshold for threshold 0.1 is %v, want %v", c.NegThreshold, minNegThreshold)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"8 kHz", Config{SampleRate: 8000}, true},
		{"44.1 kHz", Config{SampleRate: 44100}, false},
		{"threshold above 1", Config{Threshold: 1.2}, false},
		{"negative threshold", Config{Threshold: -0.5}, false},
		{"neg above threshold", Config{Threshold: 0.5, NegThreshold: 0.6}, false},
		{"neg equal to threshold", Config{Threshold: 0.5, NegThreshold: 0.5}, true},
		{"negative hangover", Config{Hangover: -time.Second}, false},
		{"hour-long pre-roll", Config{PreRoll: time.Hour}, false},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrConfig)) {
			t.Errorf("%s: Validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
