package limits

import (
	"context"
	"sync"
	"time"
)

// Open returns a Limiter for cfg that shares its counts through the Redis
// of rc, or, when rc.URL is empty, one that counts alone (as New). Redis
// need not be reachable yet: until it is, the node counts alone (see the
// package doc), and rc.OnChange hears of it. Close the Limiter to stop its
// heartbeat.
func Open(cfg Config, rc RedisConfig) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	l := New(cfg)
	if rc.URL == "" {
		return l, nil
	}
	rc = rc.withDefaults()
	b, err := newRedisBackend(rc)
	if err != nil {
		return nil, err
	}
	l.shared, l.rcfg = b, rc
	l.life, l.endLife = context.WithCancel(context.Background())
	l.done = make(chan struct{})
	if err := b.ping(context.Background()); err != nil {
		l.markDown(err)
	} else {
		l.state.set(true, nil)
	}
	go l.heartbeat()
	return l, nil
}

// SharedStatus is the state of a Limiter's shared counting.
type SharedStatus struct {
	Enabled bool      // the Limiter was opened with a Redis URL
	Up      bool      // counts are shared now; false: this node counts alone
	Since   time.Time // when Up last changed
	Err     error     // what made Redis unreachable, while it is
}

// Shared reports whether counts are shared now, for metrics and readiness.
func (l *Limiter) Shared() SharedStatus {
	if l.shared == nil {
		return SharedStatus{}
	}
	up, since, err := l.state.get()
	return SharedStatus{Enabled: true, Up: up, Since: since, Err: err}
}

// sharedState is whether Redis is reachable.
type sharedState struct {
	mu    sync.Mutex
	up    bool
	since time.Time
	err   error
}

// set records the state and reports whether it changed.
func (s *sharedState) set(up bool, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !up {
		s.err = err
	}
	if s.up == up && !s.since.IsZero() {
		return false
	}
	s.up, s.since = up, time.Now()
	if up {
		s.err = nil
	}
	return true
}

func (s *sharedState) get() (bool, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up, s.since, s.err
}

func (l *Limiter) sharedUp() bool {
	if l.shared == nil || l.closed.Load() {
		return false
	}
	up, _, _ := l.state.get()
	return up
}

// markDown switches the node to counting alone after err from Redis.
func (l *Limiter) markDown(err error) {
	if l.state.set(false, err) && l.rcfg.OnChange != nil {
		l.rcfg.OnChange(false, err)
	}
}

// heartbeat renews this node's leases (slots and character holds) every
// Heartbeat while Redis is up,
// and tries Redis again at the same pace while it is not. Close stops it.
func (l *Limiter) heartbeat() {
	defer close(l.done)
	t := time.NewTicker(l.rcfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.life.Done():
			return
		case <-t.C:
		}
		if l.sharedUp() {
			l.renew()
		} else {
			l.resume()
		}
	}
}

// renew extends every lease this node holds. Leases Redis has lost while
// they are still held (Redis restarted between two heartbeats) are
// written back.
func (l *Limiter) renew() {
	ctx := l.life
	err := l.renewSlots(ctx)
	if err == nil {
		err = l.renewChars(ctx)
	}
	if err != nil && ctx.Err() == nil {
		l.markDown(err)
	}
}

func (l *Limiter) renewSlots(ctx context.Context) error {
	missing, err := l.shared.renew(ctx, l.local.holdings())
	if err != nil || len(missing) == 0 {
		return err
	}
	l.restore.Lock()
	defer l.restore.Unlock()
	held := map[slot][]string{}
	for s, hs := range missing {
		for _, h := range hs {
			if l.local.holds(s, h) {
				held[s] = append(held[s], h)
			}
		}
	}
	return l.shared.write(ctx, held)
}

// resume tries Redis and, once it answers, writes back every holding of
// this node (those taken while it counted alone, and those Redis lost or
// let expire meanwhile), character holds included, and shares counts
// again. While the holdings are written, acquisitions and releases wait,
// so that none is lost or brought back after its release.
func (l *Limiter) resume() {
	ctx := l.life
	if err := l.shared.ping(ctx); err != nil {
		if ctx.Err() == nil {
			l.state.set(false, err)
		}
		return
	}
	l.restore.Lock()
	err := l.shared.write(ctx, l.local.holdings())
	if err == nil {
		err = l.shared.writeChars(ctx, l.chars.snapshot())
	}
	if err == nil {
		// Charges made meanwhile are in the store only: the months
		// they went to are compared with it at their next reservation.
		alone := l.chars.takeAlone()
		if err = l.shared.unsyncChars(ctx, alone); err != nil {
			for _, m := range alone {
				l.chars.chargedAlone(m)
			}
		}
	}
	var changed bool
	if err == nil {
		changed = l.state.set(true, nil)
	} else if ctx.Err() == nil {
		l.state.set(false, err)
	}
	l.restore.Unlock()
	if changed && l.rcfg.OnChange != nil {
		l.rcfg.OnChange(true, nil)
	}
}
