package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// Bearer returns the key of an "Authorization: Bearer KEY" header (the
// scheme in any case), or "" when r has none.
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

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
	// ChargeMany adds each charge to its key's month, all durably in one
	// write.
	ChargeMany(ctx context.Context, charges []store.Charge) error
}

// Accounting admits work for principals: connection slots and generation
// rate through Limiter, and the monthly character quota through
// reservations and charges (see Reserve). It is safe for concurrent use.
type Accounting struct {
	Limiter *limits.Limiter
	Usage   UsageStore
	Now     func() time.Time // nil means time.Now

	mu      sync.Mutex
	ledgers map[string]*ledger // key id → this month's usage and reservations
	commits groupCommit        // charges written together
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
