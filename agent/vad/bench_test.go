//go:build cgo

package vad

import (
	"testing"
	"time"
)

// benchSpeech is the first real case with -50 dBFS noise: speech and
// pauses, as a detector sees them.
func benchSpeech(b *testing.B) []int16 {
	sig, _ := realSignal(b, realCases[0], rate, -50)
	return sig
}

func benchFrames(b *testing.B, d Detector, frame int, frameDur time.Duration) {
	sig := benchSpeech(b)
	sig = sig[:len(sig)/frame*frame]
	defer d.Close()
	b.ReportAllocs()
	b.ResetTimer()
	pos := 0
	for b.Loop() {
		if _, err := d.Write(sig[pos : pos+frame]); err != nil {
			b.Fatal(err)
		}
		pos += frame
		if pos == len(sig) {
			pos = 0
		}
	}
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perFrame, "ns/frame")
	b.ReportMetric(float64(frameDur.Nanoseconds())/perFrame, "x-realtime")
}

// BenchmarkSileroFrame: one 32 ms frame through Silero v5 on one thread.
func BenchmarkSileroFrame(b *testing.B) {
	d, err := NewSilero(Config{})
	if err != nil {
		b.Fatal(err)
	}
	benchFrames(b, d, sileroFrame16k, 32*time.Millisecond)
}

// BenchmarkEnergyFrame: one 20 ms frame through the energy detector.
func BenchmarkEnergyFrame(b *testing.B) {
	d, err := NewEnergy(Config{})
	if err != nil {
		b.Fatal(err)
	}
	benchFrames(b, d, rate*energyFrame/1000, energyFrame*time.Millisecond)
}

// BenchmarkNewSilero: a detector when its model's session is open (every
// conversation but the first), and cold, when the library must be loaded
// and the session opened.
func BenchmarkNewSilero(b *testing.B) {
	open := func(b *testing.B) {
		d, err := NewSilero(Config{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
	b.Run("open", func(b *testing.B) {
		open(b)
		for b.Loop() {
			open(b)
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if err := Shutdown(); err != nil {
				b.Fatal(err)
			}
			open(b)
		}
	})
}
