package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/server"
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
	return cfg
}
