package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestMonth(t *testing.T) {
	east := time.FixedZone("UTC+2", 2*3600)
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2025, 1, 31, 23, 59, 59, 0, time.UTC), "2025-01"},
		{time.Date(2025, 2, 1, 0, 30, 0, 0, east), "2025-01"},
		{time.Date(2025, 12, 31, 23, 0, 0, 0, time.FixedZone("UTC-3", -3*3600)), "2026-01"},
	}
	for _, tt := range tests {
		if got := Month(tt.t); got != tt.want {
			t.Errorf("Month(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestAddUsage(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		_, a, err := db.CreateKey(ctx, "a", "pro")
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := db.CreateKeyForAccount(ctx, a.AccountID, "b", "pro")
		if err != nil {
			t.Fatal(err)
		}
		_, c, err := db.CreateKey(ctx, "c", "pro")
		if err != nil {
			t.Fatal(err)
		}
		adds := []struct {
			key   Key
			month string
			chars int64
		}{
			{a, "2025-01", 100},
			{a, "2025-01", 0},
			{a, "2025-01", 23},
			{a, "2025-02", 7},
			{b, "2025-01", 1000},
			{c, "2025-01", 5},
		}
		for _, add := range adds {
			if err := db.AddUsage(ctx, add.key.ID, add.month, add.chars); err != nil {
				t.Fatalf("AddUsage(%s, %s, %d): %v", add.key.Name, add.month, add.chars, err)
			}
		}
		tests := []struct {
			name            string
			get             func(ctx context.Context, id, month string) (int64, int64, error)
			id, month       string
			chars, requests int64
		}{
			{"key a January", db.Usage, a.ID, "2025-01", 123, 3},
			{"key a February", db.Usage, a.ID, "2025-02", 7, 1},
			{"key a March", db.Usage, a.ID, "2025-03", 0, 0},
			{"key b January", db.Usage, b.ID, "2025-01", 1000, 1},
			{"unknown key", db.Usage, "aaaaaaaaaa", "2025-01", 0, 0},
			{"account of a and b, January", db.AccountUsage, a.AccountID, "2025-01", 1123, 4},
			{"account of a and b, February", db.AccountUsage, a.AccountID, "2025-02", 7, 1},
			{"account of c", db.AccountUsage, c.AccountID, "2025-01", 5, 1},
			{"unknown account", db.AccountUsage, "acct_none", "2025-01", 0, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				chars, reqs, err := tt.get(ctx, tt.id, tt.month)
				if err != nil || chars != tt.chars || reqs != tt.requests {
					t.Errorf("got %d chars, %d requests, %v; want %d, %d", chars, reqs, err, tt.chars, tt.requests)
				}
			})
		}
	})
}

func TestAddUsageRejects(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		_, k, err := db.CreateKey(ctx, "k", "free")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, id, month string
			chars           int64
			want            error
		}{
			{"unknown key", "aaaaaaaaaa", "2025-01", 1, ErrNotFound},
			{"empty key", "", "2025-01", 1, ErrNotFound},
			{"negative characters", k.ID, "2025-01", -1, ErrInvalid},
			{"empty month", k.ID, "", 1, ErrInvalid},
			{"month 13", k.ID, "2025-13", 1, ErrInvalid},
			{"month 0", k.ID, "2025-00", 1, ErrInvalid},
			{"one-digit month", k.ID, "2025-1", 1, ErrInvalid},
			{"full date", k.ID, "2025-01-01", 1, ErrInvalid},
			{"two-digit year", k.ID, "25-01", 1, ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := db.AddUsage(ctx, tt.id, tt.month, tt.chars); !errors.Is(err, tt.want) {
					t.Errorf("AddUsage error = %v, want %v", err, tt.want)
				}
			})
		}
		var rows int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM usage`).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("rejected calls left %d usage rows (%v)", rows, err)
		}
		if _, _, err := db.Usage(ctx, k.ID, "2025/01"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Usage with a bad month: error = %v, want ErrInvalid", err)
		}
	})
}

func TestConcurrentUsage(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		_, k, err := db.CreateKey(ctx, "busy", "scale")
		if err != nil {
			t.Fatal(err)
		}
		const goroutines, perGoroutine = 20, 50
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			want int64
		)
		for range goroutines {
			wg.Go(func() {
				var sum int64
				for range perGoroutine {
					n := rand.Int64N(4096) + 1
					if err := db.AddUsage(ctx, k.ID, "2025-07", n); err != nil {
						t.Error(err)
						return
					}
					sum += n
				}
				mu.Lock()
				want += sum
				mu.Unlock()
			})
		}
		wg.Wait()
		chars, reqs, err := db.Usage(ctx, k.ID, "2025-07")
		if err != nil || chars != want || reqs != goroutines*perGoroutine {
			t.Errorf("Usage = %d chars, %d requests, %v; want %d, %d", chars, reqs, err, want, goroutines*perGoroutine)
		}
	})
}
