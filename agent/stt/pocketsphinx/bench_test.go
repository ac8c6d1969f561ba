//go:build cgo

package pocketsphinx

import (
	"context"
	"testing"
)

// BenchmarkRecognize decodes a whole 2.9 s sentence with the default
// English model and reports the real-time factor (decoding time over audio
// time; below 1 keeps up with live audio).
func BenchmarkRecognize(b *testing.B) {
	d := newDecoder(b, DefaultConfig())
	pcm := readClip(b, "canoe")
	for b.Loop() {
		if _, err := Recognize(context.Background(), d, pcm); err != nil {
			b.Fatal(err)
		}
	}
	audioSec := float64(len(pcm)) / DefaultSampleRate * float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()/audioSec, "rtf")
}

// BenchmarkPartial measures one Partial call two seconds into a sentence,
// where the search has the most to trace back.
func BenchmarkPartial(b *testing.B) {
	d := newDecoder(b, DefaultConfig())
	pcm := readClip(b, "canoe")
	if err := d.Start(); err != nil {
		b.Fatal(err)
	}
	if err := d.Write(pcm[:2*DefaultSampleRate]); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Partial(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDecoder measures loading the default English model.
func BenchmarkNewDecoder(b *testing.B) {
	for b.Loop() {
		d, err := NewDecoder(DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
