package store

import (
	"context"
	"testing"
)

// reportOps adds throughput, the figure a server sizing its store cares about.
func reportOps(b *testing.B, ops int) {
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkAuthenticate(b *testing.B) {
	db := openTest(b, b.TempDir())
	ctx := context.Background()
	secret, _, err := db.CreateKey(ctx, "bench", "scale")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		ops := 0
		for b.Loop() {
			if _, err := db.Authenticate(ctx, secret); err != nil {
				b.Fatal(err)
			}
			ops++
		}
		reportOps(b, ops)
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.Authenticate(ctx, secret); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportOps(b, b.N)
	})
}

// BenchmarkAddUsage measures the write done once per generation. Each call is
// a synced commit, so the figure is mostly the disk's fsync rate.
func BenchmarkAddUsage(b *testing.B) {
	db := openTest(b, b.TempDir())
	ctx := context.Background()
	_, k, err := db.CreateKey(ctx, "bench", "scale")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		ops := 0
		for b.Loop() {
			if err := db.AddUsage(ctx, k.ID, "2025-01", 120); err != nil {
				b.Fatal(err)
			}
			ops++
		}
		reportOps(b, ops)
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.AddUsage(ctx, k.ID, "2025-01", 120); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportOps(b, b.N)
	})
}
