//go:build cgo

package vad

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

const rate = 16000

var speechCache struct {
	sync.Mutex
	pcm map[string][]int16
}

// speech is text spoken by flite's slt voice through Parley's own engine,
// resampled from 24 to 16 kHz. flite is deterministic, so every run
// measures the same signal.
func speech(tb testing.TB, text string) []int16 {
	tb.Helper()
	speechCache.Lock()
	defer speechCache.Unlock()
	if pcm, ok := speechCache.pcm[text]; ok {
		return pcm
	}
	eng, err := engine.Open(engine.Config{DisableEspeak: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer eng.Close()
	var pcm []int16
	err = eng.Synthesize(context.Background(), engine.Segment{Text: text, Language: protocol.English},
		engine.Voice{Engine: engine.Flite, Name: "slt"},
		func(p []int16) error { pcm = append(pcm, p...); return nil })
	if err != nil {
		tb.Fatal(err)
	}
	pcm = audio.Resample(pcm, 24000, rate)
	if speechCache.pcm == nil {
		speechCache.pcm = make(map[string][]int16)
	}
	speechCache.pcm[text] = pcm
	return pcm
}

func silence(d time.Duration) []int16 { return make([]int16, samplesIn(d, rate)) }

// addNoise adds white Gaussian noise at levelDB dBFS (RMS) to pcm, seeded
// so that runs repeat.
func addNoise(pcm []int16, levelDB float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	sigma := 32768 * math.Pow(10, levelDB/20)
	out := make([]int16, len(pcm))
	for i, v := range pcm {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(v)+sigma*r.NormFloat64()))))
	}
	return out
}

// feed writes pcm to d in chunks of chunk samples and collects the events.
func feed(tb testing.TB, d Detector, pcm []int16, chunk int) []Event {
	tb.Helper()
	var evs []Event
	for len(pcm) > 0 {
		n := min(chunk, len(pcm))
		e, err := d.Write(pcm[:n])
		if err != nil {
			tb.Fatal(err)
		}
		evs = append(evs, e...)
		pcm = pcm[n:]
	}
	return evs
}
