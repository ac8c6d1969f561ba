//go:build cgo

package espeak

import (
	"context"
	"errors"
	"testing"
)

// TestPoolIsolated: an isolated pool speaks every request in a worker
// process, even when the in-process worker would be free, so a worker
// that dies on a text (as on a crash inside espeak-ng) fails that request
// only, and the next one is served by its replacement.
func TestPoolIsolated(t *testing.T) {
	if err := (PoolConfig{Isolated: true}).Validate(); err == nil {
		t.Fatal("an isolated pool without worker processes was accepted")
	}
	cfg := poolConfig(1, "serve")
	cfg.Isolated = true
	p, err := OpenPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		noChildren(t)
	})
	if s := p.Stats(); s.Slots != 1 || s.Ready != 1 {
		t.Fatalf("Stats = %+v, want one slot: the worker process", s)
	}
	for range 3 {
		if pcm, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil || len(pcm) == 0 {
			t.Fatalf("%d samples, %v", len(pcm), err)
		}
	}
	if n := p.Stats().WorkerRequests; n != 3 {
		t.Fatalf("%d of 3 requests went to the worker process", n)
	}
	if _, err := run(context.Background(), p, exitText, Params{Voice: "en-us"}); !errors.Is(err, ErrWorkerDied) {
		t.Fatalf("a request whose worker died: %v, want ErrWorkerDied", err)
	}
	if pcm, err := run(context.Background(), p, sentence, Params{Voice: "en-us"}); err != nil || len(pcm) == 0 {
		t.Fatalf("after the worker died: %d samples, %v", len(pcm), err)
	}
	if s := p.Stats(); s.WorkerRequests != 5 || s.Restarts != 1 {
		t.Fatalf("Stats = %+v, want 5 requests on worker processes and 1 restart", s)
	}
}
