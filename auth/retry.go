package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/parley-voice/parley/store"
)

// RetryingUsage is a UsageStore whose charges outlive an outage of the
// store. Work already admitted goes on when the store cannot be reached (a
// generation under way finishes its sentence), and the characters it speaks
// must still be billed: a charge that the store refuses as unavailable is
// kept in memory, summed per key and month, and written in the background,
// with backoff, once the store answers again. While charges are pending,
// new ones join them at once instead of waiting on an unreachable store,
// so that generations do not stall segment by segment.
//
// Bounds. Memory holds at most MaxPending distinct key-months (each a few
// dozen bytes), however long the outage: charges of one key and month
// merge. New work cannot start meanwhile (authentication needs the store),
// so only the sessions open when the outage began add charges. A charge
// for a key-month beyond the bound is dropped, counted in Lost and logged
// with its key, month and characters, so an operator can bill it by hand.
// A node that stops during an outage writes what it can within Close's
// context and logs every charge it could not write the same way.
type RetryingUsage struct {
	store UsageStore
	cfg   RetryConfig

	mu      sync.Mutex
	pending map[usageMonth]*usageCharge
	lost    int64 // characters dropped beyond MaxPending

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// RetryConfig configures a RetryingUsage. Zero values take the defaults
// noted.
type RetryConfig struct {
	// MaxPending bounds the key-months held in memory (10,000).
	MaxPending int
	// MinBackoff and MaxBackoff bound the wait between attempts to write
	// pending charges: it doubles from the first to the second (100 ms,
	// 10 s).
	MinBackoff, MaxBackoff time.Duration
	// Logger records the outage, the recovery and any charge dropped
	// (discarded if nil).
	Logger *slog.Logger
}

type usageMonth struct{ key, month string }

type usageCharge struct{ chars, requests int64 }

// NewRetryingUsage wraps u and starts the goroutine that writes pending
// charges; Close stops it.
func NewRetryingUsage(u UsageStore, cfg RetryConfig) *RetryingUsage {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 10_000
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(10*time.Second, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &RetryingUsage{store: u, cfg: cfg, pending: map[usageMonth]*usageCharge{},
		wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go r.loop(ctx)
	return r
}

// Usage is the store's count plus what is pending for the key and month,
// so that quotas count charges not yet written.
func (r *RetryingUsage) Usage(ctx context.Context, keyID, month string) (chars, requests int64, err error) {
	chars, requests, err = r.store.Usage(ctx, keyID, month)
	if err != nil {
		return 0, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pending[usageMonth{keyID, month}]; p != nil {
		chars, requests = chars+p.chars, requests+p.requests
	}
	return chars, requests, nil
}

// ChargeMany writes the charges, or, if the store is unavailable (or
// already known to be), keeps them to be written later and reports
// success: they will not be lost while the process lives. Other errors (an
// invalid month) are returned.
func (r *RetryingUsage) ChargeMany(ctx context.Context, charges []store.Charge) error {
	r.mu.Lock()
	down := len(r.pending) > 0
	r.mu.Unlock()
	if !down {
		err := r.store.ChargeMany(ctx, charges)
		if err == nil || !errors.Is(err, store.ErrUnavailable) {
			return err
		}
		r.cfg.Logger.Warn("store unavailable: usage charges are kept in memory and written when it answers", "err", err)
	}
	for _, c := range charges {
		r.add(usageMonth{c.KeyID, c.Month}, usageCharge{c.Chars, c.Requests})
	}
	return nil
}

func (r *RetryingUsage) add(k usageMonth, c usageCharge) {
	r.mu.Lock()
	p := r.pending[k]
	if p == nil && len(r.pending) >= r.cfg.MaxPending {
		r.lost += c.chars
		r.mu.Unlock()
		r.cfg.Logger.Error("usage charge dropped: too many keys with charges pending during a store outage",
			"key", k.key, "month", k.month, "chars", c.chars, "requests", c.requests)
		return
	}
	if p == nil {
		p = &usageCharge{}
		r.pending[k] = p
	}
	p.chars += c.chars
	p.requests += c.requests
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Pending reports the key-months with charges waiting to be written, and
// their characters.
func (r *RetryingUsage) Pending() (keyMonths int, chars int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pending {
		chars += p.chars
	}
	return len(r.pending), chars
}

// Lost reports the characters dropped because MaxPending key-months were
// already pending.
func (r *RetryingUsage) Lost() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// loop writes pending charges whenever there are some, backing off while
// the store stays unreachable.
func (r *RetryingUsage) loop(ctx context.Context) {
	defer close(r.done)
	backoff := r.cfg.MinBackoff
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		for {
			err := r.flush(ctx)
			if err == nil || ctx.Err() != nil {
				backoff = r.cfg.MinBackoff
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, r.cfg.MaxBackoff)
		}
	}
}

// flush writes every pending charge, one key-month at a time, and returns
// the first error that should stop it (the store still unavailable).
func (r *RetryingUsage) flush(ctx context.Context) error {
	for {
		r.mu.Lock()
		var (
			k     usageMonth
			c     usageCharge
			found bool
		)
		for pk, pc := range r.pending {
			k, c, found = pk, *pc, true
			break
		}
		r.mu.Unlock()
		if !found {
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := r.store.ChargeMany(wctx, []store.Charge{{KeyID: k.key, Month: k.month, Chars: c.chars, Requests: c.requests}})
		cancel()
		if errors.Is(err, store.ErrUnavailable) || (err != nil && ctx.Err() != nil) {
			return err
		}
		r.mu.Lock()
		// Charges added while this one was written stay pending.
		if p := r.pending[k]; p != nil {
			p.chars -= c.chars
			p.requests -= c.requests
			if p.chars == 0 && p.requests == 0 {
				delete(r.pending, k)
			}
		}
		left := len(r.pending)
		r.mu.Unlock()
		if err != nil {
			// The store answered and refused (a key deleted since, say):
			// retrying cannot help.
			r.cfg.Logger.Error("usage charge refused by the store", "key", k.key, "month", k.month, "chars", c.chars, "err", err)
		}
		if left == 0 {
			r.cfg.Logger.Info("store reachable again: pending usage charges written")
		}
	}
}

// Close stops the background writer, makes a last attempt to write what is
// pending within ctx, and logs, one line each, the charges it could not
// write, which are lost to the store. It returns an error when some were.
func (r *RetryingUsage) Close(ctx context.Context) error {
	var err error
	r.once.Do(func() {
		r.cancel()
		<-r.done
		if ferr := r.flush(ctx); ferr == nil {
			return
		}
		r.mu.Lock()
		left := make([]usageMonth, 0, len(r.pending))
		for k := range r.pending {
			left = append(left, k)
		}
		slices.SortFunc(left, func(a, b usageMonth) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.month, b.month)) })
		var chars int64
		for _, k := range left {
			p := r.pending[k]
			chars += p.chars
			r.cfg.Logger.Error("usage charge not written: the store was unavailable until shutdown",
				"key", k.key, "month", k.month, "chars", p.chars, "requests", p.requests)
		}
		r.mu.Unlock()
		err = fmt.Errorf("auth: usage charges of %d characters (%d key-months) could not be written before shutdown", chars, len(left))
	})
	return err
}
