package jobs

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

func BenchmarkSignVerify(b *testing.B) {
	body := bytes.Repeat([]byte(`{"job_id":"job_aaaaaaaaaaaaaaaaaaaa","status":"succeeded"}`), 4)
	secret := SigningSecret(testSecret, "aaaaaaaaaa")
	now := time.Now()
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			Sign(secret, now, body)
		}
	})
	header := Sign(secret, now, body)
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if err := Verify(secret, header, body, DefaultTolerance, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkThroughput measures jobs per second through the whole Manager
// (submit, claim, write and sync the audio file, finish) with a runner that
// costs nothing, so the figure is the overhead a real synthesis adds to.
func BenchmarkThroughput(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	_, k, err := db.CreateKey(ctx, "bench", "scale")
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(Config{DataDir: dir, Secret: testSecret, PollInterval: time.Millisecond, MaxUnfinishedPerAccount: -1}, db, &writeRunner{})
	if err != nil {
		b.Fatal(err)
	}
	m.Start()
	defer m.Close()
	b.ResetTimer()
	start := time.Now()
	submitted := make([]store.Job, b.N)
	for i := range submitted {
		submitted[i], err = m.Submit(ctx, store.Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav"})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, j := range submitted {
		for {
			got, err := db.GetJob(ctx, k.AccountID, j.ID)
			if err != nil {
				b.Fatal(err)
			}
			if got.FinishedAt != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}
