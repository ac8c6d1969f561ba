package espeak

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// backend is what a worker serves requests with: an Engine's Synthesize
// and Phonemize. Tests wrap them to make a worker misbehave.
type backend struct {
	synthesize func(ctx context.Context, text string, p Params, words func([]Word), emit func([]int16) error) error
	phonemize  func(ctx context.Context, text, voice string) ([]Clause, error)
}

// ServeWorker is the worker-process side of a Pool: it opens espeak-ng,
// announces itself on out, and then serves the requests that arrive on in,
// one at a time, streaming each chunk of audio as espeak-ng makes it, or
// sending a phonemisation's clauses once it is read. It
// returns nil when in ends (the pool closed the pipe, or died) or ctx ends
// (SIGTERM), and an error if in breaks the protocol, out cannot be
// written, or in ends while a request is stuck inside espeak-ng. When ctx
// ends, a read in progress on in, and a synthesis that has not stopped,
// are left behind: the process is about to exit.
//
// When out is the process's standard output, ServeWorker first moves it to
// a private descriptor and points standard output at standard error, so
// that nothing else printing there (espeak-ng's C code, say) can corrupt
// the frames.
func ServeWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	out, err := privateStdout(out)
	if err != nil {
		return err
	}
	return serveWorker(ctx, in, out, nil)
}

// orphanGrace is how long a worker whose input has ended (the pool closed
// it, or died) waits for its request to stop before it gives up on it and
// returns, so that a worker stuck inside espeak-ng exits rather than
// outlive a server that can no longer kill it.
const orphanGrace = 5 * time.Second

// work is a request the reader has accepted, with the context its cancel
// frame ends.
type work struct {
	wireRequest
	// phonemize reads text with params.Voice into clauses instead of
	// speaking it.
	phonemize bool
	ctx       context.Context
}

// run serves w: it writes w's audio or clauses with enc and returns how w
// ended, or, as werr, why enc failed, after which the pool cannot be
// told.
func (b backend) run(w work, enc *encoder) (err, werr error) {
	if w.phonemize {
		clauses, err := b.phonemize(w.ctx, w.text, w.params.Voice)
		if err == nil {
			err = checkClauses(w.text, clauses)
		}
		if err != nil {
			return err, nil
		}
		return nil, enc.clauses(w.id, clauses)
	}
	var words func([]Word)
	if w.words {
		words = func(ws []Word) {
			if werr == nil {
				werr = enc.words(w.id, ws)
			}
		}
	}
	err = b.synthesize(w.ctx, w.text, w.params, words, func(pcm []int16) error {
		if werr == nil {
			werr = enc.audio(w.id, pcm)
		}
		return werr
	})
	return err, werr
}

func serveWorker(ctx context.Context, in io.Reader, out io.Writer, wrap func(backend) backend) error {
	enc := &encoder{w: out}
	e, err := Open()
	if err != nil {
		enc.hello(hello{version: protocolVersion, err: err.Error()})
		return err
	}
	defer e.Close()
	b := backend{synthesize: e.SynthesizeWords, phonemize: e.Phonemize}
	if wrap != nil {
		b = wrap(b)
	}
	if err := enc.hello(hello{version: protocolVersion, rate: uint32(e.SampleRate())}); err != nil {
		return err
	}

	// The reader owns the request in progress: it starts it, cancels it on
	// a cancel frame, and refuses a second one before its end is sent.
	var mu sync.Mutex
	var active bool
	var activeID uint64
	var cancelActive context.CancelFunc = func() {}
	finish := func() {
		mu.Lock()
		active = false
		cancelActive()
		mu.Unlock()
	}
	jobs := make(chan work, 1)
	readErr := make(chan error, 1)
	inputEnded := make(chan struct{})
	go func() {
		defer close(inputEnded)
		defer close(jobs)
		readErr <- readRequests(in, func(id uint64) (context.Context, error) {
			mu.Lock()
			defer mu.Unlock()
			if active {
				return nil, protocolErr("request %d before request %d ended", id, activeID)
			}
			rctx, cancel := context.WithCancel(ctx)
			active, activeID, cancelActive = true, id, cancel
			return rctx, nil
		}, func(id uint64) {
			mu.Lock()
			defer mu.Unlock()
			if active && id == activeID {
				cancelActive()
			}
		}, jobs)
		mu.Lock()
		cancelActive()
		mu.Unlock()
	}()

	for {
		select {
		case <-ctx.Done():
			return nil
		case w, ok := <-jobs:
			if !ok {
				return <-readErr
			}
			// The request runs beside this loop so that the worker can
			// exit even if espeak-ng never returns.
			var werr error
			res := make(chan error, 1)
			go func() {
				var err error
				err, werr = b.run(w, enc)
				res <- err
			}()
			var serr error
			select {
			case serr = <-res:
			case <-ctx.Done():
				return nil
			case <-inputEnded:
				// The reader has cancelled w: it stops at its next chunk,
				// unless it is stuck inside espeak-ng, with nobody left to
				// kill this process.
				t := time.NewTimer(orphanGrace)
				select {
				case serr = <-res:
					t.Stop()
				case <-t.C:
					return errors.New("espeak-ng worker: input ended and a request is stuck")
				}
			}
			finish()
			if werr != nil {
				return werr
			}
			if err := enc.end(endFor(w.id, serr)); err != nil {
				return err
			}
		}
	}
}

// readRequests reads frames from in until it ends: each request is started
// with begin and queued on jobs, each cancel passed to cancel. A clean end
// of input is nil.
func readRequests(in io.Reader, begin func(id uint64) (context.Context, error), cancel func(uint64), jobs chan<- work) error {
	dec := decoder{r: in}
	for {
		typ, body, err := dec.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch typ {
		case frameRequest, framePhonemize:
			var w work
			if typ == frameRequest {
				w.wireRequest, err = parseRequest(body)
			} else {
				var r wirePhonemize
				r, err = parsePhonemize(body)
				w.wireRequest = wireRequest{id: r.id, params: Params{Voice: r.voice}, text: r.text}
				w.phonemize = true
			}
			if err != nil {
				return err
			}
			if w.ctx, err = begin(w.id); err != nil {
				return err
			}
			// jobs has room: begin admits one request at a time.
			jobs <- w
		case frameCancel:
			id, err := parseCancel(body)
			if err != nil {
				return err
			}
			cancel(id)
		default:
			return protocolErr("unexpected frame %q from the pool", typ)
		}
	}
}
