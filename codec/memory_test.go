//go:build cgo

package codec

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// rss is the process's resident set in bytes, after returning what Go
// can to the OS.
func rss(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// TestCMemoryFreed encodes 200 short files per C library and checks the
// resident set does not grow with them. An encoder that is not freed
// costs 100 KB (libopusenc) to 380 KB (LAME), so a missed free adds 20 MB
// or more over 200 files; anything that leaks 30 KB a file fails. Measured
// with -race: at most 3 MB of growth, all in the first format's run.
func TestCMemoryFreed(t *testing.T) {
	pcm := speechLike(SampleRate / 4)
	formats := []string{"mp3", "opus", "flac", "aac"}
	var buf bytes.Buffer
	encode := func(t *testing.T, format string, n int) {
		for range n {
			buf.Reset()
			enc, err := NewEncoder(format, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Write(pcm); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Let malloc's arenas, Go's heap and the race detector's shadow memory
	// settle first.
	for _, format := range formats {
		encode(t, format, 50)
	}
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			before := rss(t)
			encode(t, format, 200)
			after := rss(t)
			t.Logf("RSS %.1f MB before, %.1f MB after 200 files", float64(before)/1e6, float64(after)/1e6)
			if after-before > 6<<20 {
				t.Errorf("RSS grew by %.1f MB over 200 files", float64(after-before)/1e6)
			}
		})
	}
}
