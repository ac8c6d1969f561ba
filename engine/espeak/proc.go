package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// errStale means a grant named a process that has since died or been
// replaced: the request was not sent and can go to another slot.
var errStale = errors.New("espeak-ng: stale worker slot")

// errStopping means the pool closed while a worker was starting.
var errStopping = errors.New("espeak-ng: pool closing")

type procState int

const (
	stateStarting procState = iota // running, before its hello
	stateIdle                      // in the pool's free list, or handed out and not yet used
	stateBusy                      // serving cur, or waiting for cur's end after a cancel
	stateDead                      // between a death and the next start
)

// proc is one worker-process slot. Its supervisor goroutine (run) starts
// the process, reads every frame it sends, calls emit with the audio, and
// replaces the process when it dies; the requesting goroutine writes the
// request, and a cancel if it gives up.
type proc struct {
	pool *Pool

	// waitingSince is when the supervisor began waiting for the next
	// frame, in Unix nanoseconds; 0 while emit runs, which is not the
	// worker's delay. The watchdog reads it.
	waitingSince atomic.Int64

	mu      sync.Mutex
	state   procState
	gen     uint64 // starts so far; a grant names one
	cmd     *exec.Cmd
	in      *os.File // our end of the worker's stdin
	cur     *call
	nextID  uint64
	hung    bool // the watchdog killed this process
	closing bool
	watch   *time.Timer // the hang watchdog, armed while starting or busy
	kill    *time.Timer // SIGKILL after StopGrace, armed by stop

	wmu sync.Mutex // serialises writes to in
	enc encoder
}

// call is one request on a worker process: a synthesis (emit is set) or a
// phonemisation (phon is set). The supervisor calls emit with the audio as
// frames arrive, as the in-process worker does from its thread, so that no
// goroutine hand-off costs a frame, or collects the clauses in phon; the
// outcome goes to the caller on done.
type call struct {
	id   uint64
	ctx  context.Context
	emit func([]int16) error
	phon *phonemes
	// words, when not nil, takes the words frames of a synthesis of
	// textLen bytes; nwords counts them, at most one per byte and one.
	words   func([]Word)
	textLen int
	nwords  int

	// mu is held while emit runs or phon grows, so that once the caller
	// has set gone it knows neither happens again.
	mu   sync.Mutex
	gone bool        // the outcome is decided: emit no more
	done chan result // buffered: receives the outcome once
}

// phonemes collects a phonemisation's clauses as a worker's clauses frames
// arrive, checking them against the text sent: a worker whose clauses run
// past it, or cost more than maxClausesCost, breaks the protocol.
type phonemes struct {
	text    string // as sent
	at      int    // bytes of text the clauses so far consumed
	cost    int    // against maxClausesCost
	clauses []Clause
}

func (ph *phonemes) add(clauses []wireClause) error {
	for _, c := range clauses {
		if int64(c.n) > int64(len(ph.text)-ph.at) {
			return protocolErr("clauses run past the text's %d bytes", len(ph.text))
		}
		if ph.cost += clauseMemory + len(c.phonemes); ph.cost > maxClausesCost(len(ph.text)) {
			return protocolErr("clauses over %d bytes for %d bytes of text", maxClausesCost(len(ph.text)), len(ph.text))
		}
		end := ph.at + int(c.n)
		ph.clauses = append(ph.clauses, Clause{Text: ph.text[ph.at:end], Phonemes: c.phonemes, Punct: c.punct})
		ph.at = end
	}
	return nil
}

// complete checks that the clauses consumed the whole text, as espeak-ng's
// always do.
func (ph *phonemes) complete() error {
	if ph.at != len(ph.text) {
		return protocolErr("clauses end at byte %d of %d", ph.at, len(ph.text))
	}
	return nil
}

// clauses adds a clauses frame's contents to c, unless its outcome is
// decided already.
func (c *call) clauses(clauses []wireClause) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return nil
	}
	return c.phon.add(clauses)
}

// completed checks, at a successful end, that c received all it should.
func (c *call) completed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.phon == nil {
		return nil
	}
	return c.phon.complete()
}

// result is how a call ended; a panic in emit is re-raised by the caller.
type result struct {
	err       error
	panicked  bool
	recovered any
}

// finish decides c's outcome, unless it is decided already, and reports
// whether it did. c.mu is held.
func (c *call) finish(r result) bool {
	if c.gone {
		return false
	}
	c.gone = true
	c.done <- r
	return true
}

// end decides c's outcome from outside emit: the worker's end frame, or
// its death.
func (c *call) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finish(result{err: err})
}

// audio hands a chunk to emit and reports whether the request is still
// wanted; false means the outcome was just decided here (ctx ended, emit
// failed or panicked) and the worker should be told to stop.
func (c *call) audio(pcm []int16) (wanted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return true // the worker has been told already
	}
	if err := c.ctx.Err(); err != nil {
		c.finish(result{err: err})
		return false
	}
	if r := callEmit(c.emit, pcm); r.err != nil || r.panicked {
		c.finish(r)
		return false
	}
	return true
}

// wordEvents hands a words frame to words, checked against the text, and
// reports, as audio does, whether the request is still wanted. A frame
// that does not fit the request is a protocol error.
func (c *call) wordEvents(ws []Word) (wanted bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nwords += len(ws); c.nwords > c.textLen+1 {
		return false, protocolErr("%d words for %d bytes of text", c.nwords, c.textLen)
	}
	for _, w := range ws {
		if w.TextEnd > c.textLen {
			return false, protocolErr("word text %d..%d past the text's %d bytes", w.TextStart, w.TextEnd, c.textLen)
		}
	}
	if c.gone {
		return true, nil
	}
	if err := c.ctx.Err(); err != nil {
		c.finish(result{err: err})
		return false, nil
	}
	if r := callEmit(func([]int16) error { c.words(ws); return nil }, nil); r.panicked {
		c.finish(r)
		return false, nil
	}
	return true, nil
}

// callEmit runs emit, turning a panic into a result.
func callEmit(emit func([]int16) error, pcm []int16) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{err: fmt.Errorf("espeak-ng: emit panicked: %v", p), panicked: true, recovered: p}
		}
	}()
	return result{err: emit(pcm)}
}

// run is the supervisor. It reports the first start on started and then
// keeps a process running until the pool closes.
func (x *proc) run(started chan<- error) {
	defer x.pool.wg.Done()
	defer x.stopTimers()
	failures, starts := 0, 0
	for {
		if failures > 0 && !x.sleep(x.backoff(failures)) {
			return
		}
		dec, out, err := x.start()
		if started != nil {
			started <- err
			started = nil
		}
		if err != nil {
			if errors.Is(err, errStopping) || starts == 0 {
				return
			}
			failures++
			continue
		}
		if starts++; starts > 1 {
			x.pool.restarts.Add(1)
		}
		served, err := x.serve(dec)
		x.reap(out, err)
		if x.isClosing() {
			return
		}
		if served {
			failures = 0
		}
		failures++
	}
}

// backoff is the wait before the next start after n failures in a row:
// none after the first, then RestartBackoff doubling to its maximum.
func (x *proc) backoff(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := x.pool.cfg.RestartBackoff
	for i := 2; i < n && d < x.pool.cfg.MaxRestartBackoff; i++ {
		d *= 2
	}
	return min(d, x.pool.cfg.MaxRestartBackoff)
}

// sleep waits d, or reports false if the pool closes first.
func (x *proc) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.pool.quit:
		return false
	}
}

// start runs a worker process and waits for its hello. On success the
// slot is offered to the pool.
func (x *proc) start() (*decoder, *os.File, error) {
	cfg, argv := x.pool.cfg, x.pool.argv
	childIn, in, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	out, childOut, err := os.Pipe()
	if err != nil {
		childIn.Close()
		in.Close()
		return nil, nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = childIn, childOut, cfg.Stderr
	cmd.Env = append(os.Environ(), cfg.WorkerEnv...)
	cmd.SysProcAttr = workerAttr()

	x.mu.Lock()
	if x.closing {
		x.mu.Unlock()
		closeAll(childIn, in, out, childOut)
		return nil, nil, errStopping
	}
	err = cmd.Start()
	childIn.Close()
	childOut.Close()
	if err != nil {
		x.mu.Unlock()
		closeAll(in, out)
		return nil, nil, err
	}
	x.cmd, x.in = cmd, in
	x.state, x.hung = stateStarting, false
	x.gen++
	x.waitingSince.Store(time.Now().UnixNano())
	x.arm()
	x.mu.Unlock()

	dec := &decoder{r: out}
	err = x.handshake(dec)
	if err != nil {
		werr := x.reap(out, err)
		x.mu.Lock()
		hung, closing := x.hung, x.closing
		x.mu.Unlock()
		switch {
		case closing:
			err = errStopping
		case hung:
			err = fmt.Errorf("%w: no hello within %v", ErrWorkerHung, cfg.HangTimeout)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			err = fmt.Errorf("%w before its hello (%v)", ErrWorkerDied, werr)
		}
		return nil, nil, err
	}
	x.mu.Lock()
	x.watch.Stop()
	x.state = stateIdle
	g := grant{p: x, gen: x.gen}
	x.mu.Unlock()
	x.pool.slots.Add(g)
	return dec, out, nil
}

func (x *proc) handshake(dec *decoder) error {
	typ, body, err := dec.next()
	if err != nil {
		return err
	}
	if typ != frameHello {
		return protocolErr("first frame %q, want a hello", typ)
	}
	h, err := parseHello(body)
	switch {
	case err != nil:
		return err
	case h.version != protocolVersion:
		return protocolErr("worker speaks version %d, want %d", h.version, protocolVersion)
	case h.err != "":
		return errors.New(h.err)
	case int(h.rate) != x.pool.SampleRate():
		return protocolErr("worker sample rate %d, want %d", h.rate, x.pool.SampleRate())
	}
	return nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// serve reads frames until the process ends or breaks the protocol, and
// reports whether it completed a request.
func (x *proc) serve(dec *decoder) (served bool, err error) {
	for {
		x.waitingSince.Store(time.Now().UnixNano())
		typ, body, err := dec.next()
		x.waitingSince.Store(0)
		if err != nil {
			return served, err
		}
		x.mu.Lock()
		c := x.cur
		x.mu.Unlock()
		switch typ {
		case frameAudio:
			id, pcm, err := parseAudio(body)
			if err != nil {
				return served, err
			}
			if c == nil || c.id != id || c.emit == nil {
				return served, protocolErr("audio for request %d out of turn", id)
			}
			if len(pcm) > 0 && !c.audio(pcm) {
				x.cancel(c)
			}
		case frameWords:
			id, ws, err := parseWords(body)
			if err != nil {
				return served, err
			}
			if c == nil || c.id != id || c.words == nil {
				return served, protocolErr("words for request %d out of turn", id)
			}
			wanted, err := c.wordEvents(ws)
			if err != nil {
				return served, err
			}
			if !wanted {
				x.cancel(c)
			}
		case frameClauses:
			id, clauses, err := parseClauses(body)
			if err != nil {
				return served, err
			}
			if c == nil || c.id != id || c.phon == nil {
				return served, protocolErr("clauses for request %d out of turn", id)
			}
			if err := c.clauses(clauses); err != nil {
				return served, err
			}
		case frameEnd:
			e, err := parseEnd(body)
			if err != nil {
				return served, err
			}
			if c == nil || c.id != e.id {
				return served, protocolErr("end of request %d out of turn", e.id)
			}
			if e.status == statusOK {
				if err := c.completed(); err != nil {
					return served, err
				}
			}
			x.mu.Lock()
			x.cur, x.state = nil, stateIdle
			x.watch.Stop()
			g := grant{p: x, gen: x.gen}
			x.mu.Unlock()
			served = served || e.status == statusOK
			err = e.err()
			if e.status == statusCancelled && x.isClosing() {
				// Stopped by Close, which the caller did not ask for.
				err = ErrClosed
			}
			x.pool.slots.Release(g)
			c.end(err)
		default:
			return served, protocolErr("unexpected frame %q from a worker", typ)
		}
	}
}

// reap ends the process after its output ended with cause, waits for it,
// and fails the request it was serving. It returns how the process ended.
func (x *proc) reap(out *os.File, cause error) error {
	x.mu.Lock()
	cmd, closing := x.cmd, x.closing
	x.mu.Unlock()
	if !closing {
		// Its output is over or garbled: whatever it is doing is no use.
		cmd.Process.Kill()
	}
	werr := cmd.Wait()
	out.Close()

	x.mu.Lock()
	x.in.Close()
	st, c, hung := x.state, x.cur, x.hung
	x.state, x.cur, x.cmd, x.in = stateDead, nil, nil, nil
	x.watch.Stop()
	x.mu.Unlock()

	switch st {
	case stateBusy:
		x.pool.slots.Drop()
	case stateIdle:
		x.pool.slots.Remove(func(g grant) bool { return g.p == x })
	}
	if c == nil {
		return werr
	}
	var err error
	switch {
	case closing:
		err = ErrClosed
	case hung:
		err = fmt.Errorf("%w: silent for %v", ErrWorkerHung, x.pool.cfg.HangTimeout)
	case errors.Is(cause, errProtocol):
		err = fmt.Errorf("%w: %v", ErrWorkerDied, cause)
	default:
		err = fmt.Errorf("%w (%v)", ErrWorkerDied, werr)
	}
	c.end(err)
	return werr
}

// synthesize serves one synthesis on the process that gen names. It
// returns errStale, having sent nothing, if that process is gone.
func (x *proc) synthesize(ctx context.Context, gen uint64, text string, params Params, words func([]Word), emit func([]int16) error) error {
	return x.do(&call{ctx: ctx, emit: emit, words: words, textLen: len(text)}, gen, func(e *encoder, id uint64) error {
		return e.request(wireRequest{id: id, params: params, text: text, words: words != nil})
	})
}

// phonemize serves one phonemisation of text, cleaned already, on the
// process that gen names. It returns errStale, having sent nothing, if
// that process is gone.
func (x *proc) phonemize(ctx context.Context, gen uint64, text, voice string) ([]Clause, error) {
	ph := &phonemes{text: text}
	err := x.do(&call{ctx: ctx, phon: ph}, gen, func(e *encoder, id uint64) error {
		return e.phonemize(wirePhonemize{id: id, voice: voice, text: text})
	})
	if err != nil {
		return nil, err
	}
	return ph.clauses, nil
}

// do sends c's request, which send encodes, and waits for its outcome.
func (x *proc) do(c *call, gen uint64, send func(e *encoder, id uint64) error) error {
	ctx := c.ctx
	x.mu.Lock()
	if x.state != stateIdle || x.gen != gen {
		x.mu.Unlock()
		return errStale
	}
	x.nextID++
	c.id, c.done = x.nextID, make(chan result, 1)
	x.cur, x.state = c, stateBusy
	x.waitingSince.Store(time.Now().UnixNano())
	x.arm()
	in := x.in
	x.mu.Unlock()
	x.pool.workerRequests.Add(1)

	x.write(in, func(e *encoder) error { return send(e, c.id) })
	var r result
	select {
	case r = <-c.done:
	case <-ctx.Done():
		c.mu.Lock() // waits for emit to return, if it is running
		decided := c.finish(result{err: ctx.Err()})
		c.mu.Unlock()
		r = <-c.done
		if decided {
			x.cancel(c)
		}
	}
	if r.panicked {
		panic(r.recovered)
	}
	return r.err
}

// cancel tells the worker to abandon c if it is still on it. The slot
// frees when the worker's end frame arrives.
func (x *proc) cancel(c *call) {
	x.mu.Lock()
	current, in := x.cur == c, x.in
	x.mu.Unlock()
	if current {
		x.write(in, func(e *encoder) error { return e.cancel(c.id) })
	}
}

// write sends one frame. A worker that does not take it within
// HangTimeout, or whose pipe is broken, is killed: the supervisor then
// fails its request.
func (x *proc) write(in *os.File, frame func(*encoder) error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.enc.w = in
	in.SetWriteDeadline(time.Now().Add(x.pool.cfg.HangTimeout))
	if err := frame(&x.enc); err != nil {
		x.mu.Lock()
		if x.in == in && x.cmd != nil {
			x.cmd.Process.Kill()
		}
		x.mu.Unlock()
	}
}

// arm starts the watchdog. x.mu is held.
func (x *proc) arm() {
	if x.watch == nil {
		x.watch = time.AfterFunc(x.pool.cfg.HangTimeout, x.watchdog)
		return
	}
	x.watch.Reset(x.pool.cfg.HangTimeout)
}

// watchdog kills a process that has kept the supervisor waiting for
// HangTimeout while starting or serving a request.
func (x *proc) watchdog() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if (x.state != stateStarting && x.state != stateBusy) || x.cmd == nil {
		return
	}
	timeout := x.pool.cfg.HangTimeout
	left := timeout
	if since := x.waitingSince.Load(); since != 0 {
		left = timeout - time.Since(time.Unix(0, since))
	}
	if left > 0 {
		x.watch.Reset(left)
		return
	}
	x.hung = true
	x.cmd.Process.Kill()
}

// stop makes the process exit: its stdin closes, which a worker takes as
// the end, and it gets SIGTERM, then SIGKILL after StopGrace. It does not
// wait; the supervisor does.
func (x *proc) stop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closing = true
	if x.cmd == nil {
		return
	}
	x.in.Close()
	x.cmd.Process.Signal(syscall.SIGTERM)
	cmd := x.cmd
	x.kill = time.AfterFunc(x.pool.cfg.StopGrace, func() { cmd.Process.Kill() })
}

func (x *proc) isClosing() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.closing
}

// running reports whether the process is up (not starting, not dead).
func (x *proc) running() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.state == stateIdle || x.state == stateBusy
}

// pid is the running process's id, or 0.
func (x *proc) pid() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cmd == nil || x.cmd.Process == nil {
		return 0
	}
	return x.cmd.Process.Pid
}

func (x *proc) stopTimers() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.watch != nil {
		x.watch.Stop()
	}
	if x.kill != nil {
		x.kill.Stop()
	}
}
