package pocketsphinx

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// Pool keeps loaded decoders warm, because loading one takes a third of a
// second or more, and bounds how many exist, because each holds about
// 90 MB. It is safe for concurrent use. A decoder taken with Get belongs to
// the caller until Put (for a live stream, until the stream ends); the
// pool never touches it meanwhile.
type Pool struct {
	cfg   Config
	slots chan struct{} // one token per decoder that exists or is loading
	idle  chan *Decoder
	done  chan struct{} // closed by Close

	mu     sync.Mutex
	lent   map[*Decoder]struct{}
	closed bool
}

// NewPool validates cfg and loads size decoders at once (0 loads none:
// Get then loads on demand). The pool holds at most cfg.MaxDecoders
// decoders, or the larger of size and GOMAXPROCS if that is 0.
func NewPool(cfg Config, size int) (*Pool, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: pool size %d", ErrConfig, size)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	limit := cfg.MaxDecoders
	if limit == 0 {
		limit = max(size, runtime.GOMAXPROCS(0))
	}
	if size > limit {
		return nil, fmt.Errorf("%w: pool size %d above MaxDecoders %d", ErrConfig, size, limit)
	}
	p := &Pool{
		cfg:   cfg,
		slots: make(chan struct{}, limit),
		idle:  make(chan *Decoder, limit),
		done:  make(chan struct{}),
		lent:  make(map[*Decoder]struct{}),
	}
	// Loading is CPU and disk bound; load in parallel, as the machine has
	// room for.
	var wg sync.WaitGroup
	errs := make([]error, size)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range size {
		p.slots <- struct{}{}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d, err := NewDecoder(cfg)
			if err != nil {
				errs[i] = err
				<-p.slots
				return
			}
			p.idle <- d
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// Get returns an idle decoder, or loads a new one if the pool is below its
// limit, or else waits for a Put. It fails with ctx's error, with ErrClosed
// once the pool is closed, or with NewDecoder's error. A load in progress
// runs to its end (about a second) even if ctx ends meanwhile.
func (p *Pool) Get(ctx context.Context) (*Decoder, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// An idle decoder is preferred to loading another, even when both are
	// possible.
	select {
	case d := <-p.idle:
		return p.lend(d)
	default:
	}
	select {
	case d := <-p.idle:
		return p.lend(d)
	case p.slots <- struct{}{}:
		d, err := NewDecoder(p.cfg)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return p.lend(d)
	case <-p.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) lend(d *Decoder) (*Decoder, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		d.Close()
		<-p.slots
		return nil, ErrClosed
	}
	p.lent[d] = struct{}{}
	return d, nil
}

// Put returns a decoder taken with Get. An utterance still in progress is
// discarded and the decoder Reset, so that the next user starts as on a
// fresh decoder. A decoder that the caller closed, that fails to reset, or
// that comes back after the pool closed is freed and its place released.
// Putting a decoder that the pool has not lent (nil, another pool's, or
// one already put back) does nothing.
func (p *Pool) Put(d *Decoder) {
	p.mu.Lock()
	_, ok := p.lent[d]
	delete(p.lent, d)
	p.mu.Unlock()
	if !ok {
		return
	}
	if d.Reset() == nil {
		p.mu.Lock()
		if !p.closed {
			// Never blocks: idle has room for every decoder that exists.
			p.idle <- d
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	d.Close()
	<-p.slots
}

// Close frees the idle decoders and makes Get fail with ErrClosed.
// Decoders lent out are freed when they are put back. Close is idempotent.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)
	var errs []error
	for {
		select {
		case d := <-p.idle:
			errs = append(errs, d.Close())
			<-p.slots
		default:
			return errors.Join(errs...)
		}
	}
}
