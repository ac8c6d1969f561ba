//go:build e2e

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
)

// stalledRequest sends an HTTP request on a raw connection with a tiny
// receive window and never reads the answer: the hostile client of issue
// 14, finding 1. The connection is closed at the end of the test.
func stalledRequest(t *testing.T, n *node, path, key string, body any) net.Conn {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(n.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, key, len(b), b)
	return conn
}

// longText is about four minutes of speech: far more than any socket
// buffer holds.
var longText = strings.Repeat("Every morning the baker opens the shop and sells fresh bread to the neighbours. ", 50)

// TestStalledStreamsDoNotHoldEngines: clients of one key that send streamed
// requests and never read their answers must not take the engines from
// other keys. With two flite slots, four stalled SSE, OpenAI SSE and
// streamed mp3 answers used to hold both slots until their sockets closed.
func TestStalledStreamsDoNotHoldEngines(t *testing.T) {
	n := startNode(t, func(c *server.Config) {
		c.Engine.FliteConcurrency = 2
	})
	hostile, hostile2 := n.key(t, "free"), n.key(t, "free")
	victim := n.key(t, "free")
	// Two answers far larger than any socket buffer, and two smaller ones
	// that the kernel's buffers may swallow whole.
	var sse []net.Conn
	for range 2 {
		sse = append(sse, stalledRequest(t, n, "/v1/audio/speech/stream", hostile, map[string]any{"text": longText}))
	}
	stalledRequest(t, n, "/v1/audio/speech", hostile2, map[string]any{"input": longText, "voice": "alloy", "stream_format": "sse"})
	stalledRequest(t, n, "/v1/audio/speech", hostile2, map[string]any{"text": longText, "response_format": "mp3"})
	// First the stalled answers are spoken (and charged, segment by
	// segment); then they fill their buffers and pause: no engine stays
	// busy for them. Filling takes a while: the mp3 answer's 1 MiB holds
	// over two minutes of audio, and under -race on a loaded machine that
	// is tens of seconds of synthesis. Before the fix the engines stayed
	// busy until the sockets closed, at the end of the test.
	for _, key := range []string{hostile, hostile2} {
		k := keyRecord(t, n, key)
		waitUntil(t, 30*time.Second, "the stalled answers to be spoken", func() bool {
			chars, _, _ := n.srv.Store().Usage(t.Context(), k.ID, monthNow())
			return chars > 0
		})
	}
	waitUntil(t, 90*time.Second, "the stalled answers to release the engines", func() bool {
		for _, st := range n.srv.Engines().Stats() {
			if st.Engine == engine.Flite && st.Busy == 0 && st.Queued == 0 {
				return true
			}
		}
		return false
	})
	// Another key is served at once, by the same engine.
	r := n.do(t, "POST", "/v1/audio/speech", victim, map[string]any{"text": "Still here for everyone else.", "response_format": "pcm"})
	if r.status != 200 || len(r.body) < 24000 {
		t.Fatalf("other key while one key stalls: %d, %d bytes", r.status, len(r.body))
	}
	// The large stalled answers take nothing for WriteTimeout and are cut
	// off: their handlers end, and what the clients then read stops short
	// of the answer's end.
	ended := n.srv.Metrics().HTTPRequests.WithLabelValues("POST /v1/audio/speech/stream", "200")
	waitUntil(t, 60*time.Second, "the stalled answers to be cut off", func() bool {
		var m dto.Metric
		if err := ended.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue() == 2
	})
	for i, c := range sse {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("stalled request %d: the server did not end the answer: %v", i, err)
		}
		if bytes.Contains(b, []byte(`"done":true`)) || !bytes.HasPrefix(b, []byte("HTTP/1.1 200")) {
			t.Fatalf("stalled request %d: %d bytes, %.40q: want a 200 cut short", i, len(b), b)
		}
	}
	waitUntil(t, 10*time.Second, "the hostile key's slots to come back", func() bool {
		r := n.do(t, "POST", "/v1/audio/speech", hostile, map[string]any{"text": "Hi.", "response_format": "pcm"})
		return r.status == 200
	})
	// What the stalled answers spoke was charged; the rest of the two cut
	// short was not.
	u := n.do(t, "GET", "/v1/usage", hostile, nil).json(t)
	if c := int(u["characters"].(float64)); c <= 3 || c >= 2*len(longText)+3 {
		t.Fatalf("hostile key charged %d characters for two answers of %d cut short: want what was spoken", c, len(longText))
	}
}

// TestCutOffStreamIsCharged: a streamed mp3 answer that the client reads a
// little of and abandons is charged for what was spoken.
func TestCutOffStreamIsCharged(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	resp := postStream(t, ctx, n.base, "/v1/audio/speech", key, map[string]any{"text": longText, "response_format": "mp3"})
	if _, err := io.ReadFull(resp.Body, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	k := keyRecord(t, n, key)
	waitUntil(t, 10*time.Second, "the abandoned answer to be charged", func() bool {
		chars, _, _ := n.srv.Store().Usage(t.Context(), k.ID, monthNow())
		return chars > 0
	})
	waitUntil(t, 10*time.Second, "the abandoned answer's slot to come back", func() bool {
		return n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}).status == 200
	})
	chars, _, _ := n.srv.Store().Usage(t.Context(), k.ID, monthNow())
	if chars >= int64(len(longText)) {
		t.Fatalf("abandoned answer charged %d, the whole text is %d", chars, len(longText))
	}
}

func keyRecord(t *testing.T, n *node, secret string) store.Key {
	t.Helper()
	k, err := n.srv.Store().Authenticate(t.Context(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
