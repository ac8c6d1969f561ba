package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parley-voice/parley/limits"
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
// One node (no Redis): usage of the current month is read from the store
// and kept in memory; every charge made through this Accounting updates
// both, and the memory is read again from the store when it is older than
// RefreshInterval, so that refunds (a failed job) and charges made by other
// processes are seen. Reservations live in memory: they bound the work of
// this process.
//
// Several nodes (a Limiter opened with Redis): reservations are made in a
// ledger in Redis that every node shares (limits.CharHold), which checks
// used + held + asked ≤ quota and takes the characters in one script, so
// that nodes racing at the edge of a quota admit exactly what fits,
// whichever node each request reaches. Every charge raises the ledger's
// used count as well as being written to the store, which stays the truth
// for billing: the ledger starts from the store's usage the first time a
// month is used (and again if Redis loses it), and is compared with the
// store every limits.RedisConfig.Resync (10 s), so that refunds and charges
// made without Redis show. Holds are leases renewed by the node's
// heartbeat: a node that dies gives its holds back within the lease TTL
// (15 s). Each hold is also kept in this node's ledger, which takes over
// while Redis is unreachable.
//
// Redis unreachable: each node counts alone, as one node does, against the
// usage in the store (at most RefreshInterval old: it includes what the
// other nodes had charged by then) and its own holds. The other nodes'
// holds are not seen, so N nodes may together admit up to N times what was
// left of a quota when Redis went away, plus what is charged elsewhere
// within one RefreshInterval. When Redis answers again the node writes its
// holds back (even where that puts a key over its quota: the work is under
// way) and marks the months it charged meanwhile to be compared with the
// store at their next reservation.

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
	if left := p.Plan.MonthlyChars - l.used - l.held; chars > left {
		return &QuotaError{Limit: p.Plan.MonthlyChars, Remaining: max(left, 0)}
	}
	l.held += chars
	return nil
}

// Reserve sets chars of p's monthly quota aside, or fails with a
// *QuotaError when they do not fit. Release the hold when the work ends.
func (a *Accounting) Reserve(ctx context.Context, p Principal, chars int64) (Hold, error) {
	h := a.newHold(p)
	if err := h.reserve(ctx, chars); err != nil {
		h.Release()
		return nil, err
	}
	return h, nil
}

// newHold starts an empty hold of p's month: with Redis, a lease in the
// shared ledger too.
func (a *Accounting) newHold(p Principal) *hold {
	month := store.Month(a.now())
	h := &hold{a: a, l: a.ledgerFor(p.KeyID), p: p, month: month}
	if a.shared() {
		h.sh = a.Limiter.CharHold(limits.CharMonth{Key: p.KeyID, Month: month})
	}
	return h
}

// shared reports whether quotas are counted in Redis, with every node
// (while it answers).
func (a *Accounting) shared() bool {
	return a.Limiter != nil && a.Limiter.Shared().Enabled
}

// ChargeWith charges chars to p at once if they fit in the quota, with
// write making the charge durable, for work paid for when it is accepted
// (an async job, charged in the transaction that queues it). write gets the
// month to charge; if it fails, nothing is charged. Refunds happen in the
// store and are seen here within RefreshInterval.
func (a *Accounting) ChargeWith(ctx context.Context, p Principal, chars int64, write func(ctx context.Context, month string) error) error {
	h := a.newHold(p)
	defer h.Release()
	if err := h.reserve(ctx, chars); err != nil {
		return err
	}
	// Counted in the shared ledger before the write, as a charge still
	// unconfirmed, so that a sync reading the store meanwhile cannot
	// count it twice; taken back if the write fails.
	var ref limits.ChargeRef
	if h.sh != nil {
		ref = h.sh.Charge(ctx, h.month, chars, true)
	}
	if err := write(ctx, h.month); err != nil {
		a.Limiter.Uncharge(ref)
		return err
	}
	if h.sh != nil {
		a.Limiter.CharsWritten(ref)
	}
	h.counted(ctx, h.month, chars, false, false)
	return nil
}

// Forget makes the next use of keyID's quota read its usage from the
// store, after a change made there (a refund) that should show at once;
// with Redis, the shared ledger of the month is synced with the store now.
func (a *Accounting) Forget(ctx context.Context, keyID string) {
	l := a.ledgerFor(keyID)
	l.mu.Lock()
	l.loadedAt = time.Time{}
	l.mu.Unlock()
	if a.shared() {
		// A sync that fails leaves the periodic one (RedisConfig.Resync).
		_ = a.syncShared(ctx, limits.CharMonth{Key: keyID, Month: store.Month(a.now())}, false)
	}
}

// Remaining returns the characters p may still reserve this month.
func (a *Accounting) Remaining(ctx context.Context, p Principal) (int64, error) {
	if a.shared() {
		m := limits.CharMonth{Key: p.KeyID, Month: store.Month(a.now())}
		used, held, err := a.Limiter.CharsUsed(ctx, m)
		if errors.Is(err, limits.ErrUnsynced) {
			if err = a.syncShared(ctx, m, true); err == nil {
				used, held, err = a.Limiter.CharsUsed(ctx, m)
			}
		}
		if err == nil {
			return max(p.Plan.MonthlyChars-used-held, 0), nil
		}
		if !errors.Is(err, limits.ErrNotShared) && !errors.Is(err, limits.ErrUnsynced) {
			return 0, err
		}
	}
	l := a.ledgerFor(p.KeyID)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := a.load(ctx, l, p.KeyID, store.Month(a.now())); err != nil {
		return 0, err
	}
	return max(p.Plan.MonthlyChars-l.used-l.held, 0), nil
}

// reserveShared reserves chars in the shared ledger. Its errors are a
// *QuotaError, limits.ErrNotShared (count alone) and ctx's.
func (a *Accounting) reserveShared(ctx context.Context, sh *limits.CharHold, p Principal, chars int64) error {
	limit := p.Plan.MonthlyChars
	g, err := sh.Reserve(ctx, limit, chars)
	if errors.Is(err, limits.ErrUnsynced) {
		// The month's first use, or Redis lost it: it starts from the
		// store.
		if err := a.syncShared(ctx, sh.Month(), true); err != nil {
			return notShared(err)
		}
		g, err = sh.Reserve(ctx, limit, chars)
	}
	if err != nil {
		return notShared(err)
	}
	if g.Resync {
		// Refunds and charges that bypassed Redis since the last sync
		// show from now on; a refused reservation asks again with them.
		if a.syncShared(ctx, sh.Month(), false) == nil && !g.OK {
			if again, err := sh.Reserve(ctx, limit, chars); err == nil {
				g = again
			}
		}
	}
	if !g.OK {
		return &QuotaError{Limit: limit, Remaining: max(g.Left, 0)}
	}
	return nil
}

// notShared makes a failure to use the shared ledger (Redis, or the store
// read that seeds it) a reason to count alone, unless it is the caller's
// context ending.
func notShared(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, limits.ErrNotShared) {
		return err
	}
	return fmt.Errorf("%w: %w", limits.ErrNotShared, err)
}

// syncShared sets m's shared usage from the store (limits.SyncChars): with
// seed, only if the ledger lacks it.
func (a *Accounting) syncShared(ctx context.Context, m limits.CharMonth, seed bool) error {
	return a.Limiter.SyncChars(ctx, m, seed, func(ctx context.Context) (int64, error) {
		chars, _, err := a.Usage.Usage(ctx, m.Key, m.Month)
		if err != nil {
			return 0, fmt.Errorf("auth: reading usage: %w", err)
		}
		return chars, nil
	})
}

type hold struct {
	a     *Accounting
	l     *ledger
	p     Principal
	month string           // when it was taken: the month it reserves in
	sh    *limits.CharHold // its lease in the shared ledger; nil without Redis
	// Guarded by l.mu.
	left    int64 // reserved and not yet charged
	charged bool  // a request has been counted
}

// reserve takes chars more for the hold: from the shared ledger while
// Redis answers, else from this node's own count.
func (h *hold) reserve(ctx context.Context, chars int64) error {
	if chars < 0 {
		return fmt.Errorf("auth: negative reservation %d", chars)
	}
	l := h.l
	if h.sh != nil {
		err := h.a.reserveShared(ctx, h.sh, h.p, chars)
		if err == nil {
			// This node's ledger keeps its own holds, for when it
			// counts alone.
			l.mu.Lock()
			l.held += chars
			h.left += chars
			l.mu.Unlock()
			return nil
		}
		if !errors.Is(err, limits.ErrNotShared) {
			return err
		}
	}
	l.mu.Lock()
	err := h.a.reserve(ctx, l, h.p, chars)
	if err == nil {
		h.left += chars
	}
	l.mu.Unlock()
	if err == nil && h.sh != nil {
		h.sh.Add(chars)
	}
	return err
}

func (h *hold) Extend(ctx context.Context, chars int64) error {
	return h.reserve(ctx, chars)
}

// counted moves chars from the hold to the used characters of month, in
// this node's ledger and, with shared, in the shared one, and reports
// whether the charge counted in this node's ledger and its reference in
// the shared one. With pending, its durable write is still to come.
func (h *hold) counted(ctx context.Context, month string, chars int64, pending, shared bool) (current bool, ref limits.ChargeRef) {
	l := h.l
	l.mu.Lock()
	// Whether or not the write succeeds, the characters were spoken: they
	// leave the reservation and count in memory at once, so that this
	// process keeps enforcing the quota; until they are written they are
	// pending, which a reload of the month's usage adds back.
	taken := min(chars, h.left)
	h.left -= taken
	l.held -= taken
	current = !l.loadedAt.IsZero() && l.month == month
	if current {
		l.used += chars
		if pending {
			l.pending += chars
		}
	}
	l.mu.Unlock()
	if shared && h.sh != nil {
		ref = h.sh.Charge(ctx, month, chars, pending)
	}
	return current, ref
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
	h.charged = true
	l.mu.Unlock()
	// The write must happen even when the caller's context ends: the
	// audio was made.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), chargeTimeout)
	defer cancel()
	month := store.Month(h.a.now())
	current, ref := h.counted(wctx, month, chars, true, true)
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
	if h.sh != nil {
		h.a.Limiter.CharsWritten(ref)
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
	h.l.held -= h.left
	h.left = 0
	h.l.mu.Unlock()
	if h.sh != nil {
		h.sh.Release()
	}
}

// now returns the accounting clock's time.
func (a *Accounting) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
