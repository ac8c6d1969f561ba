//go:build !e2e

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/httpapi"
)

// streamEvents posts body to path and returns the data of each event of
// the answer, decoded, and the number of keepalive comments.
func streamEvents(t *testing.T, ctx context.Context, base, path, key string, body any) (events []map[string]any, keepalives int) {
	t.Helper()
	resp := postStream(t, ctx, base, path, key, body)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	readSSE(t, resp.Body, func(ev sseEvent) bool {
		for _, c := range ev.comments {
			if c == " keepalive" {
				keepalives++
			}
		}
		if ev.data == "" {
			return true
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		events = append(events, m)
		return true
	})
	return events, keepalives
}

func decode64(t *testing.T, s any) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.(string))
	if err != nil {
		t.Fatalf("not base64: %v", err)
	}
	return b
}

// TestSSEStream: chunk events carry the engine's audio in order, numbered,
// with one first_chunk_latency_ms, and done counts them.
func TestSSEStream(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	events, _ := streamEvents(t, t.Context(), n.base, "/v1/audio/speech/stream", key, map[string]any{"text": hello})
	var pcm []byte
	done := events[len(events)-1]
	for i, m := range events[:len(events)-1] {
		if int(m["chunk_index"].(float64)) != i || m["sample_rate"].(float64) != 24000 || m["format"] != "pcm_s16le" ||
			m["first_chunk_latency_ms"] != events[0]["first_chunk_latency_ms"] {
			t.Fatalf("chunk event %d: %v", i, m)
		}
		pcm = append(pcm, decode64(t, m["chunk"])...)
	}
	if want := n.made(0); !bytes.Equal(pcm, want) {
		t.Fatalf("%d bytes streamed, the engine made %d", len(pcm), len(want))
	}
	if done["done"] != true || int(done["total_chunks"].(float64)) != len(events)-1 ||
		int64(done["audio_duration_ms"].(float64)) != int64(len(pcm)/48) ||
		done["total_time_ms"].(float64) < events[0]["first_chunk_latency_ms"].(float64) {
		t.Fatalf("done %v after %d chunks of %d bytes", done, len(events)-1, len(pcm))
	}
	if got := n.db.used(key); got != int64(len(hello)) {
		t.Fatalf("usage %d", got)
	}
}

func TestSSEKeepaliveAndDisconnect(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) {
		c.http.Keepalive = 20 * time.Millisecond
		// Each chunk takes longer than a keepalive period.
		c.engine = &enginetest.Engine{Pace: 25 * time.Millisecond}
	})
	key := n.key(t, "free")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	long := strings.Repeat("A long text, so that the stream lasts well beyond a few keepalive periods. ", 50)
	resp := postStream(t, ctx, n.base, "/v1/audio/speech/stream", key, map[string]any{"text": long})
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
	waitUntil(t, 10*time.Second, "the slot to come back", func() bool {
		return n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}).status == 200
	})
	u := n.do(t, "GET", "/v1/usage", key, nil).json(t)
	if c := int(u["characters"].(float64)) - 3; c <= 0 || c >= len(long) {
		t.Fatalf("an abandoned stream of %d characters was charged %d: want what was spoken, more than none and less than all", len(long), c)
	}
}

func TestSSEErrors(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"text": "hi", "response_format": "mp3"}, 400},
		{map[string]any{"text": "hi", "webhook_url": "https://example.com/hook"}, 400},
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

// TestStreamFailures: a synthesis that fails mid-stream ends both kinds of
// event stream with an error event, and is logged; one cut short by the
// server's shutdown says so.
func TestStreamFailures(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) { c.engine = &enginetest.Engine{FailOn: "broken"} })
	key := n.key(t, "free")
	text := "This first sentence is long enough to be a segment of its own. And this one is broken."
	events, _ := streamEvents(t, t.Context(), n.base, "/v1/audio/speech/stream", key, map[string]any{"text": text})
	if last := events[len(events)-1]; last["error"] != "synthesis failed" || last["done"] != true || len(events) < 2 {
		t.Fatalf("SSE stream ends %v after %d events", last, len(events))
	}
	events, _ = streamEvents(t, t.Context(), n.base, "/v1/audio/speech", key,
		map[string]any{"input": text, "voice": "alloy", "response_format": "pcm", "stream_format": "sse"})
	last := events[len(events)-1]
	if last["type"] != "error" || last["error"].(map[string]any)["message"] != "synthesis failed" || len(events) < 2 {
		t.Fatalf("OpenAI SSE stream ends %v after %d events", last, len(events))
	}
	for _, msg := range []string{"SSE synthesis failed", "OpenAI SSE synthesis failed"} {
		if !strings.Contains(n.logs.String(), msg) {
			t.Errorf("log lacks %q:\n%s", msg, n.logs.String())
		}
	}
}

func TestStreamCutByShutdown(t *testing.T) {
	long := strings.Repeat("A long text that the server's shutdown cuts short. ", 20)
	for _, tc := range []struct {
		path string
		body map[string]any
		ends func(map[string]any) bool
	}{
		{"/v1/audio/speech/stream", map[string]any{"text": long},
			func(m map[string]any) bool { return m["error"] == httpapi.ErrShuttingDown.Error() && m["done"] == true }},
		{"/v1/audio/speech", map[string]any{"input": long, "response_format": "pcm", "stream_format": "sse"},
			func(m map[string]any) bool {
				e, _ := m["error"].(map[string]any)
				return m["type"] == "error" && e["message"] == httpapi.ErrShuttingDown.Error()
			}},
	} {
		n := newFakeNode(t, func(c *fakeConfig) { c.engine = &enginetest.Engine{Pace: 5 * time.Millisecond} })
		key := n.key(t, "free")
		resp := postStream(t, t.Context(), n.base, tc.path, key, tc.body)
		var last map[string]any
		chunks := 0
		readSSE(t, resp.Body, func(ev sseEvent) bool {
			if ev.data == "" {
				return true
			}
			if err := json.Unmarshal([]byte(ev.data), &last); err != nil {
				t.Fatal(err)
			}
			if chunks++; chunks == 3 {
				n.cancel(httpapi.ErrShuttingDown)
			}
			return true
		})
		resp.Body.Close()
		if !tc.ends(last) || chunks < 4 {
			t.Fatalf("%s: the stream cut short by the shutdown ends %v after %d events", tc.path, last, chunks)
		}
	}
}

func TestOpenAISSEFormat(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	events, _ := streamEvents(t, t.Context(), n.base, "/v1/audio/speech", key,
		map[string]any{"model": "gpt-4o-mini-tts", "input": "Streaming events.", "voice": "nova", "response_format": "pcm", "stream_format": "sse"})
	var pcm []byte
	for _, m := range events[:len(events)-1] {
		if m["type"] != "speech.audio.delta" {
			t.Fatalf("event %v", m)
		}
		pcm = append(pcm, decode64(t, m["audio"])...)
	}
	done := events[len(events)-1]
	if done["type"] != "speech.audio.done" || done["usage"].(map[string]any)["input_tokens"].(float64) != float64(len("Streaming events.")) {
		t.Fatalf("last event %v", done)
	}
	if want := n.made(0); !bytes.Equal(pcm, want) || len(pcm) == 0 {
		t.Fatalf("%d bytes in deltas, the engine made %d", len(pcm), len(want))
	}
}

func TestVoiceDesignPreview(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	r := n.do(t, "POST", "/v1/voices/design", key, map[string]any{"voice_description": "a deep British man"})
	if r.status != 200 || r.header.Get("Content-Type") != "audio/wav" || !strings.Contains(r.header.Get("X-Voice-Terms"), "british") {
		t.Fatalf("design: %d %v", r.status, r.header)
	}
	pcm, _, err := audio.ReadWAV(bytes.NewReader(r.body))
	if err != nil || !bytes.Equal(audio.PCMToBytes(nil, pcm), n.made(0)) {
		t.Fatalf("preview: %d samples, %v; want the engine's audio", len(pcm), err)
	}
	// Without text, the preview speaks the language's sample sentence.
	if calls := n.eng.Calls(); len(calls) == 0 || !strings.HasPrefix(calls[0].Text, "Hello! This is how I sound.") {
		t.Fatalf("preview spoke %+v", calls)
	}
	from := len(n.eng.Calls())
	events, _ := streamEvents(t, t.Context(), n.base, "/v1/voices/design/stream", key, map[string]any{"voice_description": "a fast woman", "text": "Testing the stream."})
	var streamed []byte
	for _, m := range events[:len(events)-1] {
		streamed = append(streamed, decode64(t, m["chunk"])...)
	}
	if events[len(events)-1]["done"] != true || !bytes.Equal(streamed, n.made(from)) || len(streamed) == 0 {
		t.Fatalf("design stream: %d bytes, last event %v", len(streamed), events[len(events)-1])
	}
	if r := n.do(t, "POST", "/v1/voices/design", key, map[string]any{"text": "x"}); r.status != 400 {
		t.Fatalf("design without description: %d", r.status)
	}
}
