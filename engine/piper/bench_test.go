//go:build cgo

package piper

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/sched"
)

// BenchmarkSessionPool measures what a pool of sessions buys and costs:
// four runs at once of a model whose run is CPU-bound matrix products
// (testdata/slow.onnx, amy's config), with one session taking two runs at
// once on one thread each, two sessions doing the same, or one run at a
// time on two intra-op threads. It reports the wall time per run, the
// time to load the voice (sessions and test run), and the resident memory
// each session added (for this small model; a real voice's session holds
// its weights, 20 to 120 MB).
//
//	go test -run '^$' -bench SessionPool -benchtime 5x ./engine/piper
func BenchmarkSessionPool(b *testing.B) {
	dir := b.TempDir()
	for src, dst := range map[string]string{"testdata/slow.onnx": "v.onnx", "testdata/en_US-amy-low.onnx.json": "v.onnx.json"} {
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ids, _ := amyConfig(b).IDs([]rune("həlˈoʊ ðˈɛɹ."))
	for _, tc := range []struct {
		name                    string
		sessions, runs, threads int
	}{
		{"1session-1run-2threads", 1, 1, 2},
		{"1session-2runs-1thread", 1, 2, 1},
		{"2sessions-2runs-1thread", 2, 2, 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			start := time.Now()
			v, err := Load(filepath.Join(dir, "v.onnx"), Options{Sessions: tc.sessions, Threads: tc.threads, Gate: sched.NewSlots(tc.runs)})
			if err != nil {
				b.Fatal(err)
			}
			load := time.Since(start)
			defer v.Close()
			const parallel = 4
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				for range parallel {
					wg.Go(func() {
						if _, err := v.Run(context.Background(), ids, Params{}); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*parallel), "ms/run")
			b.ReportMetric(float64(load.Milliseconds()), "ms-load")
			b.ReportMetric(float64(v.MemoryBytes())/float64(tc.sessions)/1e6, "MB/session")
		})
	}
}
