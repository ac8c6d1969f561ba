package turn

import (
	"testing"
	"time"
)

// BenchmarkTurn measures one whole spoken turn: 16 events from speech start
// to the end of playback.
func BenchmarkTurn(b *testing.B) {
	m := New(Config{})
	base := t0
	t := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	b.ReportAllocs()
	for b.Loop() {
		m.SpeechStart(t(0))
		m.Partial("what is", t(300))
		m.SpeechEnd(t(900))
		m.Final(question, t(1300))
		n := m.Turn()
		m.LLMDelta(n, "The weather", t(1500))
		m.SegmentQueued(n, seg1, t(1600))
		m.LLMDelta(n, " today is sunny. Tomorrow it will rain.", t(1700))
		m.SegmentQueued(n, seg2, t(1800))
		m.LLMDone(n, answer, t(1900))
		m.SegmentAudio(n, 1350*24, t(2000))
		m.SegmentDone(n, t(2100))
		m.SegmentAudio(n, 1150*24, t(2200))
		m.SegmentDone(n, t(2300))
		m.Playback(n, 200, t(2400))
		m.Tick(t(3000))
		m.Playback(n, 2500, t(4000))
		if m.State() != Listening {
			b.Fatalf("turn ended in %v", m.State())
		}
		base = base.Add(5 * time.Second)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/event")
}

// BenchmarkHeardText measures the heard-text cut on a ten-segment answer.
func BenchmarkHeardText(b *testing.B) {
	segs := make([]Segment, 10)
	for i := range segs {
		segs[i] = Segment{Text: " The weather today is sunny, and tomorrow it will rain.", Duration: 3 * time.Second, Done: i < 9}
	}
	b.ReportAllocs()
	for b.Loop() {
		if HeardText(segs, 28_400) == "" {
			b.Fatal("nothing heard")
		}
	}
}
