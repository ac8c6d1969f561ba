package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// countingKeys counts the lookups that reach the store.
type countingKeys struct {
	Keys
	calls int
	fail  error // returned instead of asking the store
}

func (c *countingKeys) Authenticate(ctx context.Context, key string) (Principal, error) {
	c.calls++
	if c.fail != nil {
		return Principal{}, c.fail
	}
	return c.Keys.Authenticate(ctx, key)
}

// TestKeyCacheSeesRevocationWithinTTL revokes a key in the store, as
// `parley keys revoke` does, and checks that the cache answers from
// memory within the TTL and the revocation after it.
func TestKeyCacheSeesRevocationWithinTTL(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	secret, k, err := db.CreateKey(ctx, "dev", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{Keys: Keys{DB: db}}
	c := NewKeyCache(keys, 5*time.Second)
	now := time.Unix(1000, 0)
	c.SetClock(func() time.Time { return now })

	for range 10 {
		if p, err := c.Authenticate(ctx, secret); err != nil || p.KeyID != k.ID {
			t.Fatalf("valid key: %+v, %v", p, err)
		}
	}
	if keys.calls != 1 {
		t.Fatalf("10 checks within the TTL made %d lookups, want 1", keys.calls)
	}
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(4 * time.Second)
	if _, err := c.Authenticate(ctx, secret); err != nil {
		t.Fatalf("within the TTL the cached answer holds: %v", err)
	}
	now = now.Add(time.Second)
	for range 3 {
		if _, err := c.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("after the TTL: %v, want ErrUnauthorized", err)
		}
	}
	if keys.calls != 2 {
		t.Fatalf("%d lookups, want 2 (the refusal is remembered too)", keys.calls)
	}
}

func TestKeyCacheDoesNotRememberFailures(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	secret, _, err := db.CreateKey(ctx, "dev", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("store unavailable")
	keys := &countingKeys{Keys: Keys{DB: db}, fail: down}
	c := NewKeyCache(keys, time.Minute)
	for range 2 {
		if _, err := c.Authenticate(ctx, secret); !errors.Is(err, down) {
			t.Fatalf("failing store: %v", err)
		}
	}
	keys.fail = nil
	if _, err := c.Authenticate(ctx, secret); err != nil {
		t.Fatalf("store back: %v", err)
	}
	if keys.calls != 3 {
		t.Fatalf("%d lookups, want 3: a failure is asked again", keys.calls)
	}
	// A negative TTL remembers nothing.
	keys.calls = 0
	none := NewKeyCache(keys, -1)
	for range 3 {
		if _, err := none.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	if keys.calls != 3 {
		t.Fatalf("%d lookups without a cache, want 3", keys.calls)
	}
}

// TestKeyCacheBounded fills the cache with more keys than it keeps and
// checks that expired answers make room.
func TestKeyCacheBounded(t *testing.T) {
	ctx := context.Background()
	keys := &countingKeys{Keys: Keys{DB: openDB(t)}}
	c := NewKeyCache(keys, time.Second)
	now := time.Unix(1000, 0)
	c.SetClock(func() time.Time { return now })
	for i := range maxCachedKeys + 10 {
		_, _ = c.Authenticate(ctx, fmt.Sprintf("pk_unknown_%d", i))
	}
	if n := len(c.entries); n != maxCachedKeys {
		t.Fatalf("%d entries, want at most %d", n, maxCachedKeys)
	}
	now = now.Add(time.Second)
	_, _ = c.Authenticate(ctx, "pk_unknown_new")
	if n := len(c.entries); n != 1 {
		t.Fatalf("%d entries after the others expired, want 1", n)
	}
}
