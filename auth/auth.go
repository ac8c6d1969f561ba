package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/plan"
	"github.com/parley-voice/parley/store"
)

// Principal is who a request acts for.
type Principal struct {
	KeyID     string
	AccountID string
	Plan      plan.Plan
}

// Errors callers map to 401/4002 and 429/4004.
var (
	ErrUnauthorized  = errors.New("auth: missing, unknown or revoked API key")
	ErrQuotaExceeded = errors.New("auth: monthly character quota exhausted")
)

// Keys looks keys up in the store.
type Keys struct{ DB *store.DB }

// Authenticate returns the principal of key, or ErrUnauthorized.
func (k Keys) Authenticate(ctx context.Context, key string) (Principal, error) {
	sk, err := k.DB.Authenticate(ctx, key)
	switch {
	case errors.Is(err, store.ErrUnknownKey), errors.Is(err, store.ErrRevoked):
		return Principal{}, ErrUnauthorized
	case err != nil:
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	return PrincipalOf(sk)
}

// PrincipalOf returns the principal of a stored key (which may be revoked:
// a job accepted before a revocation still runs).
func PrincipalOf(k store.Key) (Principal, error) {
	p, ok := plan.Lookup(k.Plan)
	if !ok {
		return Principal{}, fmt.Errorf("auth: key %s has unknown plan %q", k.ID, k.Plan)
	}
	return Principal{KeyID: k.ID, AccountID: k.AccountID, Plan: p}, nil
}

// UsageStore is the part of the store that accounting needs.
type UsageStore interface {
	Usage(ctx context.Context, keyID, month string) (chars, requests int64, err error)
	AddUsage(ctx context.Context, keyID, month string, chars int64) error
}

// Accounting admits work for principals. Usage of the current month is read
// from the store once per key and then kept in memory, so that admission
// costs no query; every charge is written through to the store.
type Accounting struct {
	Limiter *limits.Limiter
	Usage   UsageStore
	Now     func() time.Time // nil means time.Now

	mu    sync.Mutex
	month string
	cache map[string]int64 // key id → characters this month
}

func (a *Accounting) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// AcquireConn takes one of the key's connection slots.
func (a *Accounting) AcquireConn(ctx context.Context, p Principal) (func(), error) {
	return a.Limiter.AcquireKeyConn(ctx, p.KeyID)
}

// AllowGeneration applies the key's generation rate.
func (a *Accounting) AllowGeneration(ctx context.Context, p Principal) error {
	_, err := a.Limiter.AllowGeneration(ctx, p.KeyID)
	return err
}

// Remaining returns the characters p may still synthesise this month.
func (a *Accounting) Remaining(ctx context.Context, p Principal) (int64, error) {
	used, err := a.used(ctx, p.KeyID)
	if err != nil {
		return 0, err
	}
	if r := p.Plan.MonthlyChars - used; r > 0 {
		return r, nil
	}
	return 0, nil
}

// Record charges chars to p in the current month.
func (a *Accounting) Record(ctx context.Context, p Principal, chars int64) error {
	month := store.Month(a.now())
	if err := a.Usage.AddUsage(ctx, p.KeyID, month, chars); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.cache[p.KeyID]; ok && a.month == month {
		a.cache[p.KeyID] += chars
	}
	return nil
}

func (a *Accounting) used(ctx context.Context, keyID string) (int64, error) {
	month := store.Month(a.now())
	a.mu.Lock()
	if a.month != month || a.cache == nil {
		a.month, a.cache = month, make(map[string]int64)
	}
	n, ok := a.cache[keyID]
	a.mu.Unlock()
	if ok {
		return n, nil
	}
	chars, _, err := a.Usage.Usage(ctx, keyID, month)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.month == month {
		if cur, ok := a.cache[keyID]; ok {
			return cur, nil // a concurrent caller loaded it (and may have charged since)
		}
		a.cache[keyID] = chars
	}
	return chars, nil
}
