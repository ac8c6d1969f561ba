package realtime

import (
	"context"
	"sync"
)

// jobQueue is the ordered queue from the reader to the speaker. push never
// blocks, so nothing that holds the session's lock (the reader handling a
// message, Shutdown draining) ever waits for the speaker. The reader's
// backpressure is waitRoom, which it calls before it reads the next
// message and without holding the lock.
type jobQueue struct {
	mu     sync.Mutex
	items  []job
	head   int
	signal chan struct{} // capacity 1: a job was pushed
	room   chan struct{} // capacity 1: a job was taken
}

func newJobQueue() *jobQueue {
	return &jobQueue{signal: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push appends j.
func (q *jobQueue) push(j job) {
	q.mu.Lock()
	q.items = append(q.items, j)
	q.mu.Unlock()
	poke(q.signal)
}

// len is the number of jobs queued.
func (q *jobQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// pop waits for the oldest job; ok is false when ctx ends first.
func (q *jobQueue) pop(ctx context.Context) (j job, ok bool) {
	for {
		q.mu.Lock()
		if q.head < len(q.items) {
			j = q.items[q.head]
			q.items[q.head] = job{}
			q.head++
			if q.head == len(q.items) {
				q.items, q.head = q.items[:0], 0
			}
			q.mu.Unlock()
			poke(q.room)
			return j, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return job{}, false
		case <-q.signal:
		}
	}
}

// waitRoom waits until fewer than limit jobs are queued; false when ctx
// ends first.
func (q *jobQueue) waitRoom(ctx context.Context, limit int) bool {
	for q.len() >= limit {
		select {
		case <-ctx.Done():
			return false
		case <-q.room:
		}
	}
	return true
}
