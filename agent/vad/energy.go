package vad

import (
	"math"
	"slices"

	"github.com/parley-voice/parley/audio"
)

// The energy detector's constants. Its frames are 20 ms; the noise floor is
// the 10th percentile of the frame levels of the last 3 s, so it follows a
// change of background within about 3 s, but speech, which has pauses and
// quiet consonants in any 3 s, does not lift it. Levels are measured in
// dB above that floor (and above an absolute floor, so that digital
// silence does not make the least dither look like speech), then mapped to
// a pseudo-probability by a logistic curve centred on energyMidSNR.
const (
	energyFrame        = 20   // ms
	energyWindow       = 3000 // ms of levels behind the floor
	energyPercentile   = 0.10
	energyAbsFloor     = -60.0 // dBFS
	energySilenceLevel = -100.0
	energyMidSNR       = 12.0 // dB above the floor where the probability is 0.5
	energySlope        = 3.0  // dB per e-fold of the odds
)

// NewEnergy returns the energy detector: no model, any platform, a few
// microseconds per frame. It tells speech from steady background noise by
// level alone, so a radio or a second voice is speech to it.
func NewEnergy(cfg Config) (Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	n := energyWindow / energyFrame
	e := &energy{ring: make([]float64, 0, n), sorted: make([]float64, 0, n)}
	return newDetector(cfg, e, cfg.SampleRate*energyFrame/1000), nil
}

type energy struct {
	ring   []float64 // frame levels, oldest at next once full
	next   int
	sorted []float64 // the same levels, ascending
}

func (e *energy) score(frame []int16) (float64, error) {
	level := max(audio.RMSdBFS(frame), energySilenceLevel)
	e.push(level)
	floor := e.sorted[int(energyPercentile*float64(len(e.sorted)-1))]
	snr := level - max(floor, energyAbsFloor)
	return 1 / (1 + math.Exp(-(snr-energyMidSNR)/energySlope)), nil
}

// push adds a level to the window, evicting the oldest once it is full.
func (e *energy) push(level float64) {
	if len(e.ring) < cap(e.ring) {
		e.ring = append(e.ring, level)
	} else {
		old := e.ring[e.next]
		e.ring[e.next] = level
		e.next = (e.next + 1) % len(e.ring)
		i, _ := slices.BinarySearch(e.sorted, old)
		e.sorted = slices.Delete(e.sorted, i, i+1)
	}
	i, _ := slices.BinarySearch(e.sorted, level)
	e.sorted = slices.Insert(e.sorted, i, level)
}

func (e *energy) reset() {
	e.ring, e.sorted, e.next = e.ring[:0], e.sorted[:0], 0
}

func (e *energy) close() error { return nil }
