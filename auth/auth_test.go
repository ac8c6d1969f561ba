package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	secret, k, err := db.CreateKey(ctx, "dev", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Keys{DB: db}.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyID != k.ID || p.AccountID != k.AccountID || p.Plan.Name != "realtime" || !p.Plan.WebSocket {
		t.Fatalf("principal = %+v for key %+v", p, k)
	}
	for _, bad := range []string{"", "pk_nope", secret + "x"} {
		if _, err := (Keys{DB: db}).Authenticate(ctx, bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthorized", bad, err)
		}
	}
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := (Keys{DB: db}).Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked key: %v, want ErrUnauthorized", err)
	}
}

func freeKey(t *testing.T, db *store.DB) Principal {
	t.Helper()
	secret, _, err := db.CreateKey(context.Background(), "q", "free")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Keys{DB: db}.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAccountingQuota(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := freeKey(t, db)
	now := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)
	a := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db, Now: func() time.Time { return now }}
	r, err := a.Remaining(ctx, p)
	if err != nil || r != 50_000 {
		t.Fatalf("fresh free key: remaining %d, %v; want 50000", r, err)
	}
	h, err := a.Reserve(ctx, p, 49_990)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Remaining(ctx, p); r != 10 {
		t.Fatalf("remaining with 49990 reserved = %d, want 10", r)
	}
	if _, err := a.Reserve(ctx, p, 11); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("reserving past the quota: %v, want ErrQuotaExceeded", err)
	}
	// Charged in two segments, the second smaller than what is left of the
	// reservation; the rest is returned by Release.
	if err := h.Charge(ctx, 40_000); err != nil {
		t.Fatal(err)
	}
	if err := h.Charge(ctx, 9_000); err != nil {
		t.Fatal(err)
	}
	h.Release()
	h.Release() // idempotent
	if r, _ := a.Remaining(ctx, p); r != 1_000 {
		t.Fatalf("remaining after charging 49000 = %d, want 1000", r)
	}
	// A second Accounting (another process) sees the stored usage.
	b := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db, Now: func() time.Time { return now }}
	if r, _ := b.Remaining(ctx, p); r != 1_000 {
		t.Fatalf("remaining seen from a fresh Accounting = %d, want 1000", r)
	}
	// Extend grows a hold while it fits.
	h, err = a.Reserve(ctx, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Extend(ctx, 600); err != nil {
		t.Fatal(err)
	}
	var qe *QuotaError
	if err := h.Extend(ctx, 401); !errors.As(err, &qe) || qe.Remaining != 400 || qe.Limit != 50_000 {
		t.Fatalf("extending past the quota: %v, want a QuotaError with 400 left", err)
	}
	// Work already done is charged even beyond its reservation.
	if err := h.Charge(ctx, 1_020); err != nil {
		t.Fatal(err)
	}
	h.Release()
	if r, _ := a.Remaining(ctx, p); r != 0 {
		t.Fatalf("remaining past the quota = %d, want 0", r)
	}
	now = now.Add(2 * time.Hour) // April: a new month
	if r, _ := a.Remaining(ctx, p); r != 50_000 {
		t.Fatalf("remaining in a new month = %d, want 50000", r)
	}
	chars, reqs, err := db.Usage(ctx, p.KeyID, "2026-03")
	if err != nil || chars != 50_020 || reqs != 2 {
		t.Fatalf("stored March usage = %d chars, %d requests, %v; want 50020 in 2 requests", chars, reqs, err)
	}
}

// TestConcurrentReservationsNeverOvershoot races many requests at the edge
// of a quota: exactly as many as fit are admitted.
func TestConcurrentReservationsNeverOvershoot(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := freeKey(t, db)
	if err := db.AddUsage(ctx, p.KeyID, store.Month(time.Now()), 50_000-250); err != nil {
		t.Fatal(err)
	}
	a := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db}
	var wg sync.WaitGroup
	var admitted atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := a.Reserve(ctx, p, 100)
			if errors.Is(err, ErrQuotaExceeded) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			admitted.Add(1)
			if err := h.Charge(ctx, 100); err != nil {
				t.Error(err)
			}
			h.Release()
		}()
	}
	wg.Wait()
	if n := admitted.Load(); n != 2 {
		t.Fatalf("%d requests of 100 admitted with 250 left, want 2", n)
	}
	chars, _, err := db.Usage(ctx, p.KeyID, store.Month(time.Now()))
	if err != nil || chars != 50_000-50 {
		t.Fatalf("stored usage %d, %v; want %d", chars, err, 50_000-50)
	}
}

// TestChargesRacingTheFirstLoadAreKept charges a key from many goroutines
// while its usage is being loaded for the first time: no charge may be
// lost from what this process believes is used.
func TestChargesRacingTheFirstLoadAreKept(t *testing.T) {
	ctx := context.Background()
	for range 20 {
		db := openDB(t)
		p := freeKey(t, db)
		a := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db}
		b := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db}
		// b charges through its own holds while a loads.
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				h, err := a.Reserve(ctx, p, 10)
				if err != nil {
					t.Error(err)
					return
				}
				if err := h.Charge(ctx, 10); err != nil {
					t.Error(err)
				}
				h.Release()
			}()
			go func() {
				defer wg.Done()
				if _, err := a.Remaining(ctx, p); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if r, _ := a.Remaining(ctx, p); r != 50_000-40 {
			t.Fatalf("remaining %d after 4 charges of 10, want %d", r, 50_000-40)
		}
		if r, _ := b.Remaining(ctx, p); r != 50_000-40 {
			t.Fatalf("a fresh Accounting sees %d remaining, want %d", r, 50_000-40)
		}
	}
}

// BenchmarkSegmentCharge measures what a realtime segment now costs the
// accounting: reserving its characters and charging them, durably, once
// spoken. Before reservations a generation cost one write at its end, and
// a segment nothing.
func BenchmarkSegmentCharge(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	secret, _, err := db.CreateKey(ctx, "bench", "scale")
	if err != nil {
		b.Fatal(err)
	}
	p, err := Keys{DB: db}.Authenticate(ctx, secret)
	if err != nil {
		b.Fatal(err)
	}
	p.Plan.MonthlyChars = 1 << 50
	a := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db}
	b.Run("reserve-only", func(b *testing.B) {
		h, err := a.Reserve(ctx, p, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Release()
		for b.Loop() {
			if err := h.Extend(ctx, 120); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reserve-and-charge", func(b *testing.B) {
		h, err := a.Reserve(ctx, p, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Release()
		for b.Loop() {
			if err := h.Extend(ctx, 120); err != nil {
				b.Fatal(err)
			}
			if err := h.Charge(ctx, 120); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("8-sessions-one-key", func(b *testing.B) {
		b.SetParallelism(4) // 8 goroutines on 2 CPUs
		b.RunParallel(func(pb *testing.PB) {
			h, err := a.Reserve(ctx, p, 0)
			if err != nil {
				b.Error(err)
				return
			}
			defer h.Release()
			for pb.Next() {
				if err := h.Extend(ctx, 120); err != nil {
					b.Error(err)
					return
				}
				if err := h.Charge(ctx, 120); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
