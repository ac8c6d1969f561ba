package textnorm

import (
	"os"
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func benchText(b *testing.B, name string) string {
	b.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// benchNormalize normalises text as the server does: segment by segment
// (here: line by line, as sentences and list items arrive) and reports
// throughput over the whole text.
func benchNormalize(b *testing.B, text string, lang protocol.Language) {
	segments := strings.Split(text, "\n")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, seg := range segments {
			Normalize(seg, lang)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(segments)), "ns/segment")
}

func BenchmarkNormalizeEnglish(b *testing.B) {
	benchNormalize(b, benchText(b, "answer_en.txt"), protocol.English)
}

func BenchmarkNormalizeGerman(b *testing.B) {
	benchNormalize(b, benchText(b, "answer_de.txt"), protocol.German)
}

// BenchmarkNormalizeEnglishBuffer normalises the whole text as one segment,
// the server's largest (a full buffer of protocol.MaxBufferChars flushed at
// once).
func BenchmarkNormalizeEnglishBuffer(b *testing.B) {
	text := []rune(strings.Repeat(benchText(b, "answer_en.txt")+" ", 5))[:protocol.MaxBufferChars]
	s := string(text)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		Normalize(s, protocol.English)
	}
}

// BenchmarkNormalizeAdversarial runs 4 KiB of the inputs that do the most
// work per byte, to show the cost stays linear.
func BenchmarkNormalizeAdversarial(b *testing.B) {
	for _, unit := range []string{"((a", "'", "1/", "e.g.", "1 ", "$1.5M-", "年1"} {
		text := strings.Repeat(unit, 4096/len(unit))
		b.Run(strings.NewReplacer("/", "slash", " ", "sp").Replace(unit), func(b *testing.B) {
			langs := []protocol.Language{protocol.English, protocol.Japanese}
			b.SetBytes(int64(len(langs) * len(text)))
			for b.Loop() {
				for _, lang := range langs {
					Normalize(text, lang)
				}
			}
		})
	}
}
