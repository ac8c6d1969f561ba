package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// Authenticator maps API keys to principals; Keys is the store's.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (Principal, error)
}

// DefaultRecheckTTL is how long a KeyCache trusts an answer by default: a
// revoked key keeps speaking on an open socket at most this long after
// its revocation (and until its session next starts a generation).
const DefaultRecheckTTL = 5 * time.Second

// maxCachedKeys is the size beyond which a KeyCache drops its expired
// entries on every miss: open sessions re-check only keys that once
// passed, so the map stays near the number of keys in use.
const maxCachedKeys = 4096

// KeyCache re-checks the keys of open sessions, so that a revoked key stops
// working on sockets opened before its revocation. It remembers each
// answer, success or ErrUnauthorized, for a TTL, keyed by the key's
// SHA-256, so that a busy session costs its store at most one lookup per
// TTL however often it asks. Other errors (the store failing) are not
// remembered. It is safe for concurrent use.
type KeyCache struct {
	keys Authenticator
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cached
}

type cached struct {
	p   Principal
	err error // nil or ErrUnauthorized
	at  time.Time
}

// NewKeyCache returns a cache of keys' answers for ttl (DefaultRecheckTTL
// when 0; a negative ttl remembers nothing).
func NewKeyCache(keys Authenticator, ttl time.Duration) *KeyCache {
	if ttl == 0 {
		ttl = DefaultRecheckTTL
	}
	return &KeyCache{keys: keys, ttl: ttl, now: time.Now, entries: make(map[[sha256.Size]byte]cached)}
}

// SetClock replaces the clock, for tests.
func (c *KeyCache) SetClock(now func() time.Time) { c.now = now }

// Authenticate answers as the underlying Authenticator did within the TTL,
// or asks it again.
func (c *KeyCache) Authenticate(ctx context.Context, key string) (Principal, error) {
	h := sha256.Sum256([]byte(key))
	c.mu.Lock()
	e, ok := c.entries[h]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.p, e.err
	}
	// Asked without the lock: a lookup must not hold up other keys.
	p, err := c.keys.Authenticate(ctx, key)
	if err != nil && !errors.Is(err, ErrUnauthorized) {
		return p, err
	}
	if c.ttl < 0 {
		return p, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= maxCachedKeys {
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedKeys {
			return p, err // all fresh: this one is asked again next time
		}
	}
	c.entries[h] = cached{p: p, err: err, at: now}
	return p, err
}
