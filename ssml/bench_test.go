package ssml

import (
	"strings"
	"testing"

	"github.com/parley-voice/parley/segment"
)

// benchDoc is LLM-like SSML: sentences with a break, a say-as and some
// prosody each.
var benchDoc = strings.Repeat(`Your order <say-as interpret-as="characters">AB12</say-as> ships on <say-as interpret-as="date" format="mdy">3/15/2025</say-as>.<break time="300ms"/><prosody rate="slow">Thank you &amp; goodbye.</prosody> `, 12)

// BenchmarkSegmenter streams benchDoc in 4-byte tokens through the parser
// and the segmenter, as a realtime session does.
func BenchmarkSegmenter(b *testing.B) {
	s, err := NewSegmenter(DefaultConfig(), segment.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	ctl := make([]byte, len(benchDoc)/4+1)
	for i := range ctl {
		ctl[i] = 3 // tokens of 4 bytes
	}
	tokens := split(benchDoc, ctl)
	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	for b.Loop() {
		for _, tk := range tokens {
			if _, err := s.Push(tk); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
