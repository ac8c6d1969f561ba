package limits

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestServerSlots(t *testing.T) {
	l := New(Config{MaxConns: 2})
	r1, err := l.AcquireServerSlot()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := l.AcquireServerSlot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AcquireServerSlot(); !errors.Is(err, ErrServerFull) {
		t.Fatalf("third slot: %v, want ErrServerFull", err)
	}
	r1()
	r1() // idempotent: must not free a second slot
	if got := l.ServerConns(); got != 1 {
		t.Fatalf("ServerConns = %d after one release (twice), want 1", got)
	}
	if _, err := l.AcquireServerSlot(); err != nil {
		t.Fatalf("slot after release: %v", err)
	}
	if _, err := l.AcquireServerSlot(); !errors.Is(err, ErrServerFull) {
		t.Fatalf("slot beyond limit after double release: %v", err)
	}
	r2()
}

func TestKeyConns(t *testing.T) {
	ctx := context.Background()
	l := New(Config{MaxConnsPerKey: 3})
	var rel []func()
	for i := 0; i < 3; i++ {
		r, err := l.AcquireKeyConn(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		rel = append(rel, r)
	}
	if _, err := l.AcquireKeyConn(ctx, "a"); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("4th conn for a: %v", err)
	}
	if _, err := l.AcquireKeyConn(ctx, "b"); err != nil {
		t.Fatalf("another key is limited by a's connections: %v", err)
	}
	for _, r := range rel {
		r()
	}
	if n := l.KeyConns(ctx, "a"); n != 0 {
		t.Fatalf("KeyConns after release = %d", n)
	}
}

func TestIPConns(t *testing.T) {
	ctx := context.Background()
	l := New(Config{MaxConnsPerIP: 2})
	a := IPKey("192.0.2.1:5000")
	r1, err := l.AcquireIPConn(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AcquireIPConn(ctx, IPKey("192.0.2.1:5001")); err != nil {
		t.Fatalf("second connection from the address: %v", err)
	}
	if _, err := l.AcquireIPConn(ctx, IPKey("192.0.2.1:5002")); !errors.Is(err, ErrTooManyFromIP) {
		t.Fatalf("third connection from the address: %v, want ErrTooManyFromIP", err)
	}
	if _, err := l.AcquireIPConn(ctx, IPKey("192.0.2.2:5000")); err != nil {
		t.Fatalf("another address is limited by the first one's connections: %v", err)
	}
	r1()
	r1()
	if n := l.IPConns(ctx, a); n != 1 {
		t.Fatalf("IPConns after one release (twice) = %d, want 1", n)
	}
	if _, err := l.AcquireIPConn(ctx, a); err != nil {
		t.Fatalf("connection after a release: %v", err)
	}
}

func TestIPKey(t *testing.T) {
	cases := []struct {
		remote, want string
	}{
		{"192.0.2.7:443", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:443", "192.0.2.7"}, // IPv4-mapped: the IPv4 client
		{"[2001:db8:1:2:aaaa::1]:80", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:80", "2001:db8:1:2::/64"}, // same /64, same key
		{"[2001:db8:1:3::1]:80", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"[::1]:80", "::/64"},
		{"not an address", "not an address"},
		{"10.0.0.1", "10.0.0.1"}, // no port
	}
	for _, c := range cases {
		if got := IPKey(c.remote); got != c.want {
			t.Errorf("IPKey(%q) = %q, want %q", c.remote, got, c.want)
		}
	}
}

func TestKeyConnsConcurrent(t *testing.T) {
	ctx := context.Background()
	l := New(Config{MaxConnsPerKey: 5})
	var mu sync.Mutex
	granted, peak := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				r, err := l.AcquireKeyConn(ctx, "k")
				if err != nil {
					continue
				}
				mu.Lock()
				granted++
				peak = max(peak, granted)
				mu.Unlock()
				mu.Lock()
				granted--
				mu.Unlock()
				r()
			}
		}()
	}
	wg.Wait()
	if peak > 5 {
		t.Fatalf("peak concurrent grants %d > limit 5", peak)
	}
	if n := l.KeyConns(ctx, "k"); n != 0 {
		t.Fatalf("leaked %d slots", n)
	}
}

func TestGenerationRate(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	l := New(Config{GenerationsPerMin: 60})
	l.SetClock(func() time.Time { return now })
	for i := 0; i < 60; i++ {
		st, err := l.AllowGeneration(ctx, "k")
		if err != nil {
			t.Fatalf("generation %d refused: %v", i, err)
		}
		if st.Remaining != 59-i {
			t.Fatalf("generation %d: remaining %d, want %d", i, st.Remaining, 59-i)
		}
	}
	st, err := l.AllowGeneration(ctx, "k")
	if !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("61st generation: %v", err)
	}
	if st.RetryIn <= 0 || st.RetryIn > time.Second {
		t.Fatalf("RetryIn = %v, want (0, 1s] at 1 per second", st.RetryIn)
	}
	if _, err := l.AllowGeneration(ctx, "other"); err != nil {
		t.Fatalf("other key limited: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := l.AllowGeneration(ctx, "k"); err != nil {
		t.Fatalf("after a second one token should be back: %v", err)
	}
	if _, err := l.AllowGeneration(ctx, "k"); !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("only one token should have come back: %v", err)
	}
	now = now.Add(time.Hour)
	st, err = l.AllowGeneration(ctx, "k")
	if err != nil || st.Remaining != 59 {
		t.Fatalf("after an hour: remaining %d, err %v; the bucket must cap at 60", st.Remaining, err)
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{MaxConns: -1}).Validate(); err == nil {
		t.Fatal("negative limit accepted")
	}
	if err := (Config{MaxConnsPerIP: -1}).Validate(); err == nil {
		t.Fatal("negative per-address limit accepted")
	}
	if c := (Config{}).WithDefaults(); c.MaxConns != 500 || c.MaxConnsPerKey != 10 || c.GenerationsPerMin != 100 || c.MaxConnsPerIP != 50 || c.MaxConcurrentPerKey != 10 {
		t.Fatalf("defaults = %+v, want the protocol's 500/10/100 and 50 per address", c)
	}
}

func TestKeyRequestsApartFromConns(t *testing.T) {
	ctx := context.Background()
	l := New(Config{MaxConnsPerKey: 1, MaxConcurrentPerKey: 2})
	if _, err := l.AcquireKeyConn(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	r1, err := l.AcquireKeyRequest(ctx, "k")
	if err != nil {
		t.Fatalf("an HTTP synthesis is limited by the key's WebSocket connections: %v", err)
	}
	if _, err := l.AcquireKeyRequest(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AcquireKeyRequest(ctx, "k"); !errors.Is(err, ErrTooManyAtOnce) {
		t.Fatalf("third HTTP synthesis: %v, want ErrTooManyAtOnce", err)
	}
	if n := l.KeyRequests(ctx, "k"); n != 2 {
		t.Fatalf("KeyRequests = %d, want 2", n)
	}
	r1()
	r1()
	if n := l.KeyRequests(ctx, "k"); n != 1 {
		t.Fatalf("KeyRequests after one release (twice) = %d, want 1", n)
	}
	if n := l.KeyConns(ctx, "k"); n != 1 {
		t.Fatalf("KeyConns = %d, want 1", n)
	}
}
