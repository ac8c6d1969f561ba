package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/store"
)

// sharedNode is one node's Accounting on the Redis r and the store db: its
// own Limiter (heartbeat, registry) on the shared Redis, as `parley serve`
// builds it. The Limiter is closed when the test ends.
func sharedNode(t *testing.T, r *testinfra.Redis, db *store.DB, rc limits.RedisConfig) *Accounting {
	t.Helper()
	rc.URL = r.URL()
	lim, err := limits.Open(limits.Config{}, rc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	if !lim.Shared().Up {
		t.Fatalf("a node on a running Redis does not share: %v", lim.Shared().Err)
	}
	return &Accounting{Limiter: lim, Usage: db}
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func remaining(t *testing.T, a *Accounting, p Principal) int64 {
	t.Helper()
	r, err := a.Remaining(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSharedQuotaRaceAtTheEdge: two nodes on one Redis and one store race
// many small requests at the edge of a key's quota, which neither has seen
// before (the ledger starts from the store's usage): exactly what fits is
// admitted, the store ends exactly at the quota, and both refuse more.
// Before the shared ledger each node admitted the whole remainder on its
// own.
func TestSharedQuotaRaceAtTheEdge(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	month := store.Month(time.Now())
	const left, ask = 1_000, 10
	if err := db.AddUsage(ctx, p.KeyID, month, p.Plan.MonthlyChars-left); err != nil {
		t.Fatal(err)
	}
	nodes := []*Accounting{sharedNode(t, r, db, limits.RedisConfig{}), sharedNode(t, r, db, limits.RedisConfig{})}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			a := nodes[g%2]
			for range 10 {
				h, err := a.Reserve(ctx, p, ask)
				if errors.Is(err, ErrQuotaExceeded) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				admitted.Add(1)
				if err := h.Charge(ctx, ask); err != nil {
					t.Error(err)
				}
				h.Release()
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != left/ask {
		t.Fatalf("%d requests of %d admitted with %d left, want %d", n, ask, left, left/ask)
	}
	chars, _, err := db.Usage(ctx, p.KeyID, month)
	if err != nil || chars != p.Plan.MonthlyChars {
		t.Fatalf("stored usage %d, %v; want the quota %d exactly", chars, err, p.Plan.MonthlyChars)
	}
	for i, a := range nodes {
		if _, err := a.Reserve(ctx, p, 1); !errors.Is(err, ErrQuotaExceeded) {
			t.Errorf("node %d admits one more character: %v", i, err)
		}
		if r := remaining(t, a, p); r != 0 {
			t.Errorf("node %d: %d remaining, want 0", i, r)
		}
	}
}

// TestSharedQuotaHoldsAcrossNodes: what one node holds, the other cannot
// reserve; Extend and Charge move it; Release gives it back at once.
func TestSharedQuotaHoldsAcrossNodes(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	a, b := sharedNode(t, r, db, limits.RedisConfig{}), sharedNode(t, r, db, limits.RedisConfig{})
	h, err := a.Reserve(ctx, p, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Extend(ctx, 10_000); err != nil {
		t.Fatal(err)
	}
	var qe *QuotaError
	if _, err := b.Reserve(ctx, p, 10_001); !errors.As(err, &qe) || qe.Remaining != 10_000 {
		t.Fatalf("b reserving past what a holds: %v, want a QuotaError with 10000 left", err)
	}
	if err := h.Charge(ctx, 25_000); err != nil {
		t.Fatal(err)
	}
	if r := remaining(t, b, p); r != 10_000 {
		t.Fatalf("b sees %d remaining with 25000 charged and 15000 held, want 10000", r)
	}
	h.Release()
	if r := remaining(t, b, p); r != 25_000 {
		t.Fatalf("b sees %d remaining after a's release, want 25000", r)
	}
	hb, err := b.Reserve(ctx, p, 25_000)
	if err != nil {
		t.Fatalf("b reserving what a gave back: %v", err)
	}
	hb.Release()
}

// TestSharedQuotaDeadNodeHoldsExpire: a node that dies holding characters
// (its heartbeat stops, nothing is released) gives them back to the other
// nodes within the lease TTL.
func TestSharedQuotaDeadNodeHoldsExpire(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	rc := limits.RedisConfig{LeaseTTL: time.Second, Heartbeat: 200 * time.Millisecond}
	dying, live := sharedNode(t, r, db, rc), sharedNode(t, r, db, rc)
	if _, err := dying.Reserve(ctx, p, 45_000); err != nil {
		t.Fatal(err)
	}
	// Held past several heartbeats: the lease is renewed, not lapsed.
	time.Sleep(3 * rc.LeaseTTL / 2)
	if _, err := live.Reserve(ctx, p, 5_001); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("the live node reserved past a hold renewed by the other's heartbeat: %v", err)
	}
	dying.Limiter.Close() // as kill -9: the heartbeat stops, the holds stay
	died := time.Now()
	var h Hold
	waitUntil(t, 3*rc.LeaseTTL, "the dead node's hold given back", func() bool {
		var err error
		h, err = live.Reserve(ctx, p, 50_000)
		return err == nil
	})
	if d := time.Since(died); d > rc.LeaseTTL+500*time.Millisecond {
		t.Errorf("the dead node's hold lasted %v after its death, beyond the lease TTL %v", d, rc.LeaseTTL)
	}
	h.Release()
}

// TestSharedQuotaRedisRestart: Redis restarts empty while one node holds
// characters and both have charged. The holding node's heartbeat writes
// its hold back, the ledger starts again from the store, and the counting
// stays exact: the other node can reserve exactly what is left.
func TestSharedQuotaRedisRestart(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	rc := limits.RedisConfig{LeaseTTL: time.Second, Heartbeat: 100 * time.Millisecond, Timeout: 200 * time.Millisecond}
	a, b := sharedNode(t, r, db, rc), sharedNode(t, r, db, rc)
	for _, n := range []*Accounting{a, b} {
		h, err := n.Reserve(ctx, p, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Charge(ctx, 10_000); err != nil {
			t.Fatal(err)
		}
		h.Release()
	}
	held, err := a.Reserve(ctx, p, 7_000)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()

	r.Stop()
	r.Start()
	// The ledger is gone; a's heartbeat notices its lease missing and
	// writes it back.
	waitUntil(t, 5*time.Second, "a's hold written back", func() bool {
		m := limits.CharMonth{Key: p.KeyID, Month: store.Month(time.Now())}
		_, h, err := a.Limiter.CharsUsed(ctx, m)
		return (err == nil || errors.Is(err, limits.ErrUnsynced)) && h == 7_000 && a.Limiter.Shared().Up
	})
	if !b.Limiter.Shared().Up {
		waitUntil(t, 5*time.Second, "b sharing again", func() bool { return b.Limiter.Shared().Up })
	}
	left := p.Plan.MonthlyChars - 20_000 - 7_000
	var qe *QuotaError
	if _, err := b.Reserve(ctx, p, left+1); !errors.As(err, &qe) || qe.Remaining != left {
		t.Fatalf("after the restart b reserving one past what is left: %v, want a QuotaError with %d left", err, left)
	}
	h, err := b.Reserve(ctx, p, left)
	if err != nil {
		t.Fatalf("after the restart b reserving exactly what is left: %v", err)
	}
	h.Release()
}

// TestSharedQuotaOutage: with Redis stopped, a node reserves and charges
// on its own count (the store's usage and its holds); when Redis returns
// the holds it took meanwhile are written back, and the other node sees
// the characters charged during the outage at its next reservation.
func TestSharedQuotaOutage(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	rc := limits.RedisConfig{LeaseTTL: time.Second, Heartbeat: 100 * time.Millisecond, Timeout: 200 * time.Millisecond}
	a, b := sharedNode(t, r, db, rc), sharedNode(t, r, db, rc)
	if r := remaining(t, b, p); r != p.Plan.MonthlyChars {
		t.Fatalf("fresh key: %d remaining", r)
	}

	r.Stop()
	h, err := a.Reserve(ctx, p, 20_000)
	if err != nil {
		t.Fatalf("reserving during the outage: %v", err)
	}
	if err := h.Charge(ctx, 20_000); err != nil {
		t.Fatal(err)
	}
	h.Release()
	held, err := a.Reserve(ctx, p, 25_000)
	if err != nil {
		t.Fatalf("reserving during the outage: %v", err)
	}
	defer held.Release()
	if _, err := a.Reserve(ctx, p, 5_001); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("alone, a node still enforces its own count: %v", err)
	}
	if a.Limiter.Shared().Up {
		t.Fatal("the node does not know Redis is down")
	}

	r.Start()
	waitUntil(t, 5*time.Second, "both sharing again", func() bool {
		return a.Limiter.Shared().Up && b.Limiter.Shared().Up
	})
	var qe *QuotaError
	if _, err := b.Reserve(ctx, p, 5_001); !errors.As(err, &qe) || qe.Remaining != 5_000 {
		t.Fatalf("after the outage b reserving past 20000 charged and 25000 held during it: %v, want a QuotaError with 5000 left", err)
	}
	hb, err := b.Reserve(ctx, p, 5_000)
	if err != nil {
		t.Fatal(err)
	}
	hb.Release()
}

// TestSharedQuotaRefund: a refund made in the store (a job deleted before
// it ran) shows on every node as soon as the node that made it calls
// Forget.
func TestSharedQuotaRefund(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	db := openDB(t)
	p := freeKey(t, db)
	a, b := sharedNode(t, r, db, limits.RedisConfig{}), sharedNode(t, r, db, limits.RedisConfig{})
	var job store.Job
	err := a.ChargeWith(ctx, p, 30_000, func(ctx context.Context, month string) error {
		var err error
		job, err = db.CreateJob(ctx, store.Job{AccountID: p.AccountID, KeyID: p.KeyID, Request: []byte(`{}`), Format: "wav",
			Charged: 30_000, ChargeMonth: month}, store.JobLimits{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := remaining(t, b, p); r != 20_000 {
		t.Fatalf("b sees %d remaining after a job of 30000, want 20000", r)
	}
	if _, err := db.DeleteJob(ctx, p.AccountID, job.ID); err != nil {
		t.Fatal(err)
	}
	a.Forget(ctx, p.KeyID)
	if r := remaining(t, b, p); r != p.Plan.MonthlyChars {
		t.Fatalf("b sees %d remaining after the refund, want %d", r, p.Plan.MonthlyChars)
	}
}
