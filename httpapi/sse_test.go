package httpapi_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/server"
)

// sseEvent is one event of a text/event-stream, parsed strictly by the
// WHATWG rules: data lines joined with "\n", comments kept for the test.
type sseEvent struct {
	data     string
	comments []string
}

// readSSE parses a stream, failing on anything the format does not allow.
func readSSE(t *testing.T, r io.Reader, each func(sseEvent) bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) == 0 && len(ev.comments) == 0 {
				t.Fatal("empty event")
			}
			ev.data = strings.Join(data, "\n")
			if !each(ev) {
				return
			}
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"):
			ev.comments = append(ev.comments, strings.TrimPrefix(line, ":"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
}

func postStream(t *testing.T, ctx context.Context, n *node, path, key string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", n.base+path, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSSEStream(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	resp := postStream(t, t.Context(), n, "/v1/audio/speech/stream", key, map[string]any{"text": hello})
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var chunks, bytes int
	var first int64 = -1
	var done map[string]any
	readSSE(t, resp.Body, func(ev sseEvent) bool {
		if ev.data == "" {
			return true // a keepalive
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		if m["done"] == true {
			done = m
			return false
		}
		if int(m["chunk_index"].(float64)) != chunks || m["sample_rate"].(float64) != 24000 || m["format"] != "pcm_s16le" {
			t.Fatalf("chunk event %v", m)
		}
		lat := int64(m["first_chunk_latency_ms"].(float64))
		if first == -1 {
			first = lat
		} else if lat != first {
			t.Fatalf("first_chunk_latency_ms changed from %d to %d", first, lat)
		}
		b, err := base64.StdEncoding.DecodeString(m["chunk"].(string))
		if err != nil || len(b)%2 != 0 {
			t.Fatalf("chunk: %d bytes, %v", len(b), err)
		}
		chunks++
		bytes += len(b)
		return true
	})
	if done == nil {
		t.Fatal("no done event")
	}
	if int(done["total_chunks"].(float64)) != chunks {
		t.Errorf("done.total_chunks %v, got %d", done["total_chunks"], chunks)
	}
	if ms := int64(bytes / 48); int64(done["audio_duration_ms"].(float64))-ms > 1 || ms-int64(done["audio_duration_ms"].(float64)) > 1 {
		t.Errorf("done.audio_duration_ms %v for %d bytes", done["audio_duration_ms"], bytes)
	}
	if done["total_time_ms"].(float64) < float64(first) {
		t.Errorf("total_time_ms %v < first chunk %d", done["total_time_ms"], first)
	}
}

func TestSSEKeepaliveAndDisconnect(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.HTTP.Keepalive = 20 * time.Millisecond })
	key := n.key(t, "free")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	long := strings.Repeat("A long text, so that the stream lasts well beyond a few keepalive periods. ", 50)
	resp := postStream(t, ctx, n, "/v1/audio/speech/stream", key, map[string]any{"text": long})
	keepalives, chunks := 0, 0
	readSSE(t, resp.Body, func(ev sseEvent) bool {
		for _, c := range ev.comments {
			if c == " keepalive" {
				keepalives++
			}
		}
		if ev.data != "" {
			chunks++
		}
		return keepalives < 2 || chunks == 0 // then hang up mid-stream
	})
	cancel()
	resp.Body.Close()
	if keepalives < 2 || chunks == 0 {
		t.Fatalf("%d keepalives, %d chunks", keepalives, chunks)
	}
	// The server notices the client left and stops: the key's concurrency
	// slot comes back, and what was spoken, not the whole text, is
	// charged.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"})
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after disconnect: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	u := n.do(t, "GET", "/v1/usage", key, nil).json(t)
	if c := int(u["characters"].(float64)) - 3; c <= 0 || c >= len(long) {
		t.Fatalf("an abandoned stream of %d characters was charged %d: want what was spoken, more than none and less than all", len(long), c)
	}
}

func TestSSEErrors(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"text": "hi", "response_format": "mp3"}, 400},
		{map[string]any{"text": strings.Repeat("x", 5000)}, 413},
		{map[string]any{}, 400},
	} {
		r := n.do(t, "POST", "/v1/audio/speech/stream", key, c.body)
		if r.status != c.status {
			t.Errorf("%v: %d %s, want %d", c.body, r.status, r.body, c.status)
		}
	}
	if r := n.do(t, "POST", "/v1/audio/speech/stream", "", map[string]any{"text": "hi"}); r.status != 401 {
		t.Errorf("no key: %d", r.status)
	}
}

func TestVoiceDesignPreview(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	r := n.do(t, "POST", "/v1/voices/design", key, map[string]any{"voice_description": "a deep British man"})
	if r.status != 200 || r.header.Get("Content-Type") != "audio/wav" || !strings.Contains(r.header.Get("X-Voice-Terms"), "british") {
		t.Fatalf("design: %d %v", r.status, r.header)
	}
	resp := postStream(t, t.Context(), n, "/v1/voices/design/stream", key, map[string]any{"voice_description": "a fast woman", "text": "Testing the stream."})
	defer resp.Body.Close()
	var chunks int
	var sawDone bool
	readSSE(t, resp.Body, func(ev sseEvent) bool {
		if strings.Contains(ev.data, `"done":true`) {
			sawDone = true
			return false
		}
		if ev.data != "" {
			chunks++
		}
		return true
	})
	if chunks == 0 || !sawDone {
		t.Fatalf("design stream: %d chunks, done %v", chunks, sawDone)
	}
	if r := n.do(t, "POST", "/v1/voices/design", key, map[string]any{"text": "x"}); r.status != 400 {
		t.Fatalf("design without description: %d", r.status)
	}
}

func TestOpenAISSEFormat(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	resp := postStream(t, t.Context(), n, "/v1/audio/speech", key, map[string]any{"model": "gpt-4o-mini-tts", "input": "Streaming events.", "voice": "nova", "response_format": "pcm", "stream_format": "sse"})
	defer resp.Body.Close()
	var deltas, bytes int
	var doneSeen bool
	readSSE(t, resp.Body, func(ev sseEvent) bool {
		if ev.data == "" {
			return true
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "speech.audio.delta":
			b, err := base64.StdEncoding.DecodeString(m["audio"].(string))
			if err != nil {
				t.Fatal(err)
			}
			deltas++
			bytes += len(b)
		case "speech.audio.done":
			doneSeen = true
			return false
		default:
			t.Fatalf("event %v", m)
		}
		return true
	})
	if !doneSeen || deltas == 0 || bytes < 24000 {
		t.Fatalf("%d deltas, %d bytes, done %v", deltas, bytes, doneSeen)
	}
}
