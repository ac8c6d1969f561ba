package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parley-voice/parley/store"
)

// Monthly quotas are enforced with reservations, so that concurrent work of
// one key cannot overshoot them, and with charges written as the work is
// done, so that a crash loses little:
//
//   - Work is admitted by reserving characters (Reserve, and Extend for work
//     whose length is learnt as it goes, like a realtime generation). A
//     reservation succeeds only while used + reserved + asked ≤ quota, so
//     the sum of everything admitted never exceeds the quota.
//   - Each segment is charged as soon as it is spoken (Charge): the charge is
//     written to the store before Charge returns (one durable upsert, about
//     0.2 ms with SQLite; the charges of concurrent sessions are written
//     together, in one transaction, by whichever of them comes first: see
//     groupCommit), and moves the characters from reserved to used.
//     A crash therefore loses at most the segments being synthesised at
//     that moment, each of which was reserved but not yet charged.
//   - What was reserved and not spoken is returned by Release.
//
// Usage of the current month is read from the store and kept in memory;
// every charge made through this Accounting updates both, and the memory is
// read again from the store when it is older than RefreshInterval, so that
// refunds (a failed job) and charges made by other processes are seen.
// Reservations live in memory: they bound the work of this process. Another
// process charging the same key (a second node) is seen when the month's
// usage is next loaded; sharing reservations across nodes is the job of a
// shared ledger, not of this one.

// QuotaError is returned when a reservation does not fit in the quota. It
// matches ErrQuotaExceeded with errors.Is.
type QuotaError struct {
	Limit, Remaining int64 // characters this month, and what is left of them
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("monthly character quota exhausted: %d characters left of %d", e.Remaining, e.Limit)
}

// Is makes errors.Is(err, ErrQuotaExceeded) hold.
func (e *QuotaError) Is(target error) bool { return target == ErrQuotaExceeded }

// Hold is characters of one principal's monthly quota set aside for work in
// progress. Its methods are safe for concurrent use. Release must be called
// when the work ends.
type Hold interface {
	// Extend reserves chars more, or fails with a *QuotaError.
	Extend(ctx context.Context, chars int64) error
	// Charge records chars as spoken, durably, taking them from what is
	// reserved (charging more than is reserved is allowed: the work was
	// done). The first charge of a hold also counts one request.
	Charge(ctx context.Context, chars int64) error
	// Release returns what is reserved and not charged. It is idempotent.
	Release()
}

// ledger is one key's month: what the store has counted and what holds of
// this process have reserved. mu serialises its loading and its charges, so
// that a charge can never be lost between a load and the cache.
type ledger struct {
	mu       sync.Mutex
	month    string
	loadedAt time.Time // zero until loaded
	used     int64     // characters charged this month
	held     int64     // characters reserved and not yet charged or released
	pending  int64     // characters in used whose charge is being written
}

// RefreshInterval is how long a key's usage is trusted in memory before it
// is read from the store again.
const RefreshInterval = 10 * time.Second

// ledgerFor returns the ledger of keyID, creating it.
func (a *Accounting) ledgerFor(keyID string) *ledger {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ledgers == nil {
		a.ledgers = make(map[string]*ledger)
	}
	l := a.ledgers[keyID]
	if l == nil {
		l = &ledger{}
		a.ledgers[keyID] = l
	}
	return l
}

// load makes l current for month. Called with l.mu held.
func (a *Accounting) load(ctx context.Context, l *ledger, keyID, month string) error {
	now := a.now()
	if !l.loadedAt.IsZero() && l.month == month && now.Sub(l.loadedAt) < RefreshInterval {
		return nil
	}
	chars, _, err := a.Usage.Usage(ctx, keyID, month)
	if err != nil {
		return fmt.Errorf("auth: reading usage: %w", err)
	}
	// Reservations carry over a change of month: they are charged when the
	// work is done, in the month it is done. Charges still being written
	// are not in what was read (or are, if their write just ended: then
	// they count twice until the next reload, which errs on the safe
	// side).
	if l.month != month {
		l.pending = 0
	}
	l.month, l.loadedAt, l.used = month, now, chars+l.pending
	return nil
}

// reserve takes chars into l.held if they fit. Called with l.mu held.
func (a *Accounting) reserve(ctx context.Context, l *ledger, p Principal, chars int64) error {
	if err := a.load(ctx, l, p.KeyID, store.Month(a.now())); err != nil {
		return err
	}
	if chars < 0 {
		return fmt.Errorf("auth: negative reservation %d", chars)
	}
	if left := p.Plan.MonthlyChars - l.used - l.held; chars > left {
		return &QuotaError{Limit: p.Plan.MonthlyChars, Remaining: max(left, 0)}
	}
	l.held += chars
	return nil
}

// Reserve sets chars of p's monthly quota aside, or fails with a
// *QuotaError when they do not fit. Release the hold when the work ends.
func (a *Accounting) Reserve(ctx context.Context, p Principal, chars int64) (Hold, error) {
	l := a.ledgerFor(p.KeyID)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := a.reserve(ctx, l, p, chars); err != nil {
		return nil, err
	}
	return &hold{a: a, l: l, p: p, left: chars}, nil
}

// ChargeWith charges chars to p at once if they fit in the quota, with
// write making the charge durable, for work paid for when it is accepted
// (an async job, charged in the transaction that queues it). write gets the
// month to charge; if it fails, nothing is charged. Refunds happen in the
// store and are seen here within RefreshInterval.
func (a *Accounting) ChargeWith(ctx context.Context, p Principal, chars int64, write func(ctx context.Context, month string) error) error {
	l := a.ledgerFor(p.KeyID)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := a.reserve(ctx, l, p, chars); err != nil {
		return err
	}
	l.held -= chars
	month := l.month
	if err := write(ctx, month); err != nil {
		return err
	}
	l.used += chars
	return nil
}

// Forget makes the next use of keyID's quota read its usage from the store,
// after a change made there (a refund) that should show at once.
func (a *Accounting) Forget(keyID string) {
	l := a.ledgerFor(keyID)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.loadedAt = time.Time{}
}

// Remaining returns the characters p may still reserve this month.
func (a *Accounting) Remaining(ctx context.Context, p Principal) (int64, error) {
	l := a.ledgerFor(p.KeyID)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := a.load(ctx, l, p.KeyID, store.Month(a.now())); err != nil {
		return 0, err
	}
	return max(p.Plan.MonthlyChars-l.used-l.held, 0), nil
}

type hold struct {
	a *Accounting
	l *ledger
	p Principal
	// Guarded by l.mu.
	left    int64 // reserved and not yet charged
	charged bool  // a request has been counted
}

func (h *hold) Extend(ctx context.Context, chars int64) error {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	if err := h.a.reserve(ctx, h.l, h.p, chars); err != nil {
		return err
	}
	h.left += chars
	return nil
}

func (h *hold) Charge(ctx context.Context, chars int64) error {
	if chars < 0 {
		return fmt.Errorf("auth: negative charge %d", chars)
	}
	l := h.l
	l.mu.Lock()
	var requests int64
	if !h.charged {
		requests = 1
	}
	// Whether or not the write succeeds, the characters were spoken: they
	// leave the reservation and count in memory at once, so that this
	// process keeps enforcing the quota; until they are written they are
	// pending, which a reload of the month's usage adds back.
	taken := min(chars, h.left)
	h.left -= taken
	l.held -= taken
	month := store.Month(h.a.now())
	current := !l.loadedAt.IsZero() && l.month == month
	if current {
		l.used += chars
		l.pending += chars
	}
	h.charged = true
	l.mu.Unlock()
	// The write must happen even when the caller's context ends: the
	// audio was made.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), chargeTimeout)
	defer cancel()
	err := h.a.commits.do(store.Charge{KeyID: h.p.KeyID, Month: month, Chars: chars, Requests: requests}, func(cs []store.Charge) error {
		return h.a.Usage.ChargeMany(wctx, cs)
	})
	if current {
		l.mu.Lock()
		if l.month == month { // a new month started without it
			l.pending -= chars
		}
		l.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("auth: recording %d characters: %w", chars, err)
	}
	return nil
}

// chargeTimeout bounds the write of a charge.
const chargeTimeout = 5 * time.Second

func (h *hold) Release() {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	h.l.held -= h.left
	h.left = 0
}

// now returns the accounting clock's time.
func (a *Accounting) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
