package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

// flakyUsage is a UsageStore that can be made unreachable.
type flakyUsage struct {
	mu    sync.Mutex
	down  bool
	calls int
	used  map[string]int64 // key/month -> chars
	reqs  map[string]int64
}

func (f *flakyUsage) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

var errDown = fmt.Errorf("connect: refused: %w", store.ErrUnavailable)

func (f *flakyUsage) Usage(ctx context.Context, keyID, month string) (int64, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, 0, errDown
	}
	return f.used[keyID+"/"+month], f.reqs[keyID+"/"+month], nil
}

func (f *flakyUsage) ChargeMany(ctx context.Context, charges []store.Charge) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.down {
		return errDown
	}
	for _, c := range charges {
		if c.Month == "bad" {
			return store.ErrInvalid
		}
	}
	if f.used == nil {
		f.used, f.reqs = map[string]int64{}, map[string]int64{}
	}
	for _, c := range charges {
		f.used[c.KeyID+"/"+c.Month] += c.Chars
		f.reqs[c.KeyID+"/"+c.Month] += c.Requests
	}
	return nil
}

// charge is one ChargeMany of one charge.
func charge(ctx context.Context, r *RetryingUsage, key, month string, chars, requests int64) error {
	return r.ChargeMany(ctx, []store.Charge{{KeyID: key, Month: month, Chars: chars, Requests: requests}})
}

func (f *flakyUsage) stored(key string) (int64, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.used[key], f.reqs[key]
}

// TestRetryingUsageKeepsChargesThroughAnOutage: charges made while the
// store is down are accepted, merged per key and month, counted by Usage
// and Pending, not sent to the store one by one, and written when it
// answers again.
func TestRetryingUsageKeepsChargesThroughAnOutage(t *testing.T) {
	ctx := context.Background()
	f := &flakyUsage{}
	r := NewRetryingUsage(f, RetryConfig{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	defer r.Close(ctx)
	if err := charge(ctx, r, "k1", "2026-01", 10, 1); err != nil {
		t.Fatal(err)
	}
	f.setDown(true)
	for i := range 50 {
		if err := charge(ctx, r, fmt.Sprint("k", 1+i%2), "2026-01", 3, 1); err != nil {
			t.Fatalf("charge %d during the outage: %v", i, err)
		}
	}
	if n, chars := r.Pending(); n != 2 || chars != 150 {
		t.Errorf("Pending = %d key-months, %d chars; want 2, 150", n, chars)
	}
	f.mu.Lock()
	calls := f.calls
	f.mu.Unlock()
	// One failed charge tells it the store is down; the rest go straight to
	// memory, apart from the background writer's retries.
	if calls > 1+50/2 {
		t.Errorf("%d calls to the store during the outage: charges waited on it", calls)
	}
	if err := charge(ctx, r, "k3", "bad", 1, 1); err != nil {
		t.Errorf("a charge during the outage is accepted unchecked: %v", err)
	}
	f.setDown(false)
	deadline := time.Now().Add(5 * time.Second)
	for n, _ := r.Pending(); n > 0; n, _ = r.Pending() {
		if time.Now().After(deadline) {
			t.Fatalf("%d key-months still pending after the store came back", n)
		}
		time.Sleep(time.Millisecond)
	}
	if chars, reqs := f.stored("k1/2026-01"); chars != 10+75 || reqs != 1+25 {
		t.Errorf("k1 stored %d chars, %d requests; want 85, 26", chars, reqs)
	}
	if chars, reqs := f.stored("k2/2026-01"); chars != 75 || reqs != 25 {
		t.Errorf("k2 stored %d chars, %d requests; want 75, 25", chars, reqs)
	}
	// Back to normal: an error the store answers is the caller's.
	if err := charge(ctx, r, "k1", "bad", 1, 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a charge for a bad month: %v, want ErrInvalid", err)
	}
}

// TestRetryingUsageUsageCountsPending: quotas see pending charges.
func TestRetryingUsageUsageCountsPending(t *testing.T) {
	ctx := context.Background()
	f := &flakyUsage{}
	r := NewRetryingUsage(f, RetryConfig{MinBackoff: time.Hour})
	defer r.Close(ctx)
	if err := charge(ctx, r, "k", "2026-02", 100, 1); err != nil {
		t.Fatal(err)
	}
	f.setDown(true)
	if err := charge(ctx, r, "k", "2026-02", 7, 1); err != nil {
		t.Fatal(err)
	}
	f.setDown(false)
	if chars, reqs, err := r.Usage(ctx, "k", "2026-02"); err != nil || chars != 107 || reqs != 2 {
		t.Errorf("Usage = %d, %d, %v; want 107, 2 (100 stored, 7 pending)", chars, reqs, err)
	}
}

// TestRetryingUsageBound: past MaxPending key-months a charge is dropped,
// counted and logged with what an operator needs to bill it; Close logs
// every charge it could not write.
func TestRetryingUsageBound(t *testing.T) {
	ctx := context.Background()
	f := &flakyUsage{}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	r := NewRetryingUsage(f, RetryConfig{MaxPending: 2, MinBackoff: time.Hour, Logger: log})
	f.setDown(true)
	for _, k := range []string{"a", "b", "c", "a"} {
		if err := charge(ctx, r, k, "2026-03", 5, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n, chars := r.Pending(); n != 2 || chars != 15 {
		t.Errorf("Pending = %d, %d; want 2 key-months, 15 chars", n, chars)
	}
	if lost := r.Lost(); lost != 5 {
		t.Errorf("Lost = %d, want 5", lost)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := r.Close(cctx); err == nil || !strings.Contains(err.Error(), "15 characters") {
		t.Errorf("Close = %v, want an error counting 15 characters", err)
	}
	mu.Lock()
	text := logs.String()
	mu.Unlock()
	for _, want := range []string{"usage charge dropped", "key=c", "usage charge not written", "key=a", "key=b", "chars=10"} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %q:\n%s", want, text)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
