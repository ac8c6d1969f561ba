//go:build e2e

package httpapi_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/client"
)

// TestVoiceFromReferenceAudio makes a reference recording with a designed
// voice, saves a voice from it, and checks the match: same gender, close
// pitch.
func TestVoiceFromReferenceAudio(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "pro")
	text := "The north wind and the sun were disputing which was the stronger, when a traveller came along wrapped in a warm cloak."
	ref := n.do(t, "POST", "/v1/voices/design", key, map[string]any{"voice_description": "a man with a deep voice", "text": text})
	if ref.status != 200 {
		t.Fatalf("reference: %d", ref.status)
	}
	b64 := base64.StdEncoding.EncodeToString(ref.body)
	for _, withText := range []bool{false, true} {
		body := map[string]any{"name": "ref", "audio": b64}
		if withText {
			body["ref_text"] = text
		}
		r := n.do(t, "POST", "/v1/voices", key, body)
		if r.status != 201 {
			t.Fatalf("from audio: %d %s", r.status, r.body)
		}
		v := r.json(t)
		prof := v["profile"].(map[string]any)
		if v["source"] != "audio" || prof["gender"] != "male" {
			t.Fatalf("matched %v", v)
		}
		// "deep" is -3 semitones on the male voice.
		if p := prof["pitch"].(float64); p > -1 || p < -5.5 {
			t.Errorf("ref_text %v: pitch %.2f st, want about -3", withText, p)
		}
	}
	e := n.do(t, "POST", "/v1/voices/extract-embeddings", key, map[string]any{"audio": b64, "ref_text": text})
	prompt, _ := e.json(t)["prompt_data"].(string)
	if e.status != 200 || !strings.HasPrefix(prompt, "vcp1.") {
		t.Fatalf("extract-embeddings: %d %s", e.status, e.body)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Prompted.", "voice_clone_prompt": prompt}); r.status != 200 {
		t.Fatalf("speech with the extracted prompt: %d", r.status)
	}
	if r := n.do(t, "POST", "/v1/voices/extract-embeddings", key, map[string]any{"ref_text": "x"}); r.status != 400 {
		t.Fatalf("extract without audio: %d", r.status)
	}
}

// TestRealtimeWithSavedVoice uses a saved voice and a clone prompt over the
// realtime socket.
func TestRealtimeWithSavedVoice(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "realtime")
	other := n.key(t, "realtime")
	v := n.do(t, "POST", "/v1/voices", key, map[string]any{"name": "rt", "voice_description": "a high young woman"}).json(t)
	ws := strings.Replace(n.base, "http", "ws", 1) + "/v1/realtime"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cfg := range []client.Config{
		{URL: ws, APIKey: key, Voice: v["id"].(string)},
		{URL: ws, APIKey: key, VoiceClonePrompt: v["voice_clone_prompt"].(string)},
	} {
		c, err := client.Dial(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		pcm, done, err := c.Speak(ctx, "A saved voice on the socket.")
		c.Close()
		if err != nil || len(pcm) == 0 || done.TotalChunks == 0 {
			t.Fatalf("%+v: %d bytes, %v", cfg, len(pcm), err)
		}
	}
	// Another account's voice id is refused with 4003.
	cfg := client.Config{URL: ws, APIKey: other, Voice: v["id"].(string), MaxReconnects: -1}
	c, err := client.Dial(ctx, cfg)
	if err == nil {
		_, _, err = c.Speak(ctx, "Should not speak.")
		c.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "4003") {
		t.Fatalf("other account's voice: %v, want a 4003 close", err)
	}
}
