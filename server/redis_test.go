package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/limits"
)

// speakOn configures a session with key on url and speaks one sentence. It
// returns the close code if the server closes the session instead (0 when
// the sentence was spoken), and the open session.
func speakOn(t *testing.T, url, key string) (*websocket.Conn, websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{
		`{"type":"config","api_key":"` + key + `","language":"English"}`,
		`{"type":"text","text":"Still serving."}`,
		`{"type":"flush"}`,
	} {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			code := websocket.CloseStatus(err)
			if code == -1 {
				t.Fatalf("reading the session: %v", err)
			}
			return c, code
		}
		var m struct {
			Type string `json:"type"`
		}
		if typ == websocket.MessageText && json.Unmarshal(b, &m) == nil && m.Type == "done" {
			return c, 0
		}
	}
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	code, body := get(t, base+"/readyz")
	var m map[string]string
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return code, m
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisOutage: with Redis stopped the node keeps serving on its own
// limits, logs it once, and shows it in /metrics and /readyz (still
// ready); when Redis is back it logs that once, writes its open sessions
// into Redis and shares counts again.
func TestRedisOutage(t *testing.T) {
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	var logs lockedBuffer
	srv, addr := serveNode(t, Config{
		Limits: limits.Config{MaxConnsPerKey: 2},
		Redis:  limits.RedisConfig{URL: r.URL(), LeaseTTL: time.Second, Heartbeat: 100 * time.Millisecond, Timeout: 200 * time.Millisecond},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	key, k, err := srv.Store().CreateKey(ctx, "t", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	base, url := "http://"+addr, "ws://"+addr+"/v1/realtime"
	if code, m := readyz(t, base); code != 200 || m["redis"] != "up" {
		t.Fatalf("/readyz = %d %v, want ready with redis up", code, m)
	}
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "\nparley_redis_up 1\n") {
		t.Fatal("/metrics lacks parley_redis_up 1")
	}

	r.Stop()
	var open []*websocket.Conn
	defer func() {
		for _, c := range open {
			c.CloseNow()
		}
	}()
	for i := range 2 {
		c, code := speakOn(t, url, key)
		open = append(open, c)
		if code != 0 {
			t.Fatalf("session %d during the outage closed with %d, want served", i+1, code)
		}
	}
	if _, code := speakOn(t, url, key); code != 4004 {
		t.Fatalf("3rd session of a key limited to 2, during the outage: %d, want 4004 (the node's own count)", code)
	}
	code, m := readyz(t, base)
	if code != 200 || !strings.HasPrefix(m["redis"], "unreachable since ") {
		t.Fatalf("/readyz during the outage = %d %v, want ready with redis unreachable", code, m)
	}
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "\nparley_redis_up 0\n") {
		t.Fatal("/metrics lacks parley_redis_up 0 during the outage")
	}
	if n := strings.Count(logs.String(), "redis unreachable"); n != 1 {
		t.Fatalf("%d 'redis unreachable' log lines, want 1", n)
	}

	r.Start()
	waitFor(t, 5*time.Second, "shared again", func() bool {
		_, m := get(t, base+"/metrics")
		return strings.Contains(m, "\nparley_redis_up 1\n")
	})
	if code, m := readyz(t, base); code != 200 || m["redis"] != "up" {
		t.Fatalf("/readyz after the outage = %d %v\n%s", code, m, logs.String())
	}
	if n := strings.Count(logs.String(), "redis reachable again"); n != 1 {
		t.Fatalf("%d 'redis reachable again' log lines, want 1", n)
	}
	// Another node sees the sessions opened during the outage.
	other, err := limits.Open(limits.Config{MaxConnsPerKey: 2}, limits.RedisConfig{URL: r.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if n := other.KeyConns(ctx, k.ID); n != 2 {
		t.Fatalf("another node counts %d sessions of the key, want the 2 opened during the outage", n)
	}
	if _, err := other.AcquireKeyConn(ctx, k.ID); err == nil {
		t.Fatal("another node admitted a 3rd session of the key")
	}
	if strings.Contains(logs.String(), r.Addr()) && strings.Contains(logs.String(), "password") {
		t.Fatal("the log holds Redis credentials")
	}
}
