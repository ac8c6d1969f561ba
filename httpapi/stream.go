package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Streamed answers (SSE, and batch answers in formats that stream) never
// let a client's socket reach the engines. Synthesis runs on a goroutine of
// its own and pushes what it makes into a pipe that never blocks; the
// handler's goroutine writes the pipe to the client, each write with a
// deadline. Before each segment, synthesis waits, holding no engine, until
// the client has taken what is buffered down to StreamBuffer bytes, so a
// slow reader slows only its own answer and the buffer holds at most
// StreamBuffer plus one segment. A client that takes nothing for
// WriteTimeout is disconnected and its synthesis cancelled: the engine
// stops at its next chunk.

// pipe carries one answer's bytes from its synthesis to its writer. push
// never blocks; the writer waits in next, the synthesis in waitBelow.
type pipe struct {
	mu      sync.Mutex
	items   [][]byte
	size    int  // bytes in items
	closed  bool // nothing more will be pushed
	err     error
	changed chan struct{} // closed, and replaced, at every change
}

func newPipe() *pipe { return &pipe{changed: make(chan struct{})} }

// signal wakes everyone waiting for a change. Called with p.mu held.
func (p *pipe) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// push appends a copy of b.
func (p *pipe) push(b []byte) {
	if len(b) == 0 {
		return
	}
	c := append([]byte(nil), b...)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.items = append(p.items, c)
	p.size += len(c)
	p.signal()
}

// close ends the stream; err, if not nil, is what ended it.
func (p *pipe) close(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed, p.err = true, err
		p.signal()
	}
}

// waitBelow waits until at most limit bytes are buffered.
func (p *pipe) waitBelow(ctx context.Context, limit int) error {
	for {
		p.mu.Lock()
		size, ch := p.size, p.changed
		p.mu.Unlock()
		if size <= limit {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// errIdle is next's answer when nothing came within its wait.
var errIdle = errors.New("httpapi: nothing to write yet")

// next returns the bytes buffered so far, joined, waiting up to idle for
// some; errIdle when none came, and once the pipe is closed and empty the
// error it was closed with, or nil with done set.
func (p *pipe) next(idle time.Duration) (b []byte, done bool, err error) {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		p.mu.Lock()
		if len(p.items) > 0 {
			items := p.items
			p.items, p.size = nil, 0
			p.signal()
			p.mu.Unlock()
			if len(items) == 1 {
				return items[0], false, nil
			}
			n := 0
			for _, it := range items {
				n += len(it)
			}
			b = make([]byte, 0, n)
			for _, it := range items {
				b = append(b, it...)
			}
			return b, false, nil
		}
		if p.closed {
			err := p.err
			p.mu.Unlock()
			return nil, true, err
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return nil, false, errIdle
		}
	}
}

// errSlowClient is why an answer is cut short when its client takes no
// bytes for WriteTimeout.
var errSlowClient = errors.New("httpapi: client did not take the answer in time")

// deadlineWriter writes to a client with a deadline per write and flushes
// after each, so that what is written reaches the client at once.
type deadlineWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func newDeadlineWriter(w http.ResponseWriter, timeout time.Duration) *deadlineWriter {
	return &deadlineWriter{w: w, rc: http.NewResponseController(w), timeout: timeout}
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	n, err := d.w.Write(b)
	if err == nil {
		err = d.rc.Flush()
	}
	if err != nil {
		return n, errors.Join(errSlowClient, err)
	}
	return n, nil
}

// streamOut runs produce on a goroutine of its own and writes what it
// pushes to w as it comes, through a deadlineWriter; keepalive, if not
// nil, is written whenever nothing else was for the Keepalive period.
// produce's ctx is cancelled when the client fails a write (or leaves), and
// streamOut waits for produce to return in every case. The error is
// produce's, or the write's.
func (a *API) streamOut(ctx context.Context, w http.ResponseWriter, keepalive []byte, produce func(ctx context.Context, out *pipe) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := newPipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		out.close(produce(ctx, out))
	}()
	defer func() { <-done }()
	dw := newDeadlineWriter(w, a.cfg.WriteTimeout)
	idle := a.cfg.Keepalive
	if keepalive == nil {
		idle = time.Hour
	}
	for {
		b, end, err := out.next(idle)
		switch {
		case end:
			return err
		case errors.Is(err, errIdle):
			if keepalive == nil {
				continue
			}
			b = keepalive
		}
		if _, err := dw.Write(b); err != nil {
			cancel()
			return err
		}
	}
}
