package sched

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitQueued waits until s has n waiters.
func waitQueued(t *testing.T, s *Slots, n int) {
	t.Helper()
	waitQueuedLine(t, s.line, n)
}

// TestEarliestDueFirst queues waiters needed later, now, and unmarked
// (needed on arrival) behind a busy slot: they are served by when they
// are needed, in arrival order among equals.
func TestEarliestDueFirst(t *testing.T) {
	s := NewSlots(1)
	if err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 5)
	bg := context.Background()
	later := time.Now().Add(10 * time.Second)
	waiters := []struct {
		name string
		ctx  context.Context
	}{
		{"later A", PlayBy(bg, later)},
		{"later B", PlayBy(bg, later)},
		{"urgent 1", nil},
		{"unmarked", bg},
		{"urgent 2", nil},
	}
	for i, w := range waiters {
		ctx := w.ctx
		if ctx == nil {
			ctx = Urgent(bg) // now, as it queues
		}
		go func() {
			if err := s.Acquire(ctx); err != nil {
				t.Error(err)
				return
			}
			order <- w.name
		}()
		waitQueued(t, s, i+1)
	}
	want := []string{"urgent 1", "unmarked", "urgent 2", "later A", "later B"}
	for _, w := range want {
		s.Release()
		if got := <-order; got != w {
			t.Fatalf("served %q, want %q (order %v)", got, w, want)
		}
	}
	s.Release()
	if busy, queued := s.Stats(); busy != 0 || queued != 0 {
		t.Fatalf("after every release: busy %d, queued %d", busy, queued)
	}
}

func TestFreeSlotsServeAtOnce(t *testing.T) {
	s := NewSlots(2)
	for i := 0; i < 2; i++ {
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if busy, queued := s.Stats(); busy != 2 || queued != 0 {
		t.Fatalf("busy %d, queued %d; want 2, 0", busy, queued)
	}
	s.Release()
	s.Release()
}

func TestCancelledWaiterLeavesTheLine(t *testing.T) {
	s := NewSlots(1)
	if err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(Urgent(context.Background()))
	errc := make(chan error, 1)
	go func() { errc <- s.Acquire(ctx) }()
	waitQueued(t, s, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire = %v, want context.Canceled", err)
	}
	if _, queued := s.Stats(); queued != 0 {
		t.Fatalf("%d waiters after the only one left", queued)
	}
	s.Release()
	// The slot is free again, not lost to the waiter that left.
	if err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Release()
	if busy, _ := s.Stats(); busy != 0 {
		t.Fatalf("busy %d after release", busy)
	}
}

// TestHandoverRacingCancel releases while waiters are being cancelled:
// no slot is ever lost or doubled.
func TestHandoverRacingCancel(t *testing.T) {
	s := NewSlots(1)
	for i := 0; i < 200; i++ {
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- s.Acquire(ctx) }()
		waitQueued(t, s, 1)
		go cancel()
		s.Release()
		if err := <-errc; err == nil {
			s.Release()
		}
		cancel()
		if busy, queued := s.Stats(); busy != 0 || queued != 0 {
			t.Fatalf("iteration %d: busy %d, queued %d", i, busy, queued)
		}
	}
}

func TestDue(t *testing.T) {
	before := time.Now()
	if d := Due(context.Background()); d.Before(before) || d.After(time.Now()) {
		t.Fatalf("Due of an unmarked context = %v, want now", d)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if d := Due(PlayBy(context.Background(), at)); !d.Equal(at) {
		t.Fatalf("Due = %v, want %v", d, at)
	}
	if d := Due(Urgent(context.Background())); d.Before(before) || d.After(time.Now()) {
		t.Fatalf("Due of an urgent context = %v, want now", d)
	}
}

// TestLineValues hands out values of their own: pick chooses among the
// free ones, Add brings a new one, Remove and Drop forget values, and Close
// fails the waiters and every later Acquire.
func TestLineValues(t *testing.T) {
	bg := context.Background()
	// Prefer "local" over the others, else the value freed last.
	l := NewLine(func(free []string) int {
		for i, v := range free {
			if v == "local" {
				return i
			}
		}
		return len(free) - 1
	}, "a", "local", "b")
	for _, want := range []string{"local", "b", "a"} {
		if v, err := l.Acquire(bg); err != nil || v != want {
			t.Fatalf("Acquire = %q, %v; want %q", v, err, want)
		}
	}
	got := make(chan string, 1)
	go func() {
		v, err := l.Acquire(bg)
		if err != nil {
			t.Error(err)
		}
		got <- v
	}()
	waitQueuedLine(t, l, 1)
	l.Add("c") // a worker that started goes to the waiter
	if v := <-got; v != "c" {
		t.Fatalf("waiter got %q, want the value added", v)
	}
	l.Drop() // "c"'s worker died while busy
	l.Release("a")
	l.Release("b")
	l.Remove(func(v string) bool { return v == "a" })
	if v, err := l.Acquire(bg); err != nil || v != "b" {
		t.Fatalf("after Remove: %q, %v", v, err)
	}
	if busy, queued := l.Stats(); busy != 2 || queued != 0 {
		t.Fatalf("busy %d, queued %d; want 2 (local, b), 0", busy, queued)
	}
	closed := errors.New("closed")
	errc := make(chan error, 1)
	go func() {
		_, err := l.Acquire(bg)
		errc <- err
	}()
	waitQueuedLine(t, l, 1)
	l.Close(closed)
	if err := <-errc; !errors.Is(err, closed) {
		t.Fatalf("waiter at Close: %v", err)
	}
	l.Release("local") // a holder's value after Close is not handed out
	if _, err := l.Acquire(bg); !errors.Is(err, closed) || !l.Closed() {
		t.Fatalf("Acquire after Close: %v", err)
	}
}

func waitQueuedLine[T any](t *testing.T, l *Line[T], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, q := l.Stats(); q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never %d waiters", n)
		}
	}
}
