package client

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// fakeClock stands in for time in the reconnection logic: Sleep records
// each delay and moves the clock on by it at once or, when block is set,
// waits for the Conn to close.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	delays []time.Duration
	block  bool
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.delays = append(f.delays, d)
	f.now = f.now.Add(d)
	block := f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
	}
	return ctx.Err()
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.delays)
}

func newServer(t *testing.T, opts serverOpts) *testServer {
	s := newTestServer(opts, t.Errorf)
	t.Cleanup(s.Close)
	return s
}

// testConfig is a config for s whose backoff runs on the returned
// fakeClock.
func testConfig(s *testServer) (Config, *fakeClock) {
	fc := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return Config{URL: s.URL(), APIKey: testKey, HTTPClient: s.srv.Client(), clock: fc}, fc
}

func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

const eventTimeout = 10 * time.Second

// speak is Speak bounded in time, so that a regression fails instead of
// hanging the test binary.
func speak(t *testing.T, c *Conn, text string) ([]byte, protocol.Done, error) {
	ctx, cancel := context.WithTimeout(t.Context(), eventTimeout)
	defer cancel()
	return c.Speak(ctx, text)
}

// collectUntil reads events up to and including the first one stop accepts.
func collectUntil(t *testing.T, c *Conn, stop func(Event) bool) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("Events closed (Err %v) after %s", c.Err(), describe(evs))
			}
			evs = append(evs, ev)
			if stop(ev) {
				return evs
			}
		case <-timeout:
			t.Fatalf("no awaited event within %v; got %s", eventTimeout, describe(evs))
		}
	}
}

// drain reads events until Events is closed.
func drain(t *testing.T, c *Conn) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("Events not closed within %v; got %s", eventTimeout, describe(evs))
		}
	}
}

func isDone(ev Event) bool { _, ok := ev.(*Done); return ok }

func is[T Event](ev Event) bool { _, ok := ev.(T); return ok }

// audioOf concatenates the audio of generation gen.
func audioOf(evs []Event, gen int) []byte {
	var pcm []byte
	for _, ev := range evs {
		if a, ok := ev.(*Audio); ok && a.Generation == gen {
			pcm = append(pcm, a.PCM...)
		}
	}
	return pcm
}

// only returns the events of type T.
func only[T Event](evs []Event) []T {
	var out []T
	for _, ev := range evs {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

// describe summarises events for failure messages; audio chunks are
// counted rather than listed.
func describe(evs []Event) string {
	s := "["
	audio := 0
	flush := func() {
		if audio > 0 {
			s += fmt.Sprintf("audio×%d ", audio)
			audio = 0
		}
	}
	for _, ev := range evs {
		if _, ok := ev.(*Audio); ok {
			audio++
			continue
		}
		flush()
		s += fmt.Sprintf("%T%+v ", ev, ev)
	}
	flush()
	return s + "]"
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
