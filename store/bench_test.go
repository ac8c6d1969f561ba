package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchBackends runs f as a sub-benchmark on a fresh store of each kind.
func benchBackends(b *testing.B, f func(b *testing.B, db *DB)) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) { f(b, be.open(b)) })
	}
}

// reportOps adds throughput, the figure a server sizing its store cares about.
func reportOps(b *testing.B, ops int) {
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkAuthenticate(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *DB) {
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
	})
}

// BenchmarkAddUsage measures the write done once per generation. Each call is
// a synced commit, so the figure is mostly the disk's fsync rate.
func BenchmarkAddUsage(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *DB) {
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
	})
}

// BenchmarkJobCycle measures a job's store writes from submission to the end:
// create, claim, finish with 10 kB of audio. Each is a synced commit.
func BenchmarkJobCycle(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *DB) {
		ctx := context.Background()
		k := newAccount(b, db, "bench")
		ops := 0
		for b.Loop() {
			newJob(b, db, k, "")
			j := claim(b, db)
			if err := db.SucceedJob(ctx, j, audio(10_000), 1<<30); err != nil {
				b.Fatal(err)
			}
			ops++
		}
		b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "jobs/s")
	})
}

// BenchmarkRunnerPolls measures the queries idle workers and the delivery
// loop run every poll, over a history of many finished jobs: the partial
// indexes keep them independent of its size.
func BenchmarkRunnerPolls(b *testing.B) {
	for _, history := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("finished=%d", history), func(b *testing.B) {
			db := openTest(b, b.TempDir())
			ctx := context.Background()
			k := newAccount(b, db, "bench")
			_, err := db.w.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO jobs (id, account_id, key_id, status, request, format, audio_path, created_at, updated_at, finished_at, delivery_status, delivery_attempts)
SELECT printf('job_%020d', i), ?, ?, 'succeeded', '{}', 'wav', 'jobs/x.wav', i, i, i, 'delivered', 1 FROM n`, history, k.AccountID, k.ID)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("claim", func(b *testing.B) {
				for b.Loop() {
					if _, ok, err := db.ClaimJob(ctx, testOwner, time.Minute); err != nil || ok {
						b.Fatal(ok, err)
					}
				}
				reportOps(b, b.N)
			})
			b.Run("due deliveries", func(b *testing.B) {
				for b.Loop() {
					if js, err := db.ClaimDeliveries(ctx, testOwner, time.Minute, 2, 8); err != nil || len(js) != 0 {
						b.Fatal(len(js), err)
					}
				}
				reportOps(b, b.N)
			})
		})
	}
}

func BenchmarkCreateVoice(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *DB) {
		ctx := context.Background()
		k := newAccount(b, db, "bench")
		v := Voice{AccountID: k.AccountID, Name: "v", Source: VoiceFromDescription, Profile: []byte(`{"pitch":1.1,"rate":0.9}`)}
		ops := 0
		for b.Loop() {
			if _, err := db.CreateVoice(ctx, v, 1<<30); err != nil {
				b.Fatal(err)
			}
			ops++
		}
		reportOps(b, ops)
	})
}

// BenchmarkClaimBacklog measures a claim (and the release that puts the job
// back, so the queue stays the same) with a backlog spread over 100
// accounts, each with a job running: the fair claim sorts the whole queue,
// which the per-account queue cap bounds.
func BenchmarkClaimBacklog(b *testing.B) {
	const accounts = 100
	for _, queued := range []int{1, 1_000, 10_000} {
		b.Run(fmt.Sprintf("queued=%d", queued), func(b *testing.B) {
			db := openTest(b, b.TempDir())
			ctx := context.Background()
			keys := make([]Key, accounts)
			for i := range keys {
				keys[i] = newAccount(b, db, fmt.Sprint("bench", i))
				newJob(b, db, keys[i], "")
				claim(b, db)
			}
			for i := range queued {
				newJob(b, db, keys[i%accounts], "")
			}
			for b.Loop() {
				j := claim(b, db)
				if err := db.ReleaseJob(ctx, j); err != nil {
					b.Fatal(err)
				}
			}
			reportOps(b, b.N)
		})
	}
}
