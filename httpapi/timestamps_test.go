//go:build !e2e

package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
)

// wordSpans renders words as "word→source" against text.
func wordSpans(t *testing.T, text string, ws []protocol.Word) string {
	t.Helper()
	r := []rune(text)
	var out []string
	for i, w := range ws {
		if w.CharStart < 0 || w.CharEnd > len(r) || w.CharStart >= w.CharEnd || w.EndMS < w.StartMS || i > 0 && w.StartMS < ws[i-1].StartMS {
			t.Fatalf("word %d %+v of %q", i, w, text)
		}
		out = append(out, w.Word+"→"+string(r[w.CharStart:w.CharEnd]))
	}
	return strings.Join(out, " ")
}

const timedText = "Dr. Smith paid $5 for the café. Then 3 more words came along, after it."

const timedWant = "Doctor→Dr. Smith→Smith paid→paid five→$5 dollars→$5 for→for the→the café→café " +
	"Then→Then three→3 more→more words→words came→came along→along after→after it→it"

// TestBatchTimestamps: "timestamps": true answers JSON with the file in
// base64 (the same bytes as without) and the words, timed across
// segments from the start of the audio, spans in the request's text.
func TestBatchTimestamps(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	plain := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": timedText, "response_format": "pcm"})
	if plain.status != http.StatusOK {
		t.Fatalf("%d %s", plain.status, plain.body)
	}
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": timedText, "response_format": "pcm", "timestamps": true})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var ans struct {
		Audio  string          `json:"audio"`
		Format string          `json:"format"`
		Words  []protocol.Word `json:"words"`
	}
	if err := json.Unmarshal(r.body, &ans); err != nil {
		t.Fatal(err)
	}
	pcm, err := base64.StdEncoding.DecodeString(ans.Audio)
	if err != nil || !bytes.Equal(pcm, plain.body) || ans.Format != "pcm" {
		t.Fatalf("audio: %d bytes (%v), %q; without timestamps %d bytes", len(pcm), err, ans.Format, len(plain.body))
	}
	if got := wordSpans(t, timedText, ans.Words); got != timedWant {
		t.Errorf("words\n got %s\nwant %s", got, timedWant)
	}
	// The second segment's first word starts where its audio does.
	calls := n.eng.Calls()
	first := int64(audio.Duration(calls[len(calls)-2].Samples, protocol.SampleRate).Milliseconds())
	for _, w := range ans.Words {
		if w.Word == "Then" && w.StartMS != first {
			t.Errorf("Then starts at %d ms, its segment at %d", w.StartMS, first)
		}
	}
	// Not with OpenAI's SSE or a webhook.
	for _, body := range []map[string]any{
		{"input": "Hi.", "stream_format": "sse", "timestamps": true},
		{"text": "Hi.", "webhook_url": "https://example.com/hook", "timestamps": true},
	} {
		if r := n.do(t, "POST", "/v1/audio/speech", key, body); r.status != http.StatusBadRequest {
			t.Errorf("%v: %d %s", body, r.status, r.body)
		}
	}
}

// TestSSETimestamps: the SSE stream gets timestamps events, each before
// the chunk its first word starts in.
func TestSSETimestamps(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	events, _ := streamEvents(t, t.Context(), n.base, "/v1/audio/speech/stream", key, map[string]any{"text": timedText, "timestamps": true})
	var words []protocol.Word
	var ms int64
	for _, m := range events {
		switch {
		case m["type"] == protocol.TypeTimestamps:
			b, _ := json.Marshal(m["words"])
			var ws []protocol.Word
			if err := json.Unmarshal(b, &ws); err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if w.StartMS < ms {
					t.Errorf("word %+v after %d ms of audio", w, ms)
				}
			}
			words = append(words, ws...)
		case m["chunk"] != nil:
			ms += int64(len(decode64(t, m["chunk"]))) * 1000 / 48000
		}
	}
	if got := wordSpans(t, timedText, words); got != timedWant {
		t.Errorf("words\n got %s\nwant %s", got, timedWant)
	}
}
