package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/parley-voice/parley/protocol"
)

type outKind uint8

const (
	outJSON       outKind = iota // a pre-encoded JSON message
	outAudio                     // PCM of a generation
	outDone                      // the done message of a generation, built at write time
	outBinaryMode                // switch to binary frames, then write the ack in data
	outClose                     // close the socket after everything before it
)

// outItem is one entry of the send queue.
type outItem struct {
	kind  outKind
	data  []byte // JSON, or little-endian PCM for outAudio
	gen   *generation
	epoch uint64 // items of a cleared epoch are dropped
	code  protocol.CloseCode
}

// closeRequest asks the writer to close the socket ahead of anything queued.
type closeRequest struct {
	code   protocol.CloseCode
	reason string
	msg    []byte // an error message to write first, if any
}

// maxControl is the number of queued control messages (everything but
// audio) beyond which the reader waits for the writer. Each client message
// adds at most one and each job at most one, so a queue that reaches
// twice as many is a bug or a client that does not read.
const maxControl = 256

// sendQueue is the bounded queue between the session's producers and its
// writer. Producers never block: push fails when the queued audio exceeds
// its bound in bytes, or control messages theirs in number. A close
// request jumps the queue.
type sendQueue struct {
	mu       sync.Mutex
	items    []outItem
	head     int
	bytes    int
	maxBytes int
	ctrl     int // control items queued
	closeReq *closeRequest
	signal   chan struct{} // capacity 1: "something changed"
	room     chan struct{} // capacity 1: "a control item was taken"
}

func newSendQueue(maxBytes int) *sendQueue {
	return &sendQueue{maxBytes: maxBytes, signal: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func (q *sendQueue) notify() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// push appends an item. It reports false when the queue is over its bound,
// which means the client is not keeping up.
func (q *sendQueue) push(it outItem) bool {
	q.mu.Lock()
	if it.kind == outAudio && q.bytes+len(it.data) > q.maxBytes || it.kind != outAudio && q.ctrl >= 2*maxControl {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, it)
	q.bytes += len(it.data)
	if it.kind != outAudio {
		q.ctrl++
	}
	q.mu.Unlock()
	q.notify()
	return true
}

// waitRoom waits until fewer than maxControl control items are queued. It
// reports false when that takes longer than timeout, or ctx ends first.
func (q *sendQueue) waitRoom(ctx context.Context, timeout time.Duration) bool {
	var expired <-chan time.Time
	for {
		q.mu.Lock()
		n := q.ctrl
		q.mu.Unlock()
		if n < maxControl {
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

// requestClose asks for the socket to be closed; the first request wins.
func (q *sendQueue) requestClose(r closeRequest) bool {
	q.mu.Lock()
	first := q.closeReq == nil
	if first {
		q.closeReq = &r
	}
	q.mu.Unlock()
	q.notify()
	return first
}

// pop returns the next thing for the writer to do: a close request first,
// else the oldest item. ok is false when there is nothing.
func (q *sendQueue) pop() (it outItem, cr *closeRequest, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closeReq != nil {
		return outItem{}, q.closeReq, true
	}
	if q.head == len(q.items) {
		return outItem{}, nil, false
	}
	it = q.items[q.head]
	q.items[q.head] = outItem{}
	q.head++
	q.bytes -= len(it.data)
	if it.kind != outAudio {
		q.ctrl--
		select {
		case q.room <- struct{}{}:
		default:
		}
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
	return it, nil, true
}

// takeControl removes everything queued and returns the control messages
// among it (acks, errors, pongs), in order: what a closing client should
// still see. Audio and done are dropped.
func (q *sendQueue) takeControl() []outItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []outItem
	for _, it := range q.items[q.head:] {
		if it.kind == outJSON || it.kind == outBinaryMode {
			out = append(out, it)
		}
	}
	q.items, q.head, q.bytes, q.ctrl = nil, 0, 0, 0
	return out
}
