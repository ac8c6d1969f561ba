//go:build cgo

package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

// poolConfig runs the test binary as the workers, in mode, with short
// timeouts.
func poolConfig(processes int, mode string) PoolConfig {
	return PoolConfig{
		Processes:         processes,
		WorkerCommand:     []string{os.Args[0]},
		WorkerEnv:         []string{testWorkerEnv + "=" + mode},
		HangTimeout:       5 * time.Second,
		StopGrace:         time.Second,
		RestartBackoff:    10 * time.Millisecond,
		MaxRestartBackoff: 50 * time.Millisecond,
	}
}

// newPool opens a pool that is closed, and checked for child processes,
// when the test ends.
func newPool(t testing.TB, cfg PoolConfig, inProc bool) *Pool {
	t.Helper()
	p, err := openPool(cfg, inProc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		noChildren(t)
	})
	return p
}

// noChildren fails if this process has a child, running or not yet
// reaped.
func noChildren(t testing.TB) {
	t.Helper()
	if kids := children(t); len(kids) > 0 {
		t.Errorf("child processes left: %v", kids)
	}
}

// children lists this process's children from /proc, with their state.
func children(t testing.TB) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	self := strconv.Itoa(os.Getpid())
	var kids []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) > 1 && fields[1] == self {
			kids = append(kids, filepath.Base(filepath.Dir(f))+":"+fields[0])
		}
	}
	return kids
}

// run runs one request on p and returns its audio.
func run(ctx context.Context, p *Pool, text string, params Params) ([]int16, error) {
	var pcm []int16
	err := p.Synthesize(ctx, text, params, func(chunk []int16) error {
		pcm = append(pcm, chunk...)
		return nil
	})
	return pcm, err
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdSlot starts a request whose first emit blocks until release is
// called, and returns once it blocks; release returns the request's
// error. The request's audio is kept in *pcm.
func holdSlot(t *testing.T, p *Pool, text string, pcm *[]int16) (release func() error) {
	t.Helper()
	started := make(chan struct{})
	unblock := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- p.Synthesize(context.Background(), text, Params{Voice: "en-us"}, func(chunk []int16) error {
			if pcm != nil {
				*pcm = append(*pcm, chunk...)
			}
			if first {
				first = false
				close(started)
				<-unblock
			}
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("held request ended early: %v", err)
	}
	release = sync.OnceValue(func() error {
		close(unblock)
		return <-done
	})
	t.Cleanup(func() { release() })
	return release
}

// roughly compares two renditions of a long text by length and level
// only: over a dozen seconds espeak-ng's drift from call to call (a few
// tenths of a percent in length) is enough to decorrelate the envelopes
// that differs compares.
func roughly(a, b []int16) string {
	if len(a) == 0 || len(b) == 0 {
		return fmt.Sprintf("%d vs %d samples", len(a), len(b))
	}
	if r := float64(len(b)) / float64(len(a)); math.Abs(r-1) > 0.01 {
		return fmt.Sprintf("length ratio %.4f", r)
	}
	if r := rms(b) / rms(a); math.Abs(r-1) > 0.03 {
		return fmt.Sprintf("RMS ratio %.4f", r)
	}
	return ""
}

// TestPoolConcurrent sends many requests at once through the in-process
// worker and two worker processes: each must sound as it does alone.
func TestPoolConcurrent(t *testing.T) {
	p := newPool(t, poolConfig(2, "serve"), true)
	if s := p.Stats(); s.Slots != 3 || s.Ready != 3 || s.Busy != 0 || s.Queued != 0 {
		t.Fatalf("idle Stats = %+v, want 3 slots ready", s)
	}
	texts := []string{sentence, native[protocol.German], native[protocol.French]}
	params := []Params{{Voice: "en-us"}, {Voice: "de", Pitch: 70}, {Voice: "fr", Variant: "f2", Rate: 250}}
	want := make([][]int16, len(texts))
	for i := range texts {
		want[i] = speak(t, p.engine, texts[i], params[i])
	}
	const callers = 6
	errs := make(chan error, callers*len(texts))
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for k := range texts {
				i := (c + k) % len(texts)
				got, err := run(context.Background(), p, texts[i], params[i])
				switch {
				case err != nil:
					errs <- fmt.Errorf("caller %d, text %d: %w", c, i, err)
				case rms(got) < 500:
					errs <- fmt.Errorf("caller %d, text %d: RMS %.0f, nearly silent", c, i, rms(got))
				default:
					if d := differs(want[i], got, p.SampleRate()); d != "" {
						errs <- fmt.Errorf("caller %d, text %d: differs from a serial call: %s", c, i, d)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := p.Stats()
	if s.WorkerRequests == 0 || s.WorkerRequests == callers*int64(len(texts)) {
		t.Errorf("%d of %d requests went to worker processes, want some", s.WorkerRequests, callers*len(texts))
	}
	if s.Busy != 0 || s.Queued != 0 || s.Restarts != 0 {
		t.Errorf("Stats after the burst = %+v", s)
	}
}

// TestPoolDispatch checks the order of preference: the in-process worker,
// then a worker process, then the queue, which is first come first served.
func TestPoolDispatch(t *testing.T) {
	p := newPool(t, poolConfig(1, "serve"), true)
	for range 3 {
		if _, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Stats().WorkerRequests; n != 0 {
		t.Fatalf("%d requests went to a worker process while the in-process worker was free", n)
	}
	releaseLocal := holdSlot(t, p, sentence, nil)
	releaseProc := holdSlot(t, p, sentence, nil)
	if s := p.Stats(); s.WorkerRequests != 1 || s.Busy != 2 {
		t.Fatalf("with the in-process worker busy: Stats = %+v, want one request on a worker process", s)
	}

	// Three more wait; the first of them gives up.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := run(ctx, p, sentence, Params{Voice: "en-us"}); gaveUp <- err }()
	waitFor(t, "one queued", func() bool { return p.Stats().Queued == 1 })
	var order []int
	var mu sync.Mutex
	done := make(chan error, 2)
	for i := range 2 {
		go func() {
			first := true
			done <- p.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error {
				if first {
					first = false
					mu.Lock()
					order = append(order, i)
					mu.Unlock()
				}
				return nil
			})
		}()
		waitFor(t, "queued", func() bool { return p.Stats().Queued == 2+i })
	}
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("queued request = %v, want context.Canceled", err)
	}
	if s := p.Stats(); s.Queued != 2 || s.Busy != 2 {
		t.Errorf("after a queued request gave up: Stats = %+v", s)
	}
	// One slot frees at a time: the earlier request gets it.
	if err := releaseProc(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := releaseLocal(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != 0 || order[1] != 1 {
		t.Errorf("queued requests started in order %v, want [0 1]", order)
	}
	if s := p.Stats(); s.Queued != 0 || s.Busy != 0 {
		t.Errorf("idle Stats = %+v", s)
	}
}

// TestPoolUrgentFirst queues two requests needed later and then an urgent
// one behind a busy slot: the urgent one is served first, the others in
// arrival order.
func TestPoolUrgentFirst(t *testing.T) {
	p := newPool(t, poolConfig(0, "serve"), true)
	release := holdSlot(t, p, sentence, nil)
	var mu sync.Mutex
	var order []string
	done := make(chan error, 3)
	later := time.Now().Add(time.Minute)
	for i, name := range []string{"plain 1", "plain 2", "urgent"} {
		ctx := sched.PlayBy(context.Background(), later)
		if name == "urgent" {
			ctx = sched.Urgent(context.Background())
		}
		go func() {
			first := true
			done <- p.Synthesize(ctx, sentence, Params{Voice: "en-us"}, func([]int16) error {
				if first {
					first = false
					mu.Lock()
					order = append(order, name)
					mu.Unlock()
				}
				return nil
			})
		}()
		waitFor(t, "queued", func() bool { return p.Stats().Queued == i+1 })
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"urgent", "plain 1", "plain 2"}; !slices.Equal(order, want) {
		t.Errorf("served in order %v, want %v", order, want)
	}
}

// TestPoolWorkerDies kills or breaks a worker process mid-request while
// the in-process worker is busy with another request: that request fails
// with ErrWorkerDied, a retry succeeds on the restarted worker, and the
// other request is not disturbed.
func TestPoolWorkerDies(t *testing.T) {
	tests := []struct {
		name string
		text string
		kill bool // SIGKILL the worker from outside at the first chunk
	}{
		{"SIGKILL", longText, true},
		{"exits mid-request", exitText, false},
		{"garbles its output", garbageText, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, poolConfig(1, "serve"), true)
			want := speak(t, p.engine, longText, Params{Voice: "en-us"})
			wantRetry := speak(t, p.engine, sentence, Params{Voice: "en-us"})
			var other []int16
			releaseOther := holdSlot(t, p, longText, &other)

			x := p.procs[0]
			pid := x.pid()
			chunks := 0
			err := p.Synthesize(context.Background(), tt.text, Params{Voice: "en-us"}, func([]int16) error {
				if chunks++; chunks == 1 && tt.kill {
					syscall.Kill(pid, syscall.SIGKILL)
				}
				return nil
			})
			if !errors.Is(err, ErrWorkerDied) {
				t.Fatalf("request on the dying worker = %v, want ErrWorkerDied", err)
			}
			if chunks == 0 {
				t.Error("the worker sent no audio before it died")
			}
			t.Logf("%v after %d chunks", err, chunks)

			got, err := run(context.Background(), p, sentence, Params{Voice: "en-us"})
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if newPID := x.pid(); newPID == pid || newPID == 0 {
				t.Errorf("worker pid %d after the restart, was %d", newPID, pid)
			}
			if d := differs(wantRetry, got, p.SampleRate()); d != "" {
				t.Errorf("the restarted worker sounds different: %s", d)
			}
			if s := p.Stats(); s.Restarts != 1 || s.Ready != 2 {
				t.Errorf("Stats = %+v, want one restart and both slots ready", s)
			}

			if err := releaseOther(); err != nil {
				t.Fatalf("the in-process request: %v", err)
			}
			if d := roughly(want, other); d != "" {
				t.Errorf("the in-process request was disturbed: %s", d)
			}
		})
	}
}

// TestPoolIdleWorkerDies kills a worker process between requests: the
// pool replaces it at once, and requests carry on.
func TestPoolIdleWorkerDies(t *testing.T) {
	p := newPool(t, poolConfig(1, "serve"), false)
	if _, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil {
		t.Fatal(err)
	}
	x := p.procs[0]
	pid := x.pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replacement", func() bool { return p.Stats().Restarts == 1 && x.running() })
	if newPID := x.pid(); newPID == pid {
		t.Errorf("worker pid %d after the restart, was %d", newPID, pid)
	}
	if s := p.Stats(); s.Busy != 0 || s.Ready != 1 {
		t.Errorf("Stats = %+v after the replacement", s)
	}
	if _, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil {
		t.Errorf("request on the replacement: %v", err)
	}
}

// TestPoolWorkerHangs has a worker stop answering mid-request: the
// request fails with ErrWorkerHung after HangTimeout and the worker is
// replaced. A request whose caller cancels first returns at once, and the
// worker that never acknowledges the cancel is replaced all the same.
func TestPoolWorkerHangs(t *testing.T) {
	const timeout = 500 * time.Millisecond
	tests := []struct {
		name    string
		cancel  bool
		wantErr error
	}{
		{"silent mid-request", false, ErrWorkerHung},
		{"silent after a cancel", true, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := poolConfig(1, "serve")
			cfg.HangTimeout = timeout
			p := newPool(t, cfg, false)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			start := time.Now()
			err := p.Synthesize(ctx, hangText, Params{Voice: "en-us"}, func([]int16) error {
				if tt.cancel {
					cancel()
				}
				return nil
			})
			elapsed := time.Since(start)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Synthesize = %v, want %v", err, tt.wantErr)
			}
			if !tt.cancel && elapsed < timeout {
				t.Errorf("gave up after %v, before the %v timeout", elapsed, timeout)
			}
			if tt.cancel && p.Stats().Busy != 1 {
				t.Errorf("Stats = %+v: the slot was freed before the worker acknowledged the cancel", p.Stats())
			}
			got, err := run(context.Background(), p, sentence, Params{Voice: "en-us"})
			if err != nil {
				t.Fatalf("next request: %v", err)
			}
			if d := differs(speak(t, p.engine, sentence, Params{Voice: "en-us"}), got, p.SampleRate()); d != "" {
				t.Errorf("the replacement sounds different: %s", d)
			}
			if n := p.Stats().Restarts; n != 1 {
				t.Errorf("%d restarts, want 1", n)
			}
		})
	}
}

// TestPoolCancel cancels worker-process requests mid-stream: the caller
// gets its error back at once, with no audio after it, and the next
// request on the same worker carries none of the aborted one's audio.
func TestPoolCancel(t *testing.T) {
	p := newPool(t, poolConfig(1, "serve"), false)
	want, err := run(context.Background(), p, sentence, Params{Voice: "en-us"})
	if err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		stop    func(cancel context.CancelFunc) error // from the second emit
		wantErr error
	}{
		{"context cancelled", func(cancel context.CancelFunc) error { cancel(); return nil }, context.Canceled},
		{"emit error", func(context.CancelFunc) error { return errStop }, errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emits, after := 0, 0
			err := p.Synthesize(ctx, longText, Params{Voice: "en-us"}, func([]int16) error {
				emits++
				switch {
				case emits == 2:
					return tt.stop(cancel)
				case emits > 2:
					after++
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Synthesize = %v, want %v", err, tt.wantErr)
			}
			if after > 0 {
				t.Errorf("%d emits after the stop", after)
			}
			got, err := run(context.Background(), p, sentence, Params{Voice: "en-us"})
			if err != nil {
				t.Fatal(err)
			}
			if d := differs(want, got, p.SampleRate()); d != "" {
				t.Errorf("after the abort the same request sounds different: %s", d)
			}
		})
	}
	if s := p.Stats(); s.Restarts != 0 || s.WorkerRequests != 5 {
		t.Errorf("Stats = %+v, want 5 requests and no restart: a cancel must not kill the worker", s)
	}
}

// TestPoolEmitPanic checks that a panic in emit reaches the caller from a
// worker process too, and that the worker serves on.
func TestPoolEmitPanic(t *testing.T) {
	p := newPool(t, poolConfig(1, "serve"), false)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the emit panic", r)
			}
		}()
		p.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error { panic("boom") })
		t.Error("Synthesize returned normally")
	}()
	if _, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil {
		t.Errorf("after the panic: %v", err)
	}
}

// TestPoolRejects checks the errors that never reach a worker, and that a
// stray print on a worker's standard output does not break the protocol.
func TestPoolRejects(t *testing.T) {
	cfg := poolConfig(1, "serve")
	cfg.Stderr = discard{}
	p := newPool(t, cfg, false)
	tests := []struct {
		name   string
		text   string
		params Params
		want   error
	}{
		{"unknown voice", sentence, Params{Voice: "klingon"}, ErrUnknownVoice},
		{"unknown variant", sentence, Params{Voice: "en-us", Variant: "nope"}, ErrUnknownVariant},
		{"rate out of range", sentence, Params{Voice: "en-us", Rate: 5}, ErrInvalidParams},
		{"text too long", strings.Repeat("a", MaxTextBytes+1), Params{Voice: "en-us"}, ErrTextTooLong},
		{"empty text", "", Params{Voice: "en-us"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm, err := run(context.Background(), p, tt.text, tt.params)
			if !errors.Is(err, tt.want) || len(pcm) != 0 {
				t.Errorf("Synthesize = %v with %d samples, want %v and none", err, len(pcm), tt.want)
			}
		})
	}
	if n := p.Stats().WorkerRequests; n != 0 {
		t.Errorf("%d requests reached the worker", n)
	}
	pcm, err := run(context.Background(), p, printText, Params{Voice: "en-us"})
	if err != nil || rms(pcm) < 500 {
		t.Errorf("after a stray print: %v, RMS %.0f", err, rms(pcm))
	}
	if p.Stats().Restarts != 0 {
		t.Error("a stray print killed the worker")
	}
}

// TestPoolClose closes a pool with every slot busy and requests queued:
// all of them fail with ErrClosed, Close returns, and no worker process
// is left, even one that ignores its stdin closing and SIGTERM.
func TestPoolClose(t *testing.T) {
	cfg := poolConfig(2, "serve")
	cfg.StopGrace = 200 * time.Millisecond
	p, err := openPool(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { noChildren(t) })
	texts := []string{longText, longText, hangText, longText, longText}
	started := make(chan struct{}, len(texts))
	results := make(chan error, len(texts))
	for i, text := range texts {
		go func() {
			first := true
			results <- p.Synthesize(context.Background(), text, Params{Voice: "en-us"}, func([]int16) error {
				if first {
					first = false
					started <- struct{}{}
				}
				time.Sleep(5 * time.Millisecond) // keep the slot busy
				return nil
			})
		}()
		if i < 3 {
			<-started
		} else {
			waitFor(t, "queued", func() bool { return p.Stats().Queued == i-2 })
		}
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start))
	for range texts {
		if err := <-results; !errors.Is(err, ErrClosed) {
			t.Errorf("request = %v, want ErrClosed", err)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Synthesize after Close = %v, want ErrClosed", err)
	}
	if s := p.Stats(); s.Ready != 0 || s.Queued != 0 {
		t.Errorf("Stats after Close = %+v, want no worker process running", s)
	}
}

// TestPoolStartFailures checks that a worker that cannot start fails
// OpenPool with a reason and leaves no process behind.
func TestPoolStartFailures(t *testing.T) {
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "espeak-ng-data"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  func(*PoolConfig)
		want string
		is   error
	}{
		{"never says hello", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=silent"} }, "no hello", ErrWorkerHung},
		{"another protocol version", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=oldversion"} }, "version", errProtocol},
		{"version 1, which cannot phonemise", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=version1"} }, "version 1, want 4", errProtocol},
		{"version 2, without the phonemes flag", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=version2"} }, "version 2, want 4", errProtocol},
		{"version 3, without word events", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=version3"} }, "version 3, want 4", errProtocol},
		{"no such program", func(c *PoolConfig) { c.WorkerCommand = []string{filepath.Join(empty, "nothing")} }, "no such file", nil},
		{"espeak-ng cannot start", func(c *PoolConfig) { c.WorkerEnv = append(c.WorkerEnv, "ESPEAK_DATA_PATH="+empty) }, "espeak-ng-data", nil},
		{"exits at once", func(c *PoolConfig) { c.WorkerEnv = []string{testWorkerEnv + "=nonsense"} }, "exit status 2", ErrWorkerDied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := poolConfig(1, "serve")
			cfg.HangTimeout = 500 * time.Millisecond
			cfg.Stderr = discard{}
			tt.cfg(&cfg)
			p, err := OpenPool(cfg)
			if err == nil {
				p.Close()
				t.Fatal("OpenPool succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("OpenPool = %v, want %q", err, tt.want)
			}
			noChildren(t)
		})
	}
}

// discard is an io.Writer that is not an *os.File, so that exec copies
// through a pipe, as it does for any writer a caller passes.
type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func TestPoolConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  PoolConfig
		ok   bool
	}{
		{"zero", PoolConfig{}, true},
		{"processes", PoolConfig{Processes: 3}, true},
		{"negative processes", PoolConfig{Processes: -1}, false},
		{"negative timeout", PoolConfig{HangTimeout: -time.Second}, false},
		{"backoff above its maximum", PoolConfig{RestartBackoff: time.Minute, MaxRestartBackoff: time.Second}, false},
		{"backoff above the default maximum", PoolConfig{RestartBackoff: time.Minute}, true},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	x := &proc{pool: &Pool{cfg: PoolConfig{RestartBackoff: 100 * time.Millisecond, MaxRestartBackoff: time.Second}}}
	want := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for n, w := range want {
		if got := x.backoff(n); got != w {
			t.Errorf("backoff(%d) = %v, want %v", n, got, w)
		}
	}
}

// TestServeWorker drives the worker side over in-memory pipes.
func TestServeWorker(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serveWorker(context.Background(), inR, outW, nil) }()
	enc := encoder{w: inW}
	dec := decoder{r: outR}
	next := func() (frameType, []byte) {
		t.Helper()
		typ, body, err := dec.next()
		if err != nil {
			t.Fatal(err)
		}
		return typ, body
	}
	typ, body := next()
	h, err := parseHello(body)
	if typ != frameHello || err != nil || h.version != protocolVersion || h.rate != 22050 || h.err != "" {
		t.Fatalf("hello %q %+v %v", typ, h, err)
	}
	// readAll collects a request's audio up to its end.
	readAll := func(id uint64, cancelAt int) (int, end) {
		t.Helper()
		samples, frames := 0, 0
		for {
			typ, body := next()
			switch typ {
			case frameAudio:
				got, pcm, err := parseAudio(body)
				if err != nil || got != id {
					t.Fatalf("audio for %d, want %d (%v)", got, id, err)
				}
				samples += len(pcm)
				if frames++; frames == cancelAt {
					if err := enc.cancel(id); err != nil {
						t.Fatal(err)
					}
				}
			case frameEnd:
				e, err := parseEnd(body)
				if err != nil || e.id != id {
					t.Fatalf("end %+v, want id %d (%v)", e, id, err)
				}
				return samples, e
			default:
				t.Fatalf("frame %q", typ)
			}
		}
	}
	if err := enc.request(wireRequest{1, Params{Voice: "en-us"}, sentence, false}); err != nil {
		t.Fatal(err)
	}
	full, e := readAll(1, 0)
	if e.status != statusOK || full < 22050 {
		t.Fatalf("request 1: %d samples, %+v", full, e)
	}
	if err := enc.request(wireRequest{2, Params{Voice: "en-us"}, longText, false}); err != nil {
		t.Fatal(err)
	}
	part, e := readAll(2, 2)
	if e.status != statusCancelled || part > full {
		t.Errorf("cancelled request 2: %d samples, %+v", part, e)
	}
	if err := enc.request(wireRequest{3, Params{Voice: "xx"}, sentence, false}); err != nil {
		t.Fatal(err)
	}
	if _, e := readAll(3, 0); e.status != statusUnknownVoice || !errors.Is(e.err(), ErrUnknownVoice) {
		t.Errorf("unknown voice: %+v", e)
	}

	// phonemize sends a phonemisation and reads its clauses up to its end.
	phonemize := func(id uint64, text, voice string) ([]Clause, end) {
		t.Helper()
		if err := enc.phonemize(wirePhonemize{id, voice, text}); err != nil {
			t.Fatal(err)
		}
		ph := phonemes{text: text}
		for {
			typ, body := next()
			switch typ {
			case frameClauses:
				got, clauses, err := parseClauses(body)
				if err != nil || got != id {
					t.Fatalf("clauses for %d, want %d (%v)", got, id, err)
				}
				if err := ph.add(clauses); err != nil {
					t.Fatal(err)
				}
			case frameEnd:
				e, err := parseEnd(body)
				if err != nil || e.id != id {
					t.Fatalf("end %+v, want id %d (%v)", e, id, err)
				}
				return ph.clauses, e
			default:
				t.Fatalf("frame %q", typ)
			}
		}
	}
	// Request 2 was cancelled mid-text: nothing of it shows.
	want, err := open(t).Phonemize(context.Background(), "Hello, world.", "en-us")
	if err != nil {
		t.Fatal(err)
	}
	if clauses, e := phonemize(4, "Hello, world.", "en-us"); e.status != statusOK || !slices.Equal(clauses, want) {
		t.Errorf("phonemisation: %q, %+v; want %q", clauses, e, want)
	}
	if clauses, e := phonemize(5, "Hello", "xx"); e.status != statusUnknownVoice || clauses != nil {
		t.Errorf("phonemisation with an unknown voice: %q, %+v", clauses, e)
	}
	// Synthesis after phonemisation sounds as before it.
	if err := enc.request(wireRequest{6, Params{Voice: "en-us"}, sentence, false}); err != nil {
		t.Fatal(err)
	}
	if again, e := readAll(6, 0); e.status != statusOK || again < full-2000 || again > full+2000 {
		t.Errorf("request 6: %d samples, %d before; %+v", again, full, e)
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Errorf("serveWorker after its input closed = %v", err)
	}
	outW.Close()
	if _, _, err := dec.next(); err != io.EOF {
		t.Errorf("after the end: %v, want io.EOF and no frame", err)
	}
}

// TestServeWorkerProtocolErrors checks that a worker refuses input that
// breaks the protocol.
func TestServeWorkerProtocolErrors(t *testing.T) {
	tests := []struct {
		name  string
		write func(*encoder)
	}{
		{"a frame only a worker sends", func(e *encoder) { e.end(end{id: 1}) }},
		{"two requests at once", func(e *encoder) {
			e.request(wireRequest{1, Params{Voice: "en-us"}, longText, false})
			e.request(wireRequest{2, Params{Voice: "en-us"}, longText, false})
		}},
		{"a bad length", func(e *encoder) { e.w.Write([]byte{0, 0, 0, 0}) }},
		{"a phonemisation during a request", func(e *encoder) {
			e.request(wireRequest{1, Params{Voice: "en-us"}, longText, false})
			e.phonemize(wirePhonemize{2, "en-us", longText})
		}},
		{"clauses, which only a worker sends", func(e *encoder) { e.clauses(1, []Clause{{"a", "ˈeɪ", 0}}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- serveWorker(context.Background(), inR, outW, nil) }()
			go io.Copy(io.Discard, outR)
			tt.write(&encoder{w: inW})
			if err := <-done; !errors.Is(err, errProtocol) {
				t.Errorf("serveWorker = %v, want a protocol error", err)
			}
			inW.Close()
			outR.Close()
		})
	}
}
