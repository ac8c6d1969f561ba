package segment

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// benchmarkPush streams the file as LLM-like tokens of 1 to maxTok code
// points, flushing at the end, once per iteration.
func benchmarkPush(b *testing.B, path string, maxTok int) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat(string(data), 2) // a few KB: a long answer
	toks := randomTokens(rand.New(rand.NewPCG(5, 6)), text, maxTok)
	s, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	segments := 0
	for b.Loop() {
		for _, tok := range toks {
			segments += len(s.Push(tok))
		}
		segments += len(s.Flush())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(toks)), "ns/token")
	b.ReportMetric(float64(segments)/float64(b.N), "segments/op")
}

func BenchmarkPush(b *testing.B)    { benchmarkPush(b, "testdata/bench_en.txt", 6) }
func BenchmarkPushCJK(b *testing.B) { benchmarkPush(b, "testdata/bench_cjk.txt", 3) }
