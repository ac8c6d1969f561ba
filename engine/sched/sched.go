package sched

import (
	"context"
	"slices"
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

// Line hands values out to syntheses, one each, and serves those that
// must wait for one earliest Due first, in arrival order among equals: a
// counting semaphore whose slots may differ (worker processes, say). It is
// safe for concurrent use.
type Line[T any] struct {
	pick func(free []T) int

	mu      sync.Mutex
	free    []T
	waiters []*waiter[T] // by due, then arrival
	busy    int
	closed  error
}

type waiter[T any] struct {
	ch  chan grant[T] // buffered: handing over never blocks
	due time.Time
}

type grant[T any] struct {
	v   T
	err error
}

// NewLine returns a line that hands out the values free. pick chooses
// which free value a synthesis gets, by its index; nil takes the value
// freed last.
func NewLine[T any](pick func(free []T) int, free ...T) *Line[T] {
	return &Line[T]{pick: pick, free: free}
}

// Acquire takes a free value, or waits in line by ctx's Due until one is
// handed over or ctx ends. After Close it returns Close's error.
func (l *Line[T]) Acquire(ctx context.Context) (T, error) {
	l.mu.Lock()
	if l.closed != nil {
		l.mu.Unlock()
		var zero T
		return zero, l.closed
	}
	if len(l.free) > 0 {
		i := len(l.free) - 1
		if l.pick != nil {
			i = l.pick(l.free)
		}
		v := l.free[i]
		l.free = slices.Delete(l.free, i, i+1)
		l.busy++
		l.mu.Unlock()
		return v, nil
	}
	w := &waiter[T]{ch: make(chan grant[T], 1), due: Due(ctx)}
	l.waiters = InsertByDue(l.waiters, w, func(x *waiter[T]) time.Time { return x.due })
	l.mu.Unlock()
	select {
	case g := <-w.ch:
		return g.v, g.err
	case <-ctx.Done():
	}
	l.mu.Lock()
	if i := slices.Index(l.waiters, w); i >= 0 {
		l.waiters = slices.Delete(l.waiters, i, i+1)
		l.mu.Unlock()
		var zero T
		return zero, ctx.Err()
	}
	l.mu.Unlock()
	// A value was handed over as ctx ended: pass it on.
	if g := <-w.ch; g.err == nil {
		l.Release(g.v)
	}
	var zero T
	return zero, ctx.Err()
}

// Release gives back a value that Acquire handed out: to the waiter due
// first, if any.
func (l *Line[T]) Release(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy--
	l.offerLocked(v)
}

// Add adds a value that no synthesis held: a worker that has started.
func (l *Line[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.offerLocked(v)
}

func (l *Line[T]) offerLocked(v T) {
	if l.closed != nil {
		return
	}
	if len(l.waiters) > 0 {
		w := l.waiters[0]
		l.waiters = slices.Delete(l.waiters, 0, 1)
		l.busy++
		w.ch <- grant[T]{v: v}
		return
	}
	l.free = append(l.free, v)
}

// Drop forgets a value that Acquire handed out and that will not come
// back (its worker died; Add brings the worker back).
func (l *Line[T]) Drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy--
}

// Remove forgets the free values that gone reports.
func (l *Line[T]) Remove(gone func(T) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free = slices.DeleteFunc(l.free, gone)
}

// Close fails the syntheses waiting, and every later Acquire, with err,
// and forgets the free values. Only the first Close counts.
func (l *Line[T]) Close(err error) {
	l.mu.Lock()
	if l.closed != nil {
		l.mu.Unlock()
		return
	}
	l.closed = err
	waiters := l.waiters
	l.waiters, l.free = nil, nil
	l.mu.Unlock()
	for _, w := range waiters {
		w.ch <- grant[T]{err: err}
	}
}

// Closed reports whether Close was called.
func (l *Line[T]) Closed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed != nil
}

// Stats reports the values handed out and the syntheses waiting.
func (l *Line[T]) Stats() (busy, queued int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.busy, len(l.waiters)
}

// Slots is a counting semaphore whose waiters are served earliest Due
// first, in arrival order among equals: a Line of identical slots. It is
// safe for concurrent use.
type Slots struct{ line *Line[struct{}] }

// NewSlots returns a semaphore of n slots.
func NewSlots(n int) *Slots { return &Slots{line: NewLine(nil, make([]struct{}, n)...)} }

// Acquire takes a slot, waiting in line by ctx's Due until one is free or
// ctx ends.
func (s *Slots) Acquire(ctx context.Context) error {
	_, err := s.line.Acquire(ctx)
	return err
}

// Release gives a slot back, to the waiter due first if any.
func (s *Slots) Release() { s.line.Release(struct{}{}) }

// Stats reports the slots in use and the syntheses waiting.
func (s *Slots) Stats() (busy, queued int) { return s.line.Stats() }

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
