package realtime

import (
	"context"
	"sync"
)

// jobQueue is the queue from the reader to the speaker. push never
// blocks, so nothing that holds the session's lock (the reader handling a
// message, Shutdown draining) ever waits for the speaker. The reader's
// backpressure is waitRoom, which it calls before it reads the next
// message and without holding the lock.
//
// Each context (track) has its own lane, in order. pop serves a clear or
// close_context first, then the lanes: the one whose earliest queued
// flush came first, so that contexts are spoken in the order their
// flushes arrived; while none has a flush queued, the lane whose next job
// came first (with one context, this is plain arrival order). A drain is
// served once every lane is empty.
type jobQueue struct {
	mu      sync.Mutex
	seq     uint64
	lanes   []*lane
	control []job         // clears, closes and the drain, in order
	n       int           // jobs queued
	signal  chan struct{} // capacity 1: a job was pushed
	room    chan struct{} // capacity 1: a job was taken
}

// lane is one track's jobs, each with its arrival number.
type lane struct {
	tr   *track
	jobs []job
	seqs []uint64
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
	q.seq++
	q.n++
	switch j.kind {
	case jobClear, jobClose, jobDrain:
		q.control = append(q.control, j)
	default:
		l := q.lane(j.tr)
		l.jobs = append(l.jobs, j)
		l.seqs = append(l.seqs, q.seq)
	}
	q.mu.Unlock()
	poke(q.signal)
}

func (q *jobQueue) lane(tr *track) *lane {
	for _, l := range q.lanes {
		if l.tr == tr {
			return l
		}
	}
	l := &lane{tr: tr}
	q.lanes = append(q.lanes, l)
	return l
}

// purge drops tr's queued segments and flushes (a clear, a close) and
// returns the characters of the segments dropped.
func (q *jobQueue) purge(tr *track) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	var chars int64
	for i, l := range q.lanes {
		if l.tr != tr {
			continue
		}
		for _, j := range l.jobs {
			if j.kind == jobSegment {
				chars += int64(j.chars)
			}
		}
		q.n -= len(l.jobs)
		q.lanes = append(q.lanes[:i], q.lanes[i+1:]...)
		poke(q.room)
		break
	}
	return chars
}

// len is the number of jobs queued.
func (q *jobQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// next takes the job to serve now, if any. q.mu is held.
func (q *jobQueue) next() (job, bool) {
	for i, j := range q.control {
		if j.kind != jobDrain || len(q.lanes) == 0 {
			q.control = append(q.control[:i], q.control[i+1:]...)
			return j, true
		}
	}
	if len(q.lanes) == 0 {
		return job{}, false
	}
	best, bestFlush, bestHead := -1, ^uint64(0), ^uint64(0)
	for i, l := range q.lanes {
		flush := ^uint64(0)
		for k, j := range l.jobs {
			if j.kind == jobFlush {
				flush = l.seqs[k]
				break
			}
		}
		if flush < bestFlush || (flush == bestFlush && l.seqs[0] < bestHead) {
			best, bestFlush, bestHead = i, flush, l.seqs[0]
		}
	}
	l := q.lanes[best]
	j := l.jobs[0]
	l.jobs[0] = job{}
	l.jobs, l.seqs = l.jobs[1:], l.seqs[1:]
	if len(l.jobs) == 0 {
		q.lanes = append(q.lanes[:best], q.lanes[best+1:]...)
	}
	return j, true
}

// pop waits for the next job to serve; ok is false when ctx ends first.
func (q *jobQueue) pop(ctx context.Context) (j job, ok bool) {
	for {
		q.mu.Lock()
		if j, ok := q.next(); ok {
			q.n--
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
