package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
)

// TestAgentRevokedKeyEndsSession revokes the user's key the way `parley
// keys revoke` does (another handle on the data directory's store) during
// a conversation: the next turn's answer is refused, and the session
// closed with 4002.
func TestAgentRevokedKeyEndsSession(t *testing.T) {
	const recheck = 300 * time.Millisecond
	var dir string
	base, key := startNode(t, "", func(c *server.Config) {
		dir = c.DataDir
		c.Agent.KeyRecheck = recheck
	})
	a := dialAgent(t, base, key)
	a.wait(10*time.Second, "ready", nil)
	a.send(map[string]any{"type": "text", "text": "What is your name?"})
	a.wait(10*time.Second, "response_done", nil)

	ctx := context.Background()
	cli, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ks, err := cli.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if strings.Contains(key, k.ID) {
			if err := cli.RevokeKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(2 * recheck) // the answer cached before the revocation expires

	a.send(map[string]any{"type": "text", "text": "What time is it?"})
	e := a.wait(10*time.Second, "error", nil)
	if e["code"].(float64) != 4002 || !strings.Contains(e["message"].(string), "revoked") {
		t.Fatalf("error %v, want 4002 saying the key was revoked", e)
	}
	select {
	case <-a.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the session was not closed")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	answers := 0
	for _, m := range a.msgs {
		if m["type"] == "response_done" {
			answers++
		}
	}
	if answers != 1 {
		t.Fatalf("%d answers, want only the one before the revocation", answers)
	}
}
