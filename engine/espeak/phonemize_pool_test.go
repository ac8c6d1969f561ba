//go:build cgo

package espeak

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

// isolatedPool opens an isolated pool of one worker process in "serve"
// mode (see testWorker), closed when the test ends.
func isolatedPool(t *testing.T, edit func(*PoolConfig)) *Pool {
	t.Helper()
	cfg := poolConfig(1, "serve")
	cfg.Isolated = true
	if edit != nil {
		edit(&cfg)
	}
	return newPool(t, cfg, !cfg.Isolated)
}

// phonemizeCases are texts in several languages and shapes, with their
// espeak-ng voices.
var phonemizeCases = []struct{ voice, text string }{
	{"en-us", sentence},
	{"en-us", longText},
	{"en-us", "Next line \"quoted.\" Then (in brackets.) done"},
	{"en-us", "It costs $1,234.56, or 12% more: call 555-0100; ask for Dr. Smith!"},
	{"en-gb", "Hello,\x01 world\x00. Caf\xe9 au lait?\r\nYes…"},
	{"de", native[protocol.German] + " Ich hätte gern 3 Brötchen."},
	{"es", "Hola, ¿cómo estás? Bien."},
	{"fr", native[protocol.French]},
	{"it", native[protocol.Italian]},
	{"pt-br", native[protocol.Portuguese]},
	{"ru", native[protocol.Russian]},
	{VoiceFor(string(protocol.Chinese)), native[protocol.Chinese]},
	{"ja", native[protocol.Japanese]},
	{"ko", native[protocol.Korean]},
	{"en-us", "\x02\x03 \t"}, // blank once cleaned: no clauses
}

// TestPoolPhonemizeIsolated phonemises through an isolated pool: every
// text gives exactly the clauses the in-process engine gives, and
// espeak-ng in this process takes no job while the pool phonemises.
func TestPoolPhonemizeIsolated(t *testing.T) {
	p := isolatedPool(t, nil)
	ctx := context.Background()
	want := make([][]Clause, len(phonemizeCases))
	for i, c := range phonemizeCases {
		var err error
		if want[i], err = p.engine.Phonemize(ctx, c.text, c.voice); err != nil {
			t.Fatal(err)
		}
	}
	// The longest text, whose phonemes (0.9 MiB: kanji read as "Chinese
	// letter") come near the frame limit. espeak-ng cuts clauses at about
	// 700 bytes of text, 2.5 KiB of phonemes, so they never reach it.
	big := strings.Repeat("中 ", MaxTextBytes/len("中 "))
	wantBig, err := p.engine.Phonemize(ctx, big, "ja")
	if err != nil {
		t.Fatal(err)
	}
	if n := phonemeBytes(wantBig); n < maxClausesBody*3/4 {
		t.Fatalf("the big text has %d bytes of phonemes, too few to come near the frame limit", n)
	}

	local := p.engine.w.taken.Load()
	for i, c := range phonemizeCases {
		got, err := p.Phonemize(ctx, c.text, c.voice)
		if err != nil {
			t.Fatalf("%s %q: %v", c.voice, c.text, err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s %q:\nworker     %q\nin-process %q", c.voice, c.text, got, want[i])
		}
	}
	got, err := p.Phonemize(ctx, big, "ja")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantBig) {
		t.Errorf("the big text: %d clauses from the worker, %d in-process, or they differ", len(got), len(wantBig))
	}

	// What never reaches a worker.
	if _, err := p.Phonemize(ctx, "Hello", "klingon"); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("unknown voice: %v", err)
	}
	if _, err := p.Phonemize(ctx, strings.Repeat("a", MaxTextBytes+1), "en-us"); !errors.Is(err, ErrTextTooLong) {
		t.Errorf("long text: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Phonemize(cancelled, "Hello", "en-us"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	if n := p.engine.w.taken.Load() - local; n != 0 {
		t.Errorf("espeak-ng in this process took %d jobs while an isolated pool phonemised", n)
	}
	// One request per text but the blank one, and one for the big text.
	if s := p.Stats(); s.WorkerRequests != int64(len(phonemizeCases)) || s.Restarts != 0 || s.Busy != 0 {
		t.Errorf("Stats = %+v, want %d requests on the worker process", s, len(phonemizeCases))
	}

	// The counter counts: a pool that is not isolated phonemises here.
	inProc, err := OpenPool(PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer inProc.Close()
	local = p.engine.w.taken.Load()
	if _, err := inProc.Phonemize(ctx, sentence, "en-us"); err != nil {
		t.Fatal(err)
	}
	if n := p.engine.w.taken.Load() - local; n != 1 || inProc.Stats().WorkerRequests != 0 {
		t.Errorf("a pool that is not isolated: %d in-process jobs, %d on workers; want 1 and 0", n, inProc.Stats().WorkerRequests)
	}
}

func phonemeBytes(clauses []Clause) int {
	n := 0
	for _, c := range clauses {
		n += len(c.Phonemes)
	}
	return n
}

// markWriter is a worker's standard error: it signals marked when
// waitMark has been written.
type markWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marked chan struct{} // buffered
}

func newMarkWriter() *markWriter { return &markWriter{marked: make(chan struct{}, 1)} }

func (w *markWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if i := bytes.Index(w.buf.Bytes(), []byte(waitMark)); i >= 0 {
		w.buf.Next(i + len(waitMark))
		select {
		case w.marked <- struct{}{}:
		default:
		}
	}
	return len(b), nil
}

// wait waits until the worker has begun to phonemise waitText.
func (w *markWriter) wait(t *testing.T) {
	t.Helper()
	select {
	case <-w.marked:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not begin to phonemise")
	}
}

// TestPoolPhonemizeWorkerFails has the worker die, break the protocol or
// hang in the middle of a phonemisation: that call fails with
// ErrWorkerDied or ErrWorkerHung, the worker is replaced, and the next
// call succeeds.
func TestPoolPhonemizeWorkerFails(t *testing.T) {
	tests := []struct {
		name string
		text string
		kill bool // SIGKILL the worker from outside once it is phonemising
		want error
	}{
		{"SIGKILL", waitText, true, ErrWorkerDied},
		{"exits", exitText, false, ErrWorkerDied},
		{"garbles its output", garbageText, false, ErrWorkerDied},
		{"clauses past the text", overrunText, false, ErrWorkerDied},
		{"hangs", hangText, false, ErrWorkerHung},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const timeout = 500 * time.Millisecond
			stderr := newMarkWriter()
			p := isolatedPool(t, func(c *PoolConfig) {
				if tt.want == ErrWorkerHung {
					c.HangTimeout = timeout
				}
				c.Stderr = stderr
			})
			want, err := p.engine.Phonemize(context.Background(), sentence, "en-us")
			if err != nil {
				t.Fatal(err)
			}
			x := p.procs[0]
			pid := x.pid()
			returned := make(chan struct{})
			killed := make(chan struct{})
			go func() {
				defer close(killed)
				if !tt.kill {
					return
				}
				select {
				case <-stderr.marked:
					syscall.Kill(pid, syscall.SIGKILL)
				case <-returned:
				}
			}()
			start := time.Now()
			clauses, err := p.Phonemize(context.Background(), tt.text, "en-us")
			close(returned)
			<-killed
			if !errors.Is(err, tt.want) || clauses != nil {
				t.Fatalf("Phonemize = %q, %v; want %v", clauses, err, tt.want)
			}
			if elapsed := time.Since(start); tt.want == ErrWorkerHung && elapsed < timeout {
				t.Errorf("gave up after %v, before the %v timeout", elapsed, timeout)
			}
			t.Log(err)

			got, err := p.Phonemize(context.Background(), sentence, "en-us")
			if err != nil {
				t.Fatalf("next call: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("next call: %q, want %q", got, want)
			}
			if newPID := x.pid(); newPID == pid || newPID == 0 {
				t.Errorf("worker pid %d after the failure, was %d", newPID, pid)
			}
			if s := p.Stats(); s.Restarts != 1 || s.Busy != 0 || s.WorkerRequests != 2 {
				t.Errorf("Stats = %+v, want one restart and two requests", s)
			}
		})
	}
}

// TestPoolPhonemizeCancel cancels a phonemisation in a worker process, and
// one waiting for the worker: each returns at once, the worker's slot
// frees when the worker acknowledges, and the worker serves on.
func TestPoolPhonemizeCancel(t *testing.T) {
	stderr := newMarkWriter()
	p := isolatedPool(t, func(c *PoolConfig) { c.Stderr = stderr })
	pid := p.procs[0].pid()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.Phonemize(ctx, waitText, "en-us")
		done <- err
	}()
	stderr.wait(t)

	queuedCtx, cancelQueued := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() {
		_, err := p.Phonemize(queuedCtx, sentence, "en-us")
		queued <- err
	}()
	waitFor(t, "one queued", func() bool { return p.Stats().Queued == 1 })
	cancelQueued()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Errorf("queued call = %v, want context.Canceled", err)
	}
	if s := p.Stats(); s.Queued != 0 || s.Busy != 1 {
		t.Errorf("after the queued call gave up: Stats = %+v", s)
	}

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call = %v, want context.Canceled", err)
	}
	waitFor(t, "the worker's acknowledgement", func() bool { return p.Stats().Busy == 0 })
	if _, err := p.Phonemize(context.Background(), sentence, "en-us"); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Restarts != 0 || s.WorkerRequests != 2 || p.procs[0].pid() != pid {
		t.Errorf("Stats = %+v: a cancel must not cost the worker", s)
	}
}

// TestPoolPhonemizeUrgentFirst: a phonemisation waits for a worker in
// the same line as syntheses, earliest sched.Due first.
func TestPoolPhonemizeUrgentFirst(t *testing.T) {
	stderr := newMarkWriter()
	p := isolatedPool(t, func(c *PoolConfig) { c.Stderr = stderr })
	holdCtx, release := context.WithCancel(context.Background())
	defer release()
	held := make(chan error, 1)
	go func() {
		_, err := p.Phonemize(holdCtx, waitText, "en-us")
		held <- err
	}()
	stderr.wait(t)

	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	done := make(chan error, 2)
	go func() {
		// Noted when it ends: the one worker serves one request at a
		// time, so a synthesis served first ends before the phonemisation
		// even starts, and one served second ends long (a paragraph of
		// speech) after the phonemisation has returned, whatever the
		// scheduler does with the goroutines that note them.
		err := p.Synthesize(sched.PlayBy(context.Background(), time.Now().Add(time.Minute)), strings.Repeat(sentence+" ", 4), Params{Voice: "en-us"}, func([]int16) error { return nil })
		note("synthesis")
		done <- err
	}()
	waitFor(t, "the synthesis queued", func() bool { return p.Stats().Queued == 1 })
	go func() {
		_, err := p.Phonemize(sched.Urgent(context.Background()), sentence, "en-us")
		note("phonemisation")
		done <- err
	}()
	waitFor(t, "the phonemisation queued", func() bool { return p.Stats().Queued == 2 })
	release()
	if err := <-held; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"phonemisation", "synthesis"}; !slices.Equal(order, want) {
		t.Errorf("served in order %v, want %v", order, want)
	}
}

// crashText crashes Debian's espeak-ng 1.51 (stack smashing detected, in
// both espeak_Synth and espeak_TextToPhonemes): a run of one-letter
// abbreviations.
var crashText = strings.Repeat("A.", 100)

// TestPoolIsolatedCrashText gives an isolated pool text that crashes
// espeak-ng: the worker dies instead of this process, that call fails
// with ErrWorkerDied, and the next call is served by the replacement.
func TestPoolIsolatedCrashText(t *testing.T) {
	p := isolatedPool(t, func(c *PoolConfig) { c.Stderr = discard{} })
	ctx := context.Background()
	crashes := 0
	clauses, err := p.Phonemize(ctx, crashText, "en-us")
	switch {
	case errors.Is(err, ErrWorkerDied):
		crashes++
	case err != nil || len(clauses) == 0:
		t.Errorf("Phonemize = %d clauses, %v", len(clauses), err)
	}
	if got, err := p.Phonemize(ctx, "Hello.", "en-us"); err != nil || len(got) != 1 || got[0].Phonemes != "həlˈoʊ" {
		t.Errorf("after the crash: %q, %v", got, err)
	}
	pcm, err := run(ctx, p, crashText, Params{Voice: "en-us"})
	switch {
	case errors.Is(err, ErrWorkerDied):
		crashes++
	case err != nil || len(pcm) == 0:
		t.Errorf("Synthesize = %d samples, %v", len(pcm), err)
	}
	if pcm, err := run(ctx, p, sentence, Params{Voice: "en-us"}); err != nil || rms(pcm) < 500 {
		t.Errorf("after the crash: RMS %.0f, %v", rms(pcm), err)
	}
	if s := p.Stats(); s.Restarts != int64(crashes) {
		t.Errorf("Stats = %+v after %d crashes", s, crashes)
	}
	t.Logf("espeak-ng crashed on %d of 2 calls", crashes)
}
