package voice

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAnalyze measures the analysis of ten seconds of reference
// audio; x-realtime is seconds of audio per second of analysis.
func BenchmarkAnalyze(b *testing.B) {
	for _, rate := range []int{16000, 24000, 48000} {
		pcm := voiceLike(150, 0.05, 4, 10*time.Second, rate)
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			for b.Loop() {
				if _, err := Analyze(context.Background(), pcm, rate); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

// BenchmarkPrompt measures signing and verifying a clone prompt.
func BenchmarkPrompt(b *testing.B) {
	s := make(Secret, SecretSize)
	p := Design("a warm, deep male voice, speaking slowly")
	prompt, err := EncodePrompt(s, "acct_123", p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncodePrompt(s, "acct_123", p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodePrompt(s, "acct_123", prompt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
