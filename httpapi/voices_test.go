package httpapi_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/client"
)

func TestVoicesCRUDAndIsolation(t *testing.T) {
	n := startNode(t)
	alice := n.key(t, "free") // 3 saved voices
	bob := n.key(t, "free")

	r := n.do(t, "POST", "/v1/voices", alice, map[string]any{"name": "Narrator", "voice_description": "a deep, slow British man"})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	v := r.json(t)
	id := v["id"].(string)
	if !strings.HasPrefix(id, "voice_") || v["name"] != "Narrator" || v["source"] != "description" || !strings.HasPrefix(v["voice_clone_prompt"].(string), "vcp1.") {
		t.Fatalf("created voice %v", v)
	}
	if _, err := time.Parse(time.RFC3339, v["created_at"].(string)); err != nil {
		t.Fatalf("created_at %v", v["created_at"])
	}
	prof := v["profile"].(map[string]any)
	if prof["gender"] != "male" || prof["accent"] != "british" {
		t.Fatalf("profile %v", prof)
	}

	if g := n.do(t, "GET", "/v1/voices/"+id, alice, nil); g.status != 200 || g.json(t)["name"] != "Narrator" {
		t.Fatalf("get: %d %s", g.status, g.body)
	}
	if l := n.do(t, "GET", "/v1/voices", alice, nil).json(t); len(l["voices"].([]any)) != 1 || l["limit"].(float64) != 3 {
		t.Fatalf("list: %v", l)
	}
	// Bob sees nothing of Alice's.
	for _, req := range []struct{ method, path string }{{"GET", "/v1/voices/" + id}, {"DELETE", "/v1/voices/" + id}} {
		if r := n.do(t, req.method, req.path, bob, nil); r.status != 404 {
			t.Fatalf("bob %s %s: %d", req.method, req.path, r.status)
		}
	}
	if l := n.do(t, "GET", "/v1/voices", bob, nil).json(t); len(l["voices"].([]any)) != 0 {
		t.Fatalf("bob lists %v", l)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", bob, map[string]any{"text": "Hi.", "voice": id}); r.status != 404 {
		t.Fatalf("bob speaks with alice's voice: %d", r.status)
	}
	// Nor can he use her prompt: it is signed for her account.
	if r := n.do(t, "POST", "/v1/audio/speech", bob, map[string]any{"text": "Hi.", "voice_clone_prompt": v["voice_clone_prompt"]}); r.status != 400 {
		t.Fatalf("bob uses alice's prompt: %d", r.status)
	}
	// Alice can, with the id and with the prompt, and they sound the same
	// (espeak-ng varies by a few samples from call to call; a different
	// voice differs by far more).
	a := n.do(t, "POST", "/v1/audio/speech", alice, map[string]any{"text": "Same voice.", "voice": id, "response_format": "pcm"})
	b := n.do(t, "POST", "/v1/audio/speech", alice, map[string]any{"text": "Same voice.", "voice_clone_prompt": v["voice_clone_prompt"], "response_format": "pcm"})
	if a.status != 200 || b.status != 200 {
		t.Fatalf("voice id: %d; prompt: %d", a.status, b.status)
	}
	if d := float64(len(a.body)) / float64(len(b.body)); d < 0.99 || d > 1.01 {
		t.Fatalf("voice id gave %d bytes, its prompt %d", len(a.body), len(b.body))
	}

	// The plan allows 3 voices.
	for i := 0; i < 2; i++ {
		if r := n.do(t, "POST", "/v1/voices", alice, map[string]any{"name": "v", "voice_description": "a woman"}); r.status != 201 {
			t.Fatalf("voice %d: %d %s", i+2, r.status, r.body)
		}
	}
	if r := n.do(t, "POST", "/v1/voices", alice, map[string]any{"name": "v", "voice_description": "a woman"}); r.status != 403 || !strings.Contains(r.errMsg(t), "limit") {
		t.Fatalf("4th voice on free: %d %s", r.status, r.body)
	}
	if r := n.do(t, "DELETE", "/v1/voices/"+id, alice, nil); r.status != 200 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := n.do(t, "GET", "/v1/voices/"+id, alice, nil); r.status != 404 {
		t.Fatalf("get after delete: %d", r.status)
	}
	if r := n.do(t, "POST", "/v1/voices", alice, map[string]any{"name": "v", "voice_description": "a woman"}); r.status != 201 {
		t.Fatalf("create after delete freed a slot: %d", r.status)
	}
}

func TestVoiceValidation(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "pro")
	for _, c := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"name": "x"}, 400},
		{map[string]any{"name": "", "voice_description": "a man"}, 400},
		{map[string]any{"name": strings.Repeat("n", 101), "voice_description": "a man"}, 400},
		{map[string]any{"name": "x", "voice_description": "a man", "audio": "AAAA"}, 400},
		{map[string]any{"name": "x", "audio": "not base64!"}, 400},
		{map[string]any{"name": "x", "audio": base64.StdEncoding.EncodeToString([]byte("RIFF....WAVE"))}, 400},
		{map[string]any{"name": "x", "voice_description": strings.Repeat("deep ", 101)}, 400},
	} {
		if r := n.do(t, "POST", "/v1/voices", key, c.body); r.status != c.status {
			t.Errorf("%v: %d %s, want %d", c.body, r.status, r.body, c.status)
		}
	}
	if r := n.do(t, "GET", "/v1/voices", "", nil); r.status != 401 {
		t.Errorf("list without key: %d", r.status)
	}
}

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
