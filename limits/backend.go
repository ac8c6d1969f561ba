package limits

import (
	"context"
	"sync"
	"time"
)

// backend counts leases on slots and takes tokens from rate buckets. This
// node's memory is one; Redis, shared by every node, is the other. The
// Limiter chooses between them per call (see acquire).
type backend interface {
	// acquire adds holder to s unless s has limit holders already.
	acquire(ctx context.Context, s slot, limit int, holder string) (bool, error)
	release(ctx context.Context, s slot, holder string) error
	count(ctx context.Context, s slot) (int, error)
	// take takes one token from key's bucket of perMin tokens refilled
	// evenly over a minute, and returns the tokens left and whether one
	// was taken.
	take(ctx context.Context, key string, perMin int) (tokens float64, ok bool, err error)
}

var (
	_ backend = (*memory)(nil)
	_ backend = (*redisBackend)(nil)
)

// memory is one node's counts: the whole story without Redis, and with
// Redis the record of this node's own holdings (renewed by the heartbeat,
// written back after an outage) and its stand-in while Redis is down. Its
// methods never fail.
type memory struct {
	now func() time.Time

	mu      sync.Mutex
	held    map[slot]map[string]struct{}
	buckets map[string]*bucket
}

func newMemory() *memory {
	return &memory{now: time.Now, held: make(map[slot]map[string]struct{}), buckets: make(map[string]*bucket)}
}

func (m *memory) acquire(_ context.Context, s slot, limit int, holder string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.held[s]) >= limit {
		return false, nil
	}
	m.addLocked(s, holder)
	return true, nil
}

// add records a holding granted elsewhere (by Redis), whatever the count.
func (m *memory) add(s slot, holder string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(s, holder)
}

func (m *memory) addLocked(s slot, holder string) {
	hs := m.held[s]
	if hs == nil {
		hs = make(map[string]struct{})
		m.held[s] = hs
	}
	hs[holder] = struct{}{}
}

func (m *memory) release(_ context.Context, s slot, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if hs := m.held[s]; hs != nil {
		delete(hs, holder)
		if len(hs) == 0 {
			delete(m.held, s)
		}
	}
	return nil
}

func (m *memory) count(_ context.Context, s slot) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.held[s]), nil
}

// holds reports whether holder still holds s.
func (m *memory) holds(s slot, holder string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.held[s][holder]
	return ok
}

// holdings returns a copy of every holding.
func (m *memory) holdings() map[slot][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[slot][]string, len(m.held))
	for s, hs := range m.held {
		for h := range hs {
			out[s] = append(out[s], h)
		}
	}
	return out
}

func (m *memory) take(_ context.Context, key string, perMin int) (float64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	capacity := float64(perMin)
	rate := capacity / float64(time.Minute) // tokens per ns
	b := m.buckets[key]
	if b == nil {
		b = &bucket{tokens: capacity, at: now}
		m.buckets[key] = b
	}
	b.refill(now, rate, capacity)
	if b.tokens < 1 {
		return b.tokens, false, nil
	}
	b.tokens--
	tokens := b.tokens
	m.gcBuckets(now, rate, capacity)
	return tokens, true, nil
}

// gcBuckets drops full buckets once the map is large, so that it does not
// grow with every key ever seen.
func (m *memory) gcBuckets(now time.Time, rate, capacity float64) {
	if len(m.buckets) < 1024 {
		return
	}
	for k, b := range m.buckets {
		b.refill(now, rate, capacity)
		if b.tokens >= capacity {
			delete(m.buckets, k)
		}
	}
}

type bucket struct {
	tokens float64
	at     time.Time
}

func (b *bucket) refill(now time.Time, rate, max float64) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens += float64(d) * rate
		if b.tokens > max {
			b.tokens = max
		}
		b.at = now
	}
}
