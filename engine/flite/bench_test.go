//go:build cgo && linux

package flite

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The benchmarks report CPU time beside wall time: on a shared machine the
// wall figures move with everyone else's load, the CPU ones much less.

var errFirstChunk = errors.New("first chunk")

// rusageThread is Linux's RUSAGE_THREAD, which package syscall lacks.
const rusageThread = 1

func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadRunnable returns the time the calling thread has spent on a core
// or waiting in the run queue, from /proc/thread-self/schedstat.
func threadRunnable() time.Duration {
	data, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		panic(err)
	}
	var sum time.Duration
	for _, v := range strings.Fields(string(data))[:2] {
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			panic(err)
		}
		sum += time.Duration(ns)
	}
	return sum
}

// BenchmarkFirstChunk measures the wait from the call to the first emit:
// flite's text analysis and, for clustergen voices, parameter generation
// for the whole first utterance. The 10 KB texts show that the wait is
// bounded by the first utterance even without punctuation, or with a
// single 10 KB word that flite spells out.
func BenchmarkFirstChunk(b *testing.B) {
	texts := []struct{ name, text string }{
		{"sentence", sentence},
		{"200-chars", long},
		{"10KB-unpunctuated", strings.ReplaceAll(tenKB(), ".", "")},
		{"10KB-word", strings.Repeat("abcdefghij", 1024)},
	}
	for _, text := range texts {
		for _, v := range Voices() {
			b.Run(v+"/"+text.name, func(b *testing.B) {
				if err := load(); err != nil {
					b.Fatal(err)
				}
				// flite runs on this goroutine's thread, emit included, so
				// the thread's CPU clock times the synthesis alone.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var wait, cpu time.Duration
				n := 0
				for b.Loop() {
					start, startCPU := time.Now(), cpuTime(rusageThread)
					err := Synthesize(context.Background(), text.text, Params{Voice: v}, func([]int16) error {
						wait += time.Since(start)
						cpu += cpuTime(rusageThread) - startCPU
						return errFirstChunk
					})
					if !errors.Is(err, errFirstChunk) {
						b.Fatal(err)
					}
					n++
				}
				b.ReportMetric(float64(wait.Microseconds())/1e3/float64(n), "ms/first-chunk")
				b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(n), "cpu-ms/first-chunk")
			})
		}
	}
}

// BenchmarkSentence measures a whole sentence. RTF is time spent over
// audio produced; below 1 is faster than real time.
func BenchmarkSentence(b *testing.B) {
	for _, v := range Voices() {
		b.Run(v, func(b *testing.B) {
			rate, err := SampleRate(v)
			if err != nil {
				b.Fatal(err)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			samples := 0
			start, startCPU := time.Now(), cpuTime(rusageThread)
			for b.Loop() {
				if err := Synthesize(context.Background(), sentence, Params{Voice: v}, func(c []int16) error {
					samples += len(c)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			audio := float64(samples) / float64(rate)
			b.ReportMetric(time.Since(start).Seconds()/audio, "RTF")
			b.ReportMetric((cpuTime(rusageThread)-startCPU).Seconds()/audio, "cpu-RTF")
		})
	}
}

// BenchmarkParallel measures throughput with as many concurrent syntheses
// as GOMAXPROCS. Run with -cpu 1,2: audio-s/s should double with two idle
// cores. On a busy machine it cannot, so blocked-% shows whether the
// syntheses held each other up: the share of their wall time that their
// threads were neither running nor waiting for a core. It stays near 0
// unless something serialises them.
func BenchmarkParallel(b *testing.B) {
	for _, v := range Voices() {
		b.Run(v, func(b *testing.B) {
			rate, err := SampleRate(v)
			if err != nil {
				b.Fatal(err)
			}
			var samples, wall, runnable atomic.Int64
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				for pb.Next() {
					t0, r0 := time.Now(), threadRunnable()
					if err := Synthesize(context.Background(), sentence, Params{Voice: v}, func(c []int16) error {
						samples.Add(int64(len(c)))
						return nil
					}); err != nil {
						b.Error(err)
						return
					}
					runnable.Add(int64(threadRunnable() - r0))
					wall.Add(int64(time.Since(t0)))
				}
			})
			b.ReportMetric(float64(samples.Load())/float64(rate)/time.Since(start).Seconds(), "audio-s/s")
			b.ReportMetric(100*(1-float64(runnable.Load())/float64(wall.Load())), "blocked-%")
		})
	}
}
