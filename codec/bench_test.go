package codec

import (
	"io"
	"testing"
)

// BenchmarkEncode encodes 10 s of speech-like audio per iteration in 20 ms
// chunks, as a synthesis delivers it, and reports how many times faster
// than real time one core encodes.
func BenchmarkEncode(b *testing.B) {
	const seconds = 10
	pcm := speechLike(seconds * SampleRate)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				enc, err := NewEncoder(format, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < len(pcm); i += 480 {
					if err := enc.Write(pcm[i : i+480]); err != nil {
						b.Fatal(err)
					}
				}
				if err := enc.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
