//go:build e2e

package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

// quotaKey creates a realtime key with left characters of its quota left.
func quotaKey(t *testing.T, h *harness, left int64) (secret string, k store.Key) {
	t.Helper()
	ctx := context.Background()
	secret, k, err := h.srv.Store().CreateKey(ctx, "nearly spent", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Store().AddUsage(ctx, k.ID, store.Month(time.Now()), 3_000_000-left); err != nil {
		t.Fatal(err)
	}
	return secret, k
}

func usage(t *testing.T, h *harness, k store.Key) int64 {
	t.Helper()
	chars, _, err := h.srv.Store().Usage(context.Background(), k.ID, store.Month(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return chars
}

// TestChargedAsSpoken: segments are charged in the store as they are
// spoken, before the generation is flushed, so that a crash loses little.
func TestChargedAsSpoken(t *testing.T) {
	h := newHarness(t)
	secret, k := quotaKey(t, h, 100_000)
	c := h.dial(t)
	c.config(secret, nil)
	first := "The first sentence is spoken before the generation ends. "
	c.send(msg{"type": "text", "text": first + "And the text goes on"})
	c.expect(protocol.TypeAudio)
	waitFor(t, func() bool { return usage(t, h, k) == 3_000_000-100_000+int64(len(first)-1) })
	c.send(msg{"type": "flush"})
	g := c.collect()
	if g.done.Characters != len(first)+len("And the text goes on") {
		t.Fatalf("done.characters %d", g.done.Characters)
	}
	if got := usage(t, h, k); got != 3_000_000-100_000+int64(g.done.Characters) {
		t.Fatalf("usage after done %d, want %d", got, 3_000_000-100_000+int64(g.done.Characters))
	}
}
