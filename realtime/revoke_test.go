//go:build e2e

package realtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
)

// TestRevokedKeyClosesOpenSession revokes a key the way `parley keys
// revoke` does (another handle on the data directory's store) while a
// session of it is open: its next generation, once the server's answer
// for the key has expired, is refused with 4002, and nothing of it is
// spoken. Another key's session goes on.
func TestRevokedKeyClosesOpenSession(t *testing.T) {
	const recheck = 300 * time.Millisecond
	var dir string
	h := newHarness(t, func(c *server.Config) {
		dir = c.DataDir
		c.Realtime.KeyRecheck = recheck
	})
	ctx := context.Background()
	secret, k, err := h.srv.Store().CreateKey(ctx, "revokee", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	c := h.dial(t)
	c.config(secret, nil)
	if g := c.speak("Spoken before the revocation."); len(g.pcm) == 0 {
		t.Fatal("no audio before the revocation")
	}
	other := h.dial(t)
	other.config(h.key, nil)

	cli, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * recheck) // the answer cached before the revocation expires

	c.send(msg{"type": "text", "text": "Spoken after the revocation? "})
	c.send(msg{"type": "flush"})
	frames := c.expectClose(protocol.CloseAuthFailed)
	if len(frames) != 1 || frames[0].m.Type != protocol.TypeError || !strings.Contains(frames[0].m.Message, "revoked") {
		t.Fatalf("before the close: %+v, want one error saying the key was revoked", frames)
	}
	if g := other.speak("Another key speaks on."); len(g.pcm) == 0 {
		t.Fatal("another key's session lost its audio")
	}
	// A new session with the revoked key is refused as before.
	again := h.dial(t)
	again.send(msg{"type": "config", "api_key": secret})
	again.expectClose(protocol.CloseAuthFailed)
}
