//go:build cgo

package espeak

import (
	"context"
	"errors"
	"testing"
	"time"
)

// BenchmarkFirstChunk measures the time from calling Synthesize to the
// first emit, for one English sentence, through the queue and the worker.
func BenchmarkFirstChunk(b *testing.B) {
	e := open(b)
	errFirst := errors.New("first chunk")
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		err := e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error {
			total += time.Since(start)
			return errFirst
		})
		if !errors.Is(err, errFirst) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-chunk")
}

// BenchmarkSentence measures a whole sentence and reports the real-time
// factor: seconds of audio made per second of wall time.
func BenchmarkSentence(b *testing.B) {
	e := open(b)
	samples := 0
	start := time.Now()
	for b.Loop() {
		err := e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func(pcm []int16) error {
			samples += len(pcm)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	audio := float64(samples) / float64(e.SampleRate())
	b.ReportMetric(audio/time.Since(start).Seconds(), "x-realtime")
	b.ReportMetric(audio/float64(b.N), "audio-s/op")
}
