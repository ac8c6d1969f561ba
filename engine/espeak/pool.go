package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/engine/sched"
)

// WorkerSubcommand is the hidden command-line subcommand that makes a
// binary serve as a worker process (see ServeWorker). The default
// PoolConfig.WorkerCommand runs this executable with it.
const WorkerSubcommand = "__espeak-worker"

// MaxTextBytes is the longest text, in bytes, that a Pool takes in one
// request, whichever worker serves it; a protocol segment is at most 4096
// characters, far less.
const MaxTextBytes = 256 << 10

// PoolConfig sizes and tunes a Pool. The zero value serves everything with
// the in-process worker.
type PoolConfig struct {
	// Processes is the number of worker processes beside the in-process
	// worker; 0 means none. One slot per CPU is runtime.GOMAXPROCS(0)-1.
	Processes int
	// Isolated sends every request, phonemisations included, to a worker
	// process and none to the in-process worker, so that espeak-ng never
	// reads a request's text inside this process: a crash, or memory
	// corrupted by hostile text, stays in a worker. The in-process
	// espeak-ng is still initialised (for SampleRate and for validating
	// Params) but reads nothing. It needs Processes >= 1.
	Isolated bool
	// WorkerCommand starts one worker process, program first. Empty means
	// this executable with WorkerSubcommand, which works only if the
	// program serves it (parley does).
	WorkerCommand []string
	// WorkerEnv is added to this process's environment for the workers.
	WorkerEnv []string
	// Stderr receives the workers' standard error, where a crashing worker
	// leaves its last words; nil means this process's standard error.
	Stderr io.Writer
	// HangTimeout is how long a worker may stay silent while it starts or
	// serves a request before it is killed and replaced; 0 means 10 s.
	HangTimeout time.Duration
	// StopGrace is how long Close waits after SIGTERM before it kills a
	// worker; 0 means 2 s.
	StopGrace time.Duration
	// RestartBackoff is the wait before restarting a worker that died
	// again without completing a request since its last restart, doubling
	// each time up to MaxRestartBackoff; a worker that dies after serving
	// restarts at once. 0 means 100 ms and 10 s.
	RestartBackoff, MaxRestartBackoff time.Duration
}

func (c PoolConfig) withDefaults() PoolConfig {
	if c.HangTimeout == 0 {
		c.HangTimeout = 10 * time.Second
	}
	if c.StopGrace == 0 {
		c.StopGrace = 2 * time.Second
	}
	if c.RestartBackoff == 0 {
		c.RestartBackoff = 100 * time.Millisecond
	}
	if c.MaxRestartBackoff == 0 {
		c.MaxRestartBackoff = max(10*time.Second, c.RestartBackoff)
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	return c
}

// Validate reports settings that cannot work.
func (c PoolConfig) Validate() error {
	if c.Processes < 0 {
		return fmt.Errorf("espeak-ng: %d worker processes", c.Processes)
	}
	if c.Isolated && c.Processes == 0 {
		return errors.New("espeak-ng: isolated in worker processes, but there are none")
	}
	if c.HangTimeout < 0 || c.StopGrace < 0 || c.RestartBackoff < 0 || c.MaxRestartBackoff < 0 {
		return errors.New("espeak-ng: negative pool timeout")
	}
	if c = c.withDefaults(); c.MaxRestartBackoff < c.RestartBackoff {
		return errors.New("espeak-ng: MaxRestartBackoff is below RestartBackoff")
	}
	return nil
}

// Pool runs espeak-ng requests in parallel: on the in-process worker, and
// on worker processes that each run their own espeak-ng. It is safe for
// concurrent use.
type Pool struct {
	cfg     PoolConfig
	argv    []string
	engine  *Engine // the in-process worker; also validates Params
	inProc  bool    // engine serves requests (unless PoolConfig.Isolated)
	procs   []*proc
	quit    chan struct{} // closed by Close
	wg      sync.WaitGroup
	closing sync.Once

	// slots hands out the in-process worker (when it serves requests) and
	// the worker processes that are running and idle, earliest sched.Due
	// first.
	slots *sched.Line[grant]

	restarts, workerRequests atomic.Int64
}

// grant is one slot handed to a request: the in-process worker when p is
// nil, else worker process p as started for the gen'th time. A grant
// outlives the process it names when the process dies while the grant is
// free or on its way to a waiter; proc.do notices.
type grant struct {
	p   *proc
	gen uint64
}

// pick prefers the in-process worker, then the worker process used last:
// its caches are warm.
func pick(free []grant) int {
	if i := slices.IndexFunc(free, func(g grant) bool { return g.p == nil }); i >= 0 {
		return i
	}
	return len(free) - 1
}

// OpenPool opens the in-process worker (see Open) and starts cfg.Processes
// worker processes, waiting until each has started espeak-ng. A worker
// that cannot start fails OpenPool, so that a misconfigured host fails at
// start-up; later deaths are handled by restarting.
func OpenPool(cfg PoolConfig) (*Pool, error) {
	return openPool(cfg, !cfg.Isolated)
}

// openPool is OpenPool; without inProc every request goes to a worker
// process.
func openPool(cfg PoolConfig, inProc bool) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	argv := slices.Clone(cfg.WorkerCommand)
	if cfg.Processes > 0 && len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("espeak-ng: worker command: %w", err)
		}
		argv = []string{exe, WorkerSubcommand}
	}
	e, err := Open()
	if err != nil {
		return nil, err
	}
	p := &Pool{cfg: cfg, argv: argv, engine: e, inProc: inProc, slots: sched.NewLine(pick), quit: make(chan struct{})}
	if inProc {
		p.slots.Add(grant{})
	}
	started := make(chan error, cfg.Processes)
	for range cfg.Processes {
		x := &proc{pool: p}
		p.procs = append(p.procs, x)
		p.wg.Add(1)
		go x.run(started)
	}
	for range cfg.Processes {
		if serr := <-started; serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("espeak-ng: starting a worker process: %w", err)
	}
	return p, nil
}

// SampleRate is the rate of the PCM that Synthesize emits, the same on
// every worker.
func (p *Pool) SampleRate() int { return p.engine.SampleRate() }

// Synthesize speaks text with params as Engine.Synthesize does, on the
// in-process worker if it is free, else on a free worker process, else on
// the first slot to free up (requests wait by when their audio is needed,
// sched.Due, for as long as ctx allows). Text is at most MaxTextBytes.
//
// emit is called as each chunk is made: on the espeak-ng thread
// in-process, and on the goroutine that reads the worker process's output
// otherwise. Either way it holds up its slot while it runs, so it must not
// block for long, call into this package or call runtime.Goexit; a panic
// in it is re-raised in the caller.
//
// If the worker process dies or hangs mid-request, Synthesize returns
// ErrWorkerDied or ErrWorkerHung and the pool replaces the worker; other
// requests are not affected. When ctx ends, Synthesize returns ctx.Err()
// as soon as emit is not running; the worker process aborts at its next
// chunk and takes another request only once it has acknowledged the
// abort, so none of the aborted audio reaches a later request.
func (p *Pool) Synthesize(ctx context.Context, text string, params Params, emit func(pcm []int16) error) error {
	return p.SynthesizeWords(ctx, text, params, nil, emit)
}

// SynthesizeWords is Synthesize with word events, as
// Engine.SynthesizeWords: words, when not nil, runs like emit, with the
// words that start in a chunk before the chunk.
func (p *Pool) SynthesizeWords(ctx context.Context, text string, params Params, words func([]Word), emit func(pcm []int16) error) error {
	if emit == nil {
		return errors.New("espeak-ng: nil emit")
	}
	if err := p.engine.validate(params); err != nil {
		return err
	}
	if len(text) > MaxTextBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTextTooLong, len(text), MaxTextBytes)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if text == "" {
		return nil
	}
	for {
		g, err := p.slots.Acquire(ctx)
		if err != nil {
			return err
		}
		if g.p == nil {
			return p.synthesizeLocal(ctx, text, params, words, emit)
		}
		err = g.p.synthesize(ctx, g.gen, text, params, words, emit)
		if !errors.Is(err, errStale) {
			return err
		}
		// The process died before the request reached it: try another.
		p.slots.Drop()
	}
}

// Phonemize reads text with voice into clauses and their IPA phonemes, as
// Engine.Phonemize does. Text is at most MaxTextBytes.
//
// A pool that serves requests in-process phonemises there: phonemisation
// takes well under a millisecond per clause, and waits at most for the one
// synthesis the in-process worker may be running. An isolated pool
// (PoolConfig.Isolated) sends it to a worker process instead, since
// espeak-ng reads the text there with the same code as for synthesis: it
// waits for a slot as Synthesize does, and fails with ErrWorkerDied or
// ErrWorkerHung, the worker being replaced, if the worker dies or hangs.
// When ctx ends, Phonemize returns ctx.Err() at once and the worker's slot
// frees when the worker has acknowledged.
func (p *Pool) Phonemize(ctx context.Context, text, voice string) ([]Clause, error) {
	if len(text) > MaxTextBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTextTooLong, len(text), MaxTextBytes)
	}
	if p.inProc {
		return p.engine.Phonemize(ctx, text, voice)
	}
	if err := p.engine.validate(Params{Voice: voice}); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Cleaned here, so that the worker reads the very bytes the clauses'
	// texts are cut from (cleanText changes nothing the second time).
	if text = cleanText(text); strings.TrimSpace(text) == "" {
		return nil, nil
	}
	for {
		// Without inProc the pool never hands out the in-process slot:
		// g.p is a worker process.
		g, err := p.slots.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		clauses, err := g.p.phonemize(ctx, g.gen, text, voice)
		if !errors.Is(err, errStale) {
			return clauses, err
		}
		p.slots.Drop()
	}
}

func (p *Pool) synthesizeLocal(ctx context.Context, text string, params Params, words func([]Word), emit func(pcm []int16) error) error {
	defer p.slots.Release(grant{})
	return p.engine.SynthesizeWords(ctx, text, params, words, emit)
}

// PoolStats is a Pool's load.
type PoolStats struct {
	Slots  int // the in-process worker and the configured worker processes
	Ready  int // slots running: able to take a request now or when free
	Busy   int // slots serving a request (or waiting for a worker's abort)
	Queued int // requests waiting for a slot
	// Restarts counts worker processes started to replace one that died.
	Restarts int64
	// WorkerRequests counts requests (syntheses and phonemisations) sent
	// to worker processes.
	WorkerRequests int64
}

// Stats reports the pool's load.
func (p *Pool) Stats() PoolStats {
	s := PoolStats{Slots: len(p.procs), Restarts: p.restarts.Load(), WorkerRequests: p.workerRequests.Load()}
	for _, x := range p.procs {
		if x.running() {
			s.Ready++
		}
	}
	s.Busy, s.Queued = p.slots.Stats()
	if p.inProc {
		s.Slots++
		if !p.slots.Closed() {
			s.Ready++
		}
	}
	return s
}

// Close fails queued requests with ErrClosed, aborts the ones in progress
// (they return ErrClosed), stops every worker process (SIGTERM, then
// SIGKILL after StopGrace) and waits for them to exit. It is idempotent
// and always returns nil.
func (p *Pool) Close() error {
	p.closing.Do(func() {
		p.slots.Close(ErrClosed)
		close(p.quit)
		for _, x := range p.procs {
			x.stop()
		}
		p.engine.Close()
		p.wg.Wait()
	})
	return nil
}
