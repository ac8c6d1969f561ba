//go:build !e2e

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voicestore"
)

func TestVoicesCRUDAndIsolation(t *testing.T) {
	n := newFakeNode(t)
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
	if l := n.do(t, "GET", "/v1/voices", alice, nil).json(t); len(l["voices"].([]any)) != 1 || l["limit"].(float64) != 3 || len(l["builtin"].([]any)) != 0 {
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
	// Alice can, with the id and with the prompt: the engine gets the same
	// voice either way, the voice she designed.
	from := len(n.eng.Calls())
	for _, body := range []map[string]any{
		{"text": "Same voice.", "voice": id, "response_format": "pcm"},
		{"text": "Same voice.", "voice_clone_prompt": v["voice_clone_prompt"], "response_format": "pcm"},
		{"text": "Same voice.", "voice_description": "a deep, slow British man", "response_format": "pcm"},
	} {
		if r := n.do(t, "POST", "/v1/audio/speech", alice, body); r.status != 200 {
			t.Fatalf("%v: %d", body, r.status)
		}
	}
	if c := n.eng.Calls()[from:]; len(c) != 3 || c[0].Voice != c[2].Voice || c[1].Voice != c[2].Voice {
		t.Fatalf("engine voices %+v", c)
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
	n := newFakeNode(t)
	key := n.key(t, "pro")
	for _, c := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"name": "x"}, 400},
		{map[string]any{"name": "", "voice_description": "a man"}, 400},
		{map[string]any{"name": strings.Repeat("n", 101), "voice_description": "a man"}, 400},
		{map[string]any{"name": "x", "voice_description": "a man", "audio": "AAAA"}, 400},
		{map[string]any{"name": "x", "voice": "piper:nobody"}, 404},
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
	if r := n.do(t, "POST", "/v1/voices/extract-embeddings", key, map[string]any{}); r.status != 400 {
		t.Errorf("extract without audio: %d", r.status)
	}
}

// TestJobs: a request with a webhook_url is stored and paid for before the
// 202; its state, audio and deletion are its account's alone; the job
// manager's refusals map to statuses.
func TestJobs(t *testing.T) {
	n := newFakeNode(t)
	key, other := n.key(t, "free"), n.key(t, "free")
	body := map[string]any{"text": hello, "response_format": "wav", "webhook_url": "https://example.com/hook"}
	r := n.do(t, "POST", "/v1/audio/speech", key, body)
	if r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := r.json(t)["job_id"].(string)
	if r.json(t)["status"] != "queued" || r.header.Get("Location") != "/v1/jobs/"+id {
		t.Fatalf("202: %s, Location %q", r.body, r.header.Get("Location"))
	}
	j, err := n.db.GetJob(t.Context(), n.db.keyOf(key).AccountID, id)
	if err != nil || j.KeyID != n.db.keyOf(key).ID || j.Format != "wav" || j.WebhookURL != "https://example.com/hook" ||
		j.Charged != int64(len(hello)) || j.ChargeMonth != store.Month(time.Now()) || !bytes.Contains(j.Request, []byte(hello)) {
		t.Fatalf("stored job %+v, %v", j, err)
	}
	if got := n.db.used(key); got != int64(len(hello)) {
		t.Fatalf("usage %d: the job is paid for when it is queued", got)
	}
	if calls := n.eng.Calls(); len(calls) != 0 {
		t.Fatalf("the API spoke a queued job: %+v", calls)
	}
	v := n.do(t, "GET", "/v1/jobs/"+id, key, nil).json(t)
	if v["status"] != "queued" || v["audio_url"] != nil || v["format"] != "wav" || v["webhook"].(map[string]any)["attempts"].(float64) != 0 {
		t.Fatalf("queued job %v", v)
	}

	// The manager runs it.
	wav := audio.EncodeWAV(enginetest.PCM(hello), 24000)
	n.jobs.update(id, func(j *store.Job) {
		now := time.Now()
		n.db.audio[id] = wav
		j.AudioBytes = int64(len(wav))
		j.Status, j.FinishedAt, j.DeliveryStatus, j.DeliveryAttempts, j.LastDeliveryError = store.JobSucceeded, &now, store.DeliveryDelivered, 2, "webhook receiver answered 503"
	})
	v = n.do(t, "GET", "/v1/jobs/"+id, key, nil).json(t)
	hook := v["webhook"].(map[string]any)
	if v["status"] != "succeeded" || v["audio_url"] != "/v1/jobs/"+id+"/audio" || v["finished_at"] == nil ||
		hook["status"] != "delivered" || hook["attempts"].(float64) != 2 || hook["last_error"] != "webhook receiver answered 503" {
		t.Fatalf("succeeded job %v", v)
	}
	if a := n.do(t, "GET", "/v1/jobs/"+id+"/audio", key, nil); a.status != 200 || a.header.Get("Content-Type") != "audio/wav" ||
		a.header.Get("Content-Length") != strconv.Itoa(len(wav)) || !bytes.Equal(a.body, wav) {
		t.Fatalf("audio: %d %q, %d bytes", a.status, a.header.Get("Content-Type"), len(a.body))
	}
	for _, p := range []string{"/v1/jobs/" + id, "/v1/jobs/" + id + "/audio"} {
		if r := n.do(t, "GET", p, other, nil); r.status != 404 {
			t.Fatalf("other account GET %s: %d", p, r.status)
		}
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+id, other, nil); r.status != 404 {
		t.Fatalf("other account DELETE: %d", r.status)
	}
	// Past its retention, a job the janitor has not removed yet is gone.
	n.jobs.expire(id)
	if r := n.do(t, "GET", "/v1/jobs/"+id, key, nil); r.status != 404 {
		t.Fatalf("expired job: %d", r.status)
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+id, key, nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("DELETE: %d %q", r.status, r.body)
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+id, key, nil); r.status != 404 {
		t.Fatalf("second DELETE: %d", r.status)
	}

	// A queued job deleted is refunded, and the quota sees it at once.
	n.db.spend(key, 2*int64(len(hello))-1)
	queued := n.do(t, "POST", "/v1/audio/speech", key, body).json(t)["job_id"].(string)
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello}); r.status != 429 {
		t.Fatalf("no room left: %d", r.status)
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+queued, key, nil); r.status != 204 {
		t.Fatalf("DELETE queued: %d", r.status)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello}); r.status != 200 {
		t.Fatalf("after the refund: %d %s", r.status, r.body)
	}

	// The manager's refusals.
	third := n.key(t, "free")
	for _, c := range []struct {
		err        error
		status     int
		msg        string
		retryAfter string
	}{
		{&jobs.LimitError{Err: store.ErrQueueFull, Limit: 100, RetryAfter: 1500 * time.Millisecond}, 429, "at most 100", "2"},
		{&jobs.LimitError{Err: store.ErrQueueFull, Limit: 100}, 429, "at most 100", ""},
		{fmt.Errorf("%w: refused: address not allowed", jobs.ErrWebhookURL), 400, "invalid webhook URL: refused", ""},
	} {
		n.jobs.refuse = c.err
		r := n.do(t, "POST", "/v1/audio/speech", third, body)
		if r.status != c.status || !strings.Contains(r.errMsg(t), c.msg) || r.header.Get("Retry-After") != c.retryAfter {
			t.Errorf("%v: %d %s, Retry-After %q", c.err, r.status, r.body, r.header.Get("Retry-After"))
		}
	}
	n.jobs.refuse = nil
	n.db.spend(other, 10)
	if r := n.do(t, "POST", "/v1/audio/speech", other, body); r.status != 429 || !strings.Contains(r.errMsg(t), "quota") {
		t.Fatalf("a job over the quota: %d %s", r.status, r.body)
	}

	// Each key's webhooks are signed with a secret of its own.
	s1 := n.do(t, "GET", "/v1/webhooks/secret", key, nil).json(t)
	s2 := n.do(t, "GET", "/v1/webhooks/secret", other, nil).json(t)
	if s1["secret"] == s2["secret"] || s1["header"] != "X-Parley-Signature" ||
		s1["secret"] != jobs.SigningSecret([]byte("fedcba9876543210fedcba9876543210"), n.db.keyOf(key).ID) {
		t.Fatalf("webhook secrets %v and %v", s1, s2)
	}
}

func TestJobsDisabled(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) { c.noJobs = true })
	key := n.key(t, "free")
	for _, r := range []response{
		n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "webhook_url": "https://example.com/hook"}),
		n.do(t, "DELETE", "/v1/jobs/job_x", key, nil),
	} {
		if r.status != 503 || !strings.Contains(r.errMsg(t), "not enabled") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
}

// TestRunner: a stored request is synthesised as the API would have
// answered it, charging nothing (the job was paid for when queued); a
// request that is no longer valid fails with the API's error.
func TestRunner(t *testing.T) {
	db := newMemStore()
	eng := &enginetest.Engine{}
	r, err := httpapi.NewRunner(httpapi.Deps{
		Pipeline: &tts.Pipeline{Engine: eng},
		Voices:   &voicestore.Store{DB: db, Secret: []byte("0123456789abcdef0123456789abcdef")},
		Store:    db,
		Metrics:  metrics.New(),
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, k := db.createKey(t, "free")
	req, _ := json.Marshal(map[string]any{"text": hello, "response_format": "wav"})
	var out bytes.Buffer
	if err := r.Run(context.Background(), store.Job{KeyID: k.ID, Request: req, Format: "wav"}, &out); err != nil {
		t.Fatal(err)
	}
	pcm, _, err := audio.ReadWAV(&out)
	if err != nil || !bytes.Equal(audio.PCMToBytes(nil, pcm), audio.PCMToBytes(nil, eng.Audio())) || len(pcm) == 0 {
		t.Fatalf("job audio: %d samples, %v", len(pcm), err)
	}
	if chars, _, _ := db.Usage(context.Background(), k.ID, store.Month(time.Now())); chars != 0 {
		t.Fatalf("the job was charged again: %d", chars)
	}
	req, _ = json.Marshal(map[string]any{"text": hello, "voice": "voice_gone"})
	err = r.Run(context.Background(), store.Job{KeyID: k.ID, Request: req, Format: "wav"}, &out)
	var pm interface{ PublicMessage() string }
	if !errors.As(err, &pm) || !strings.Contains(pm.PublicMessage(), "unknown voice") {
		t.Fatalf("a job whose voice was deleted: %v", err)
	}
	if _, err := httpapi.NewRunner(httpapi.Deps{}); err == nil {
		t.Fatal("NewRunner without its deps")
	}
	if _, err := httpapi.New(httpapi.Config{}, httpapi.Deps{Pipeline: &tts.Pipeline{}, Voices: &voicestore.Store{}, Store: db, Metrics: metrics.New()}); err == nil {
		t.Fatal("New without Keys, Accounting and Limiter")
	}
}
