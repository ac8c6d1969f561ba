package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests below race goroutines through two stores on one database, as
// two nodes on one PostgreSQL (or two processes on one SQLite file) would,
// against the transactions that read before they write. SQLite serialises
// its writers; on PostgreSQL each of these transactions would overshoot
// its bound, or refund twice, without the row locks it takes.

// race runs f(i) for i in [0, n) at once, each with one of dbs in turn.
func race(n int, dbs []*DB, f func(i int, db *DB)) {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			f(i, dbs[i%len(dbs)])
		})
	}
	close(start)
	wg.Wait()
}

// TestRaceJobQueueCap: concurrent submissions of one account never take it
// past MaxUnfinished.
func TestRaceJobQueueCap(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		k := newAccount(t, dbs[0], "k")
		const limit, tries = 5, 24
		var created, refused atomic.Int64
		race(tries, dbs, func(i int, db *DB) {
			_, err := db.CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
				Charged: 10, ChargeMonth: "2026-01"}, JobLimits{MaxUnfinished: limit})
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, ErrQueueFull):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
		if created.Load() != limit || refused.Load() != tries-limit {
			t.Errorf("%d created, %d refused; want %d, %d", created.Load(), refused.Load(), limit, tries-limit)
		}
		// Only the accepted jobs were charged.
		if chars, reqs, err := dbs[1].Usage(ctx, k.ID, "2026-01"); err != nil || chars != 10*limit || reqs != limit {
			t.Errorf("usage %d chars, %d requests, %v; want %d, %d", chars, reqs, err, 10*limit, limit)
		}
	})
}

// TestRaceAudioCap: jobs of one account finishing at once on several nodes
// store no more audio than the cap between them.
func TestRaceAudioCap(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		k := newAccount(t, dbs[0], "k")
		const jobs, size, audioCap = 12, 100, 450
		var running []Job
		for range jobs {
			newJob(t, dbs[0], k, "")
			running = append(running, claim(t, dbs[0]))
		}
		var succeeded, refused atomic.Int64
		race(jobs, dbs, func(i int, db *DB) {
			err := db.SucceedJob(ctx, running[i], audio(size), audioCap)
			switch {
			case err == nil:
				succeeded.Add(1)
			case errors.Is(err, ErrAudioCap):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
		want := int64(audioCap / size)
		if succeeded.Load() != want || refused.Load() != jobs-want {
			t.Errorf("%d succeeded, %d refused; want %d, %d", succeeded.Load(), refused.Load(), want, jobs-want)
		}
		if n, _, err := dbs[1].AccountAudio(ctx, k.AccountID); err != nil || n > audioCap {
			t.Errorf("account holds %d bytes of audio (%v), cap %d", n, err, audioCap)
		}
	})
}

// TestRaceRefundOnce: a job's worker failing it while its owner deletes it
// and a node's reaper fails it for its lapsed lease refunds its charge
// once, whoever wins.
func TestRaceRefundOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		k := newAccount(t, dbs[0], "k")
		const month, rounds = "2026-02", 20
		// A job that stays charged, so a double refund shows as usage
		// below it.
		if _, err := dbs[0].CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
			Charged: 1000, ChargeMonth: month}, JobLimits{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := dbs[0].ClaimJob(ctx, "keeper", time.Hour); err != nil {
			t.Fatal(err)
		}
		for range rounds {
			j, err := dbs[0].CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
				Charged: 7, ChargeMonth: month}, JobLimits{})
			if err != nil {
				t.Fatal(err)
			}
			c, ok, err := dbs[0].ClaimJob(ctx, testOwner, time.Millisecond)
			if err != nil || !ok || c.ID != j.ID {
				t.Fatalf("claimed %+v, %v, %v; want %s", c, ok, err, j.ID)
			}
			time.Sleep(2 * time.Millisecond) // the lease lapses: the reaper may take it
			race(3, dbs, func(i int, db *DB) {
				var err error
				switch i {
				case 0:
					err = db.FailJob(ctx, c, errors.New("broke"))
				case 1:
					_, err = db.DeleteJob(ctx, k.AccountID, j.ID)
				case 2:
					_, err = db.RequeueExpired(ctx, 1)
				}
				if err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
			})
		}
		if chars, _, err := dbs[1].Usage(ctx, k.ID, month); err != nil || chars != 1000 {
			t.Errorf("usage %d chars (%v), want 1000: every refunded job refunded once", chars, err)
		}
	})
}

// TestRaceRequeueExpired: nodes looking for lapsed leases at once requeue
// each job once, and fail (refunding once) those out of attempts.
func TestRaceRequeueExpired(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		k := newAccount(t, dbs[0], "k")
		const month, jobs = "2026-03", 10
		for i := range jobs {
			if _, err := dbs[0].CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
				Charged: 5, ChargeMonth: month}, JobLimits{}); err != nil {
				t.Fatal(err)
			}
			c, ok, err := dbs[0].ClaimJob(ctx, fmt.Sprint("dead-", i), time.Millisecond)
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			if i%2 == 0 { // half are on their last attempt
				if _, err := dbs[0].w.ExecContext(ctx, `UPDATE jobs SET attempts = 3 WHERE id = ?`, c.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
		var requeued atomic.Int64
		race(8, dbs, func(i int, db *DB) {
			n, err := db.RequeueExpired(ctx, 3)
			if err != nil {
				t.Error(err)
			}
			requeued.Add(int64(n))
		})
		if requeued.Load() != jobs/2 {
			t.Errorf("%d requeued in all, want %d", requeued.Load(), jobs/2)
		}
		if chars, _, err := dbs[1].Usage(ctx, k.ID, month); err != nil || chars != 5*jobs/2 {
			t.Errorf("usage %d chars (%v), want %d: each failed job refunded once", chars, err, 5*jobs/2)
		}
	})
}

// TestRaceClaimDeliveries: nodes listing due webhooks at once lease each to
// one of them.
func TestRaceClaimDeliveries(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		var want []string
		for a := range 4 {
			k := newAccount(t, dbs[0], fmt.Sprint("k", a))
			for range 5 {
				newJob(t, dbs[0], k, "https://example.com/h")
				c := claim(t, dbs[0])
				if err := dbs[0].SucceedJob(ctx, c, audio(1), 0); err != nil {
					t.Fatal(err)
				}
				want = append(want, c.ID)
			}
		}
		var (
			mu   sync.Mutex
			seen = map[string]int{}
		)
		race(8, dbs, func(i int, db *DB) {
			js, err := db.ClaimDeliveries(ctx, fmt.Sprint("node-", i), time.Minute, 5, 100)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, j := range js {
				seen[j.ID]++
			}
		})
		for _, id := range want {
			if seen[id] != 1 {
				t.Errorf("webhook of %s leased %d times, want once", id, seen[id])
			}
		}
	})
}

// TestLeaseLapse: a job whose node stops renewing its lease is taken back
// and claimed again, and the old claim can no longer record an outcome; a
// renewed lease keeps the job where it is.
func TestLeaseLapse(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		db := be.open(t)
		clock := useFakeClock(db)
		k := newAccount(t, db, "k")
		newJob(t, db, k, "")
		clock.advance(time.Millisecond)
		kept := newJob(t, db, k, "")
		lost, ok, err := db.ClaimJob(ctx, "node-a", 30*time.Second)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, ok, err := db.ClaimJob(ctx, "node-b", 30*time.Second); err != nil || !ok {
			t.Fatal(ok, err)
		}
		clock.advance(20 * time.Second)
		if held, err := db.RenewLeases(ctx, "node-b", 30*time.Second); err != nil || len(held) != 1 || held[0] != kept.ID {
			t.Fatalf("RenewLeases(node-b) = %v, %v; want [%s]", held, err, kept.ID)
		}
		if n, err := db.RequeueExpired(ctx, 3); err != nil || n != 0 {
			t.Fatalf("RequeueExpired before any lease lapsed = %d, %v", n, err)
		}
		clock.advance(11 * time.Second) // node-a's lease lapsed; node-b's runs 19 s more
		if n, err := db.RequeueExpired(ctx, 3); err != nil || n != 1 {
			t.Fatalf("RequeueExpired = %d, %v; want 1", n, err)
		}
		if held, err := db.RenewLeases(ctx, "node-a", 30*time.Second); err != nil || len(held) != 0 {
			t.Errorf("RenewLeases(node-a) after its job was taken back = %v, %v; want none", held, err)
		}
		again, ok, err := db.ClaimJob(ctx, "node-c", 30*time.Second)
		if err != nil || !ok || again.ID != lost.ID || again.Attempts != 2 {
			t.Fatalf("claim after the lapse = %+v, %v, %v; want %s, attempt 2", again, ok, err, lost.ID)
		}
		if err := db.SucceedJob(ctx, lost, audio(3), 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("the lapsed claim recorded an outcome: %v", err)
		}
		if err := db.SucceedJob(ctx, again, audio(3), 0); err != nil {
			t.Errorf("the new claim: %v", err)
		}
		if got := getJob(t, db, kept); got.Status != JobRunning || got.LeaseOwner != "node-b" {
			t.Errorf("the renewed job = %+v, want running on node-b", got)
		}
	})
}
