package realtime_test

import (
	"context"
	"encoding/base64"
	"strings"
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

// TestNeverFlushedGenerationStopsAtTheQuota: one long generation that is
// never flushed must not speak past the quota. It used to be checked
// against a remaining count that dropped only when a generation was
// recorded, so 300 characters left bought minutes of audio.
func TestNeverFlushedGenerationStopsAtTheQuota(t *testing.T) {
	h := newHarness(t)
	secret, k := quotaKey(t, h, 300)
	c := h.dial(t)
	c.config(secret, nil)
	sentence := "Every morning the baker opens the shop and sells fresh bread to the neighbours. "
	long := strings.Repeat(sentence, 40) // 3,240 characters, no flush
	c.sendTokens(long, 200)
	frames := c.expectClose(protocol.CloseRateLimited)
	var audioBytes int
	for _, f := range frames {
		if f.m.Type == protocol.TypeAudio {
			b, err := base64.StdEncoding.DecodeString(f.m.Chunk)
			if err != nil {
				t.Fatal(err)
			}
			audioBytes += len(b)
		}
	}
	if last := frames[len(frames)-1]; last.m.Type != protocol.TypeError || last.m.Code != int(protocol.CloseRateLimited) {
		t.Fatalf("want a quota error before the close, got %+v", last.m)
	}
	// 300 characters are three sentences and a half: a few seconds of
	// speech, nowhere near the 3,240 characters sent.
	seconds := float64(audioBytes) / 2 / protocol.SampleRate
	if seconds == 0 || seconds > 30 {
		t.Fatalf("%.1f s of audio spoken with 300 characters of quota left", seconds)
	}
	waitFor(t, func() bool { return h.srv.Sessions() == 0 })
	if used := usage(t, h, k); used > 3_000_000 || used < 3_000_000-300+int64(len(sentence)) {
		t.Fatalf("usage %d after speaking to the quota of 3,000,000", used)
	}
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

// TestExpandingTextIsBilledAsSpoken: 60 "%" signs are spoken as 60
// "percent": billed for a third of the 479 characters spoken.
func TestExpandingTextIsBilledAsSpoken(t *testing.T) {
	h := newHarness(t)
	secret, k := quotaKey(t, h, 100_000)
	c := h.dial(t)
	c.config(secret, nil)
	c.send(msg{"type": "text", "text": strings.Repeat("%", 60)})
	c.send(msg{"type": "flush"})
	c.collect()
	if got := usage(t, h, k) - (3_000_000 - 100_000); got != 160 {
		t.Fatalf("60 %% billed %d characters, want 160", got)
	}
}
