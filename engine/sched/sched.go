package sched

import (
	"context"
	"sync"
	"time"
)

type dueKey struct{}

// PlayBy returns a context whose syntheses are needed by t: the moment the
// listener's player runs out of audio without them. Waiting syntheses are
// served earliest first.
func PlayBy(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, dueKey{}, t)
}

// Urgent returns a context whose syntheses are needed now: the first
// segment of a generation, whose listener is waiting.
func Urgent(ctx context.Context) context.Context { return PlayBy(ctx, time.Now()) }

// Due returns when ctx's syntheses are needed: the time given to PlayBy,
// or now for a context without one, so that unmarked syntheses are served
// in arrival order among the rest.
func Due(ctx context.Context) time.Time {
	if t, ok := ctx.Value(dueKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

// Slots is a counting semaphore whose waiters are served earliest Due
// first, in arrival order among equals. It is safe for concurrent use.
type Slots struct {
	mu      sync.Mutex
	free    int
	busy    int
	waiters []slotWaiter // by due, then arrival
}

type slotWaiter struct {
	ch  chan struct{} // buffered: Release never blocks handing a slot over
	due time.Time
}

// NewSlots returns a semaphore of n slots.
func NewSlots(n int) *Slots { return &Slots{free: n} }

// Acquire takes a slot, waiting in line by ctx's Due until one is free or
// ctx ends.
func (s *Slots) Acquire(ctx context.Context) error {
	s.mu.Lock()
	if s.free > 0 && len(s.waiters) == 0 {
		s.free--
		s.busy++
		s.mu.Unlock()
		return nil
	}
	w := slotWaiter{ch: make(chan struct{}, 1), due: Due(ctx)}
	s.waiters = InsertByDue(s.waiters, w, func(x slotWaiter) time.Time { return x.due })
	s.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for i, x := range s.waiters {
		if x.ch == w.ch {
			s.waiters = append(s.waiters[:i:i], s.waiters[i+1:]...)
			s.mu.Unlock()
			return ctx.Err()
		}
	}
	s.mu.Unlock()
	// The slot was handed over as ctx ended: pass it on.
	<-w.ch
	s.Release()
	return ctx.Err()
}

// Release gives a slot back, to the waiter due first if any.
func (s *Slots) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters = s.waiters[1:]
		w.ch <- struct{}{}
		return
	}
	s.busy--
	s.free++
}

// Stats reports the slots in use and the syntheses waiting.
func (s *Slots) Stats() (busy, queued int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy, len(s.waiters)
}

// InsertByDue inserts w into line, which is ordered by due, after every
// element due no later than w: earliest first, arrival order among equals.
func InsertByDue[T any](line []T, w T, due func(T) time.Time) []T {
	d := due(w)
	i := len(line)
	for i > 0 && due(line[i-1]).After(d) {
		i--
	}
	line = append(line, w)
	copy(line[i+1:], line[i:])
	line[i] = w
	return line
}
