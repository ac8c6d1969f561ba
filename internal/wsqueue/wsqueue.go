package wsqueue

import (
	"context"
	"sync"
	"time"
)

// Queue is a bounded FIFO of items of type T with one consumer, the
// writer. It is safe for concurrent use.
type Queue[T any] struct {
	cost       func(T) (bytes int, control bool)
	maxBytes   int
	maxControl int

	mu      sync.Mutex
	items   []T
	head    int
	bytes   int // of the items queued
	ctrl    int // control items queued
	closing *T
	ready   chan struct{} // capacity 1: something changed
	room    chan struct{} // capacity 1: a control item was taken
}

// New returns a queue that takes a data item while the items queued and
// it come to at most maxBytes, and a control item while fewer than
// 2*maxControl are queued; cost tells an item's size and kind.
func New[T any](maxBytes, maxControl int, cost func(T) (bytes int, control bool)) *Queue[T] {
	return &Queue[T]{cost: cost, maxBytes: maxBytes, maxControl: maxControl,
		ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Push appends it. It reports false, queueing nothing, when it would take
// the queue over its bound.
func (q *Queue[T]) Push(it T) bool {
	n, control := q.cost(it)
	q.mu.Lock()
	if !control && q.bytes+n > q.maxBytes || control && q.ctrl >= 2*q.maxControl {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, it)
	q.bytes += n
	if control {
		q.ctrl++
	}
	q.mu.Unlock()
	poke(q.ready)
	return true
}

// WaitRoom waits until fewer than maxControl control items are queued. It
// reports false when that takes longer than timeout, or ctx ends first.
func (q *Queue[T]) WaitRoom(ctx context.Context, timeout time.Duration) bool {
	var expired <-chan time.Time
	for {
		q.mu.Lock()
		n := q.ctrl
		q.mu.Unlock()
		if n < q.maxControl {
			return true
		}
		if expired == nil {
			t := time.NewTimer(timeout)
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-q.room:
		case <-expired:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Close asks the writer to close, ahead of anything queued, with it: the
// first request wins, and Close reports whether this was it.
func (q *Queue[T]) Close(it T) bool {
	q.mu.Lock()
	first := q.closing == nil
	if first {
		q.closing = &it
	}
	q.mu.Unlock()
	poke(q.ready)
	return first
}

// Ready is signalled whenever something was pushed or a close requested:
// a writer whose Pop found nothing waits on it.
func (q *Queue[T]) Ready() <-chan struct{} { return q.ready }

// Pop returns the next thing for the writer to do: the close request
// first (closing set), else the oldest item. ok is false when there is
// nothing.
func (q *Queue[T]) Pop() (it T, closing, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing != nil {
		return *q.closing, true, true
	}
	if q.head == len(q.items) {
		return it, false, false
	}
	it = q.items[q.head]
	var zero T
	q.items[q.head] = zero
	q.head++
	n, control := q.cost(it)
	q.bytes -= n
	if control {
		q.ctrl--
		poke(q.room)
	}
	if q.head == len(q.items) {
		// Reuse the backing array, but let a burst's large one go.
		if cap(q.items) > 256 {
			q.items = nil
		} else {
			q.items = q.items[:0]
		}
		q.head = 0
	}
	return it, false, true
}

// TakeControl empties the queue and returns the control items that were
// in it, in order: what a closing client should still see.
func (q *Queue[T]) TakeControl() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []T
	for _, it := range q.items[q.head:] {
		if _, control := q.cost(it); control {
			out = append(out, it)
		}
	}
	q.items, q.head, q.bytes, q.ctrl = nil, 0, 0, 0
	return out
}
