package limits

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testinfra"
)

// events records OnChange calls.
type events struct {
	mu   sync.Mutex
	ups  []bool
	errs []error
}

func (e *events) record(up bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ups = append(e.ups, up)
	e.errs = append(e.errs, err)
}

func (e *events) list() []bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bool(nil), e.ups...)
}

// node opens a Limiter on r, closed when the test ends.
func node(t *testing.T, r *testinfra.Redis, cfg Config, rc RedisConfig) *Limiter {
	t.Helper()
	rc.URL = r.URL()
	l, err := Open(cfg, rc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if !l.Shared().Up {
		t.Fatalf("a node on a running Redis does not share counts: %v", l.Shared().Err)
	}
	return l
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
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

// TestSharedSlotsAcrossNodes: whichever node a connection arrives at, a
// key's 11th is refused; the kinds of slot are counted apart.
func TestSharedSlotsAcrossNodes(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	cfg := Config{MaxConnsPerKey: 10, MaxConnsPerIP: 4, MaxConcurrentPerKey: 3}
	nodes := []*Limiter{node(t, r, cfg, RedisConfig{}), node(t, r, cfg, RedisConfig{})}

	kinds := []struct {
		name    string
		limit   int
		acquire func(*Limiter) (func(), error)
		count   func(*Limiter) int
		full    error
	}{
		{"key connections", 10, func(l *Limiter) (func(), error) { return l.AcquireKeyConn(ctx, "k") },
			func(l *Limiter) int { return l.KeyConns(ctx, "k") }, ErrTooManyConns},
		{"address connections", 4, func(l *Limiter) (func(), error) { return l.AcquireIPConn(ctx, "192.0.2.1") },
			func(l *Limiter) int { return l.IPConns(ctx, "192.0.2.1") }, ErrTooManyFromIP},
		{"HTTP syntheses", 3, func(l *Limiter) (func(), error) { return l.AcquireKeyRequest(ctx, "k") },
			func(l *Limiter) int { return l.KeyRequests(ctx, "k") }, ErrTooManyAtOnce},
	}
	for _, k := range kinds {
		var rel []func()
		for i := range k.limit {
			release, err := k.acquire(nodes[i%2])
			if err != nil {
				t.Fatalf("%s: grant %d on node %d: %v", k.name, i+1, i%2, err)
			}
			rel = append(rel, release)
		}
		for i, n := range nodes {
			if _, err := k.acquire(n); !errors.Is(err, k.full) {
				t.Fatalf("%s: one beyond the limit on node %d: %v, want %v", k.name, i, err, k.full)
			}
			if got := k.count(n); got != k.limit {
				t.Fatalf("%s: node %d counts %d, want %d", k.name, i, got, k.limit)
			}
		}
		rel[0]() // taken on node 0
		rel[0]() // idempotent
		if _, err := k.acquire(nodes[1]); err != nil {
			t.Fatalf("%s: node 1 after a release on node 0: %v", k.name, err)
		}
		if _, err := k.acquire(nodes[0]); !errors.Is(err, k.full) {
			t.Fatalf("%s: full again, node 0: %v", k.name, err)
		}
	}
	// Other keys and addresses are untouched.
	if _, err := nodes[0].AcquireKeyConn(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].AcquireIPConn(ctx, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
}

// TestSharedSlotsConcurrent races two nodes for one key's slots: at no
// moment do more than the limit hold one, and every release is counted.
func TestSharedSlotsConcurrent(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	cfg := Config{MaxConnsPerKey: 5}
	nodes := []*Limiter{node(t, r, cfg, RedisConfig{}), node(t, r, cfg, RedisConfig{})}
	var held, peak, granted atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				release, err := nodes[g%2].AcquireKeyConn(ctx, "k")
				if err != nil {
					continue
				}
				granted.Add(1)
				n := held.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				held.Add(-1)
				release()
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 5 {
		t.Fatalf("%d held at once, limit 5", peak.Load())
	}
	if granted.Load() < 50 {
		t.Fatalf("only %d of 800 attempts granted", granted.Load())
	}
	for i, n := range nodes {
		if c := n.KeyConns(ctx, "k"); c != 0 {
			t.Fatalf("node %d counts %d after every release", i, c)
		}
	}
}

// TestSharedRateExact: a key's generations per minute are one budget,
// whichever node they start on.
func TestSharedRateExact(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	// 10 a minute: one token comes back every 6 s, far longer than the test.
	cfg := Config{GenerationsPerMin: 10}
	nodes := []*Limiter{node(t, r, cfg, RedisConfig{}), node(t, r, cfg, RedisConfig{})}
	for i := range 10 {
		st, err := nodes[i%2].AllowGeneration(ctx, "k")
		if err != nil {
			t.Fatalf("generation %d on node %d: %v", i+1, i%2, err)
		}
		if st.Remaining != 9-i || st.Limit != 10 {
			t.Fatalf("generation %d: %+v, want %d remaining of 10", i+1, st, 9-i)
		}
	}
	for i, n := range nodes {
		st, err := n.AllowGeneration(ctx, "k")
		if !errors.Is(err, ErrTooManyRequests) {
			t.Fatalf("11th generation on node %d: %v", i, err)
		}
		if st.RetryIn <= 0 || st.RetryIn > 6*time.Second || st.Reset < 50*time.Second {
			t.Fatalf("refused state %+v: want a retry within 6 s and a reset near a minute", st)
		}
	}
	if _, err := nodes[1].AllowGeneration(ctx, "other"); err != nil {
		t.Fatalf("another key is limited: %v", err)
	}
}

// TestDeadNodeLeasesExpire: a node that stops without releasing (its
// heartbeat stops, as when the process is killed) stops counting within
// LeaseTTL; a live node's leases outlive many TTLs.
func TestDeadNodeLeasesExpire(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	const ttl = 2 * time.Second
	rc := RedisConfig{LeaseTTL: ttl, Heartbeat: ttl / 8}
	cfg := Config{MaxConnsPerKey: 10}
	dying, live := node(t, r, cfg, rc), node(t, r, cfg, rc)
	for range 6 {
		if _, err := dying.AcquireKeyConn(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		if _, err := live.AcquireKeyConn(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	dying.Close()
	died := time.Now()
	if n := live.KeyConns(ctx, "k"); n != 10 {
		t.Fatalf("right after the death: %d counted, want 10 (leases run out, they are not dropped)", n)
	}
	if _, err := live.AcquireKeyConn(ctx, "k"); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("before the leases run out: %v, want ErrTooManyConns", err)
	}
	eventually(t, ttl+time.Second, "the dead node's leases expire", func() bool { return live.KeyConns(ctx, "k") == 4 })
	t.Logf("dead node's 6 holdings gone %v after it stopped (lease TTL %v)", time.Since(died).Round(time.Millisecond), ttl)
	// The live node's own leases are renewed: two TTLs later they count.
	time.Sleep(2 * ttl)
	if n := live.KeyConns(ctx, "k"); n != 4 {
		t.Fatalf("the live node's holdings: %d after 2 TTLs, want 4", n)
	}
}

// TestRedisOutage: with Redis stopped, nodes count alone (this node's
// holdings, the limit per node), say so once, and when Redis is back
// (empty) write their holdings back and share counts again.
func TestRedisOutage(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	rc := RedisConfig{LeaseTTL: 2 * time.Second, Heartbeat: 100 * time.Millisecond, Timeout: 200 * time.Millisecond}
	cfg := Config{MaxConnsPerKey: 10, GenerationsPerMin: 1000}
	var evA events
	rcA := rc
	rcA.OnChange = evA.record
	a, b := node(t, r, cfg, rcA), node(t, r, cfg, rc)
	var relA []func()
	for range 3 {
		rel, err := a.AcquireKeyConn(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		relA = append(relA, rel)
	}

	r.Stop()
	// a counts alone: its 3 and 7 more make its 10.
	for i := range 7 {
		rel, err := a.AcquireKeyConn(ctx, "k")
		if err != nil {
			t.Fatalf("local grant %d during the outage: %v", i+1, err)
		}
		relA = append(relA, rel)
	}
	if _, err := a.AcquireKeyConn(ctx, "k"); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("11th on a during the outage: %v, want the local limit", err)
	}
	if _, err := a.AllowGeneration(ctx, "k"); err != nil {
		t.Fatalf("generation during the outage: %v", err)
	}
	if st := a.Shared(); !st.Enabled || st.Up || st.Err == nil {
		t.Fatalf("status during the outage: %+v", st)
	}
	if got := evA.list(); len(got) != 1 || got[0] {
		t.Fatalf("OnChange calls during the outage: %v, want one (down)", got)
	}
	// b, alone too, admits its own 10: the price of serving through an
	// outage.
	for i := range 10 {
		if _, err := b.AcquireKeyConn(ctx, "k"); err != nil {
			t.Fatalf("b's local grant %d: %v", i+1, err)
		}
	}

	r.Start() // empty: no persistence
	eventually(t, 5*time.Second, "a shares again", func() bool { return a.Shared().Up })
	eventually(t, 5*time.Second, "b shares again", func() bool { return b.Shared().Up })
	if got := evA.list(); len(got) != 2 || got[0] || !got[1] {
		t.Fatalf("OnChange calls: %v, want down then up, once each", got)
	}
	// Both wrote their holdings back: 20 open connections, over the limit
	// until enough end.
	if n := a.KeyConns(ctx, "k"); n != 20 {
		t.Fatalf("after the outage a counts %d, want both nodes' 20", n)
	}
	if _, err := b.AcquireKeyConn(ctx, "k"); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("after the outage, over the limit: %v", err)
	}
	for _, rel := range relA {
		rel()
	}
	if n := b.KeyConns(ctx, "k"); n != 10 {
		t.Fatalf("after a's releases b counts %d, want its own 10", n)
	}
}

// TestRedisHangs: a Redis that stops answering (SIGSTOP) costs a caller
// at most the Timeout once; the node then counts alone until it answers.
func TestRedisHangs(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	const timeout = 200 * time.Millisecond
	l := node(t, r, Config{}, RedisConfig{LeaseTTL: 2 * time.Second, Heartbeat: 100 * time.Millisecond, Timeout: timeout})
	r.Pause()
	start := time.Now()
	rel, err := l.AcquireKeyConn(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > timeout+time.Second {
		t.Fatalf("acquire took %v with Redis hung, timeout %v", d, timeout)
	}
	start = time.Now()
	for range 20 {
		if _, err := l.AllowGeneration(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > timeout {
		t.Fatalf("20 generations took %v: a node that knows Redis is down must not wait for it", d)
	}
	r.Resume()
	eventually(t, 3*time.Second, "shared again", func() bool { return l.Shared().Up })
	if n := l.KeyConns(ctx, "k"); n != 1 {
		t.Fatalf("after Redis answers again: %d counted, want the 1 held", n)
	}
	rel()
}

// TestLostLeasesWrittenBack: Redis restarts empty between two heartbeats;
// the next heartbeat finds the leases gone and writes back those still
// held, and no released one.
func TestLostLeasesWrittenBack(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	rc := RedisConfig{LeaseTTL: 5 * time.Second, Heartbeat: 200 * time.Millisecond}
	a, b := node(t, r, Config{}, rc), node(t, r, Config{}, rc)
	var rel []func()
	for range 4 {
		release, err := a.AcquireIPConn(ctx, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		rel = append(rel, release)
	}
	r.Stop()
	r.Start()
	rel[0]()
	eventually(t, 3*time.Second, "leases written back", func() bool { return b.IPConns(ctx, "192.0.2.1") == 3 })
	time.Sleep(3 * rc.Heartbeat)
	if n := b.IPConns(ctx, "192.0.2.1"); n != 3 {
		t.Fatalf("%d counted, want the 3 still held", n)
	}
}

// TestNoPhantomsAfterChurn: connections come and go on two nodes while
// Redis restarts twice; once all are released, Redis counts none at once
// (a lease brought back after its release would count until it expired).
func TestNoPhantomsAfterChurn(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	rc := RedisConfig{LeaseTTL: 30 * time.Second, Heartbeat: 20 * time.Millisecond, Timeout: 200 * time.Millisecond}
	cfg := Config{MaxConnsPerKey: 1000}
	nodes := []*Limiter{node(t, r, cfg, rc), node(t, r, cfg, rc)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var held []func()
			defer func() {
				for _, rel := range held {
					rel()
				}
			}()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rel, err := nodes[g%2].AcquireKeyConn(ctx, "k")
				if err != nil {
					t.Error(err)
					return
				}
				held = append(held, rel)
				if len(held) > 5 {
					held[0]()
					held = held[1:]
				}
			}
		}()
	}
	for range 2 {
		time.Sleep(200 * time.Millisecond)
		r.Stop()
		time.Sleep(100 * time.Millisecond)
		r.Start()
	}
	eventually(t, 3*time.Second, "both nodes share again", func() bool { return nodes[0].Shared().Up && nodes[1].Shared().Up })
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	fresh := node(t, r, cfg, rc)
	if n := fresh.KeyConns(ctx, "k"); n != 0 {
		t.Fatalf("%d leases counted after every connection was released", n)
	}
}

func TestRedisConfigValidate(t *testing.T) {
	for _, bad := range []RedisConfig{
		{URL: "http://localhost:6379"},
		{URL: "redis://localhost:6379", LeaseTTL: time.Second, Heartbeat: time.Second},
		{URL: "redis://localhost:6379", LeaseTTL: -time.Second},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := Open(Config{}, RedisConfig{URL: "redis//nope"}); err == nil {
		t.Error("Open accepted a malformed URL")
	}
	l, err := Open(Config{}, RedisConfig{})
	if err != nil || l.Shared().Enabled {
		t.Fatalf("Open without a URL: %v, %+v; want a node that counts alone", err, l.Shared())
	}
	l.Close()
}

// TestOpenWithRedisDown: a node starts with Redis unreachable, counts
// alone, and shares once Redis is there.
func TestOpenWithRedisDown(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	r.Stop()
	var ev events
	l, err := Open(Config{}, RedisConfig{URL: r.URL(), LeaseTTL: time.Second, Heartbeat: 100 * time.Millisecond, OnChange: ev.record})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Shared().Up {
		t.Fatal("up with Redis stopped")
	}
	rel, err := l.AcquireKeyConn(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	r.Start()
	eventually(t, 2*time.Second, "shared once Redis runs", func() bool { return l.Shared().Up })
	if got := ev.list(); len(got) != 2 || got[0] || !got[1] {
		t.Fatalf("OnChange calls %v, want down then up", got)
	}
	other := node(t, r, Config{}, RedisConfig{})
	if n := other.KeyConns(ctx, "k"); n != 1 {
		t.Fatalf("the holding taken before Redis ran: %d counted by another node, want 1", n)
	}
}

// BenchmarkAcquireRelease measures one connection's admission and release:
// in memory, and through Redis on loopback (two round trips).
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	r := testinfra.StartRedis(b, testinfra.RedisOptions{})
	shared, err := Open(Config{MaxConnsPerKey: 1 << 30}, RedisConfig{URL: r.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer shared.Close()
	for name, l := range map[string]*Limiter{"memory": New(Config{MaxConnsPerKey: 1 << 30}), "redis": shared} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				rel, err := l.AcquireKeyConn(ctx, "k")
				if err != nil {
					b.Fatal(err)
				}
				rel()
			}
		})
	}
}

// BenchmarkAllowGeneration measures one rate check, in memory and in Redis.
func BenchmarkAllowGeneration(b *testing.B) {
	ctx := context.Background()
	r := testinfra.StartRedis(b, testinfra.RedisOptions{})
	cfg := Config{GenerationsPerMin: 1 << 30}
	shared, err := Open(cfg, RedisConfig{URL: r.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer shared.Close()
	for name, l := range map[string]*Limiter{"memory": New(cfg), "redis": shared} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := l.AllowGeneration(ctx, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
