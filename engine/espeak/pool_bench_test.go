//go:build cgo

package espeak

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPoolParallel has one caller per CPU asking for speech, and
// reports the audio made per second of wall time with the in-process
// worker alone (slots=1) and with a worker process beside it (slots=2).
func BenchmarkPoolParallel(b *testing.B) {
	for _, slots := range []int{1, 2} {
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			p := newPool(b, poolConfig(slots-1, "serve"), true)
			samples := make(chan int, 1)
			samples <- 0
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				n := 0
				for pb.Next() {
					err := p.Synthesize(context.Background(), longText, Params{Voice: "en-us"}, func(pcm []int16) error {
						n += len(pcm)
						return nil
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
				samples <- <-samples + n
			})
			audio := float64(<-samples) / float64(p.SampleRate())
			b.ReportMetric(audio/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

// BenchmarkFirstChunkInProcess measures the time from Synthesize to the
// first chunk of audio on the in-process worker.
func BenchmarkFirstChunkInProcess(b *testing.B) {
	firstChunk(b, newPool(b, PoolConfig{}, true))
}

// BenchmarkFirstChunkWorker is BenchmarkFirstChunkInProcess through a
// worker process: the difference is the cost of the pipe hop.
func BenchmarkFirstChunkWorker(b *testing.B) {
	firstChunk(b, newPool(b, poolConfig(1, "serve"), false))
}

func firstChunk(b *testing.B, p *Pool) {
	errFirst := errors.New("first chunk")
	var total time.Duration
	for b.Loop() {
		// An aborted request holds its worker process until the worker
		// acknowledges; that is not part of the next one's latency.
		for p.Stats().Busy > 0 {
			time.Sleep(50 * time.Microsecond)
		}
		start := time.Now()
		err := p.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error {
			total += time.Since(start)
			return errFirst
		})
		if !errors.Is(err, errFirst) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-chunk")
}

// BenchmarkPhonemize phonemises a short sentence with the in-process
// worker and, as an isolated pool does, with a worker process: the
// difference is the cost of the hop.
func BenchmarkPhonemize(b *testing.B) {
	for _, isolated := range []bool{false, true} {
		name := "in-process"
		if isolated {
			name = "worker"
		}
		b.Run(name, func(b *testing.B) {
			cfg := PoolConfig{}
			if isolated {
				cfg = poolConfig(1, "serve")
				cfg.Isolated = true
			}
			p := newPool(b, cfg, !isolated)
			for b.Loop() {
				if _, err := p.Phonemize(context.Background(), sentence, "en-us"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "us/sentence")
		})
	}
}
