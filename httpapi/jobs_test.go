//go:build e2e

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
)

type delivery struct {
	header http.Header
	body   []byte
}

func TestAsyncJobWithWebhook(t *testing.T) {
	got := make(chan delivery, 8)
	fails := 1 // the receiver fails once: the delivery must be retried
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if fails > 0 {
			fails--
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		got <- delivery{r.Header.Clone(), b}
	}))
	defer recv.Close()
	n := startNode(t, func(c *server.Config) {
		c.PublicURL = "https://tts.example.com"
		c.Jobs.AllowPrivateWebhooks = true // the receiver is on loopback
		c.Jobs.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
		c.Jobs.PollInterval = 10 * time.Millisecond
	})
	key := n.key(t, "free")
	other := n.key(t, "free")

	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "mp3", "webhook_url": recv.URL + "/hook"})
	if r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	sub := r.json(t)
	id, _ := sub["job_id"].(string)
	if !strings.HasPrefix(id, "job_") || sub["status"] != "queued" {
		t.Fatalf("202 body %v", sub)
	}
	var d delivery
	select {
	case d = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook within 30 s")
	}
	secret := n.do(t, "GET", "/v1/webhooks/secret", key, nil).json(t)["secret"].(string)
	if err := jobs.Verify(secret, d.header.Get("X-Parley-Signature"), d.body, time.Minute, time.Now()); err != nil {
		t.Fatalf("webhook signature: %v", err)
	}
	otherSecret := n.do(t, "GET", "/v1/webhooks/secret", other, nil).json(t)["secret"].(string)
	if otherSecret == secret || jobs.Verify(otherSecret, d.header.Get("X-Parley-Signature"), d.body, time.Minute, time.Now()) == nil {
		t.Fatal("another key's secret verifies this key's webhook")
	}
	var hook map[string]any
	if err := json.Unmarshal(d.body, &hook); err != nil {
		t.Fatal(err)
	}
	if hook["job_id"] != id || hook["status"] != "succeeded" || hook["audio_url"] != "https://tts.example.com/v1/jobs/"+id+"/audio" {
		t.Fatalf("webhook body %v", hook)
	}

	j := n.do(t, "GET", "/v1/jobs/"+id, key, nil).json(t)
	if j["status"] != "succeeded" || j["audio_url"] != "/v1/jobs/"+id+"/audio" || j["format"] != "mp3" {
		t.Fatalf("job %v", j)
	}
	deadline := time.Now().Add(10 * time.Second)
	for j["webhook"].(map[string]any)["status"] != "delivered" {
		if time.Now().After(deadline) {
			t.Fatalf("webhook state %v", j["webhook"])
		}
		time.Sleep(20 * time.Millisecond)
		j = n.do(t, "GET", "/v1/jobs/"+id, key, nil).json(t)
	}
	if a := j["webhook"].(map[string]any)["attempts"].(float64); a != 2 {
		t.Fatalf("delivered after %v attempts, want 2 (one failure)", a)
	}
	a := n.do(t, "GET", "/v1/jobs/"+id+"/audio", key, nil)
	if a.status != 200 || a.header.Get("Content-Type") != "audio/mpeg" || len(a.body) < 1000 {
		t.Fatalf("audio: %d %q %d bytes", a.status, a.header.Get("Content-Type"), len(a.body))
	}
	if codec, _, _, secs := ffprobe(t, a.body, "mp3"); codec != "mp3" || secs < 2 {
		t.Fatalf("job audio: %s, %.2f s", codec, secs)
	}
	for _, p := range []string{"/v1/jobs/" + id, "/v1/jobs/" + id + "/audio"} {
		if r := n.do(t, "GET", p, other, nil); r.status != 404 {
			t.Fatalf("other account GET %s: %d", p, r.status)
		}
	}
	if r := n.do(t, "GET", "/v1/jobs/job_nope", key, nil); r.status != 404 {
		t.Fatalf("unknown job: %d", r.status)
	}
	// The job's characters are charged.
	if u := n.do(t, "GET", "/v1/usage", key, nil).json(t); int(u["characters"].(float64)) != len(hello) {
		t.Fatalf("usage %v", u)
	}
}

func TestJobSurvivesRestart(t *testing.T) {
	got := make(chan []byte, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer recv.Close()
	dir := t.TempDir()
	// A node with no job workers accepts the job but cannot run it.
	first := startNodeIn(t, nodeConfig(dir, 0))
	key := first.key(t, "free")
	r := first.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Queued across a restart.", "webhook_url": recv.URL})
	if r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := r.json(t)["job_id"].(string)
	first.shutdown()

	second := startNodeIn(t, nodeConfig(dir, 2))
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte(id)) || !bytes.Contains(b, []byte(`"succeeded"`)) {
			t.Fatalf("webhook %s", b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the queued job did not run after the restart")
	}
	a := second.do(t, "GET", "/v1/jobs/"+id+"/audio", key, nil)
	if pcm, rate, err := audio.ReadWAV(bytes.NewReader(a.body)); err != nil || rate != 24000 || len(pcm) < 24000 {
		t.Fatalf("audio after restart: %d samples at %d, %v", len(pcm), rate, err)
	}
}

func nodeConfig(dir string, workers int) server.Config {
	cfg := server.Config{DataDir: dir}
	cfg.Jobs.Workers = workers
	if workers == 0 {
		cfg.Jobs.Workers = -1 // accept jobs, run none (see jobs.Config)
	}
	cfg.Jobs.PollInterval = 10 * time.Millisecond
	cfg.Jobs.AllowPrivateWebhooks = true // the receivers are on loopback
	return cfg
}

// submitJob submits text with a webhook and returns the job's id.
func (n *node) submitJob(t *testing.T, key, text, webhook string) string {
	t.Helper()
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": text, "webhook_url": webhook})
	if r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	return r.json(t)["job_id"].(string)
}

// waitJob polls GET /v1/jobs/ID until done holds, and returns the job.
func (n *node) waitJob(t *testing.T, key, id string, done func(map[string]any) bool) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j := n.do(t, "GET", "/v1/jobs/"+id, key, nil).json(t)
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never got there: %v", id, j)
		}
	}
}

func succeeded(j map[string]any) bool { return j["status"] == "succeeded" }

// TestDeleteAndExpireJobs deletes a job with DELETE /v1/jobs/ID, and moves
// the server's clock past the retention of another: both are then 404, and
// their audio files are gone.
func TestDeleteAndExpireJobs(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer recv.Close()
	var offset atomic.Int64
	n := startNode(t, func(c *server.Config) {
		c.Jobs.AllowPrivateWebhooks = true
		c.Jobs.PollInterval = 10 * time.Millisecond
		c.Jobs.Retention = time.Hour
		c.Jobs.SweepInterval = 10 * time.Millisecond
		c.Jobs.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	key, other := n.key(t, "free"), n.key(t, "free")
	// stored reports whether the store holds audio for the job.
	stored := func(id string) bool {
		t.Helper()
		_, err := n.srv.Store().WriteJobAudio(context.Background(), id, io.Discard)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	gone := func(id string) {
		t.Helper()
		for _, p := range []string{"/v1/jobs/" + id, "/v1/jobs/" + id + "/audio"} {
			if r := n.do(t, "GET", p, key, nil); r.status != 404 {
				t.Errorf("GET %s: %d, want 404", p, r.status)
			}
		}
	}

	deleted := n.submitJob(t, key, "Delete me.", recv.URL)
	kept := n.submitJob(t, key, "Keep me for an hour.", recv.URL)
	n.waitJob(t, key, deleted, succeeded)
	n.waitJob(t, key, kept, succeeded)
	if !stored(deleted) {
		t.Fatal("no audio stored for the finished job")
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+deleted, other, nil); r.status != 404 {
		t.Errorf("DELETE by another account: %d, want 404", r.status)
	}
	if r := n.do(t, "GET", "/v1/jobs/"+deleted+"/audio", key, nil); r.status != 200 {
		t.Errorf("audio after another account's DELETE: %d", r.status)
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+deleted, key, nil); r.status != 204 || len(r.body) != 0 {
		t.Errorf("DELETE: %d %q, want 204", r.status, r.body)
	}
	gone(deleted)
	if stored(deleted) {
		t.Error("audio left after DELETE")
	}
	if r := n.do(t, "DELETE", "/v1/jobs/"+deleted, key, nil); r.status != 404 {
		t.Errorf("second DELETE: %d, want 404", r.status)
	}

	if r := n.do(t, "GET", "/v1/jobs/"+kept+"/audio", key, nil); r.status != 200 {
		t.Fatalf("audio within the retention: %d", r.status)
	}
	offset.Store(int64(2 * time.Hour))
	gone(kept)
	deadline := time.Now().Add(10 * time.Second)
	for stored(kept) {
		if time.Now().After(deadline) {
			t.Fatal("the expired job's audio was never removed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJobLimitsOverHTTP fills an account's queue, then its stored audio:
// both answer 429 with Retry-After, and deleting a job makes room.
func TestJobLimitsOverHTTP(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer recv.Close()
	dir := t.TempDir()
	cfg := nodeConfig(dir, 0)
	cfg.Jobs.MaxUnfinishedPerAccount = 1
	first := startNodeIn(t, cfg)
	key := first.key(t, "free")
	id := first.submitJob(t, key, "Queued.", recv.URL)
	r := first.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "One too many.", "webhook_url": recv.URL})
	if r.status != 429 || !strings.Contains(r.errMsg(t), "jobs queued or running for this account (at most 1)") {
		t.Fatalf("over the queue cap: %d %s", r.status, r.body)
	}
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra <= 0 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	first.shutdown()

	// The job runs; its audio fills a cap set to its size.
	second := startNodeIn(t, nodeConfig(dir, 2))
	second.waitJob(t, key, id, succeeded)
	size := len(second.do(t, "GET", "/v1/jobs/"+id+"/audio", key, nil).body)
	second.shutdown()
	cfg = nodeConfig(dir, 2)
	cfg.Jobs.AudioCapPerAccount = int64(size)
	third := startNodeIn(t, cfg)
	r = third.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "No room.", "webhook_url": recv.URL})
	if r.status != 429 || !strings.Contains(r.errMsg(t), "allowance of stored audio") {
		t.Fatalf("over the audio cap: %d %s", r.status, r.body)
	}
	// Room comes back when the job expires, in a week.
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 6*24*3600 || ra > 7*24*3600 {
		t.Errorf("Retry-After %q, want about a week", r.header.Get("Retry-After"))
	}
	if r := third.do(t, "DELETE", "/v1/jobs/"+id, key, nil); r.status != 204 {
		t.Fatalf("DELETE: %d", r.status)
	}
	third.submitJob(t, key, "Room again.", recv.URL)
}

// TestWebhookAddressPolicy runs a server with the default policy: a webhook
// written as a private address is refused with 400, and one whose name
// resolves to loopback is accepted but refused when it connects, with a
// last_error that says only that.
func TestWebhookAddressPolicy(t *testing.T) {
	var hits atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer recv.Close()
	n := startNode(t, func(c *server.Config) {
		c.Jobs.PollInterval = 10 * time.Millisecond
		c.Jobs.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
		c.Jobs.DeliveryAttempts = 2
	})
	key := n.key(t, "free")
	for _, u := range []string{recv.URL, "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://10.0.0.1:8080/hook"} {
		r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "webhook_url": u})
		if r.status != 400 || !strings.Contains(r.errMsg(t), "not a public address") {
			t.Errorf("webhook %s: %d %s, want 400", u, r.status, r.body)
		}
	}
	named := strings.Replace(recv.URL, "127.0.0.1", "localhost", 1)
	id := n.submitJob(t, key, "Hi.", named)
	j := n.waitJob(t, key, id, func(j map[string]any) bool { return j["webhook"].(map[string]any)["status"] == "failed" })
	if le := j["webhook"].(map[string]any)["last_error"]; le != "refused: address not allowed" {
		t.Errorf("last_error %q", le)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver on loopback got %d requests", hits.Load())
	}
}

// TestQueuedJobsCountAgainstTheQuota: jobs are paid for when queued, so a
// client cannot queue past its quota while none has run; a deleted queued
// job gives its characters back at once, and a failed one is refunded.
func TestQueuedJobsCountAgainstTheQuota(t *testing.T) {
	n := startNodeIn(t, nodeConfig(t.TempDir(), 0)) // accepts jobs, runs none
	key := n.key(t, "free")
	k := keyRecord(t, n, key)
	text := strings.Repeat("Queued jobs are paid for, when they are accepted. ", 20)
	if len(text) != 1_000 {
		t.Fatalf("text of %d characters", len(text))
	}
	if err := n.srv.Store().AddUsage(t.Context(), k.ID, monthNow(), 50_000-1_500); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"text": text, "webhook_url": "http://127.0.0.1:9/hook"}
	first := n.do(t, "POST", "/v1/audio/speech", key, body)
	if first.status != 202 {
		t.Fatalf("first job: %d %s", first.status, first.body)
	}
	if chars, _, _ := n.srv.Store().Usage(t.Context(), k.ID, monthNow()); chars != 50_000-500 {
		t.Fatalf("usage after queueing a job of 1000 characters: %d, want %d", chars, 50_000-500)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, body); r.status != 429 || !strings.Contains(r.errMsg(t), "quota") {
		t.Fatalf("second job past the quota: %d %s", r.status, r.body)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": text}); r.status != 429 {
		t.Fatalf("a synthesis past the quota while a job is queued: %d %s", r.status, r.body)
	}
	id := first.json(t)["job_id"].(string)
	if r := n.do(t, "DELETE", "/v1/jobs/"+id, key, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if chars, _, _ := n.srv.Store().Usage(t.Context(), k.ID, monthNow()); chars != 50_000-1_500 {
		t.Fatalf("usage after deleting the queued job: %d, want %d", chars, 50_000-1_500)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, body); r.status != 202 {
		t.Fatalf("job after the refund: %d %s", r.status, r.body)
	}
}
