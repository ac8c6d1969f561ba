package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// pgNode builds a node on the store at url, without serving yet.
func pgNode(t *testing.T, url string, workers int, logs io.Writer) *Server {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), StoreURL: url, Realtime: realtime.DefaultConfig(), Engine: engine.Config{DisableEspeak: true},
		Jobs: jobs.Config{Workers: workers, AllowPrivateWebhooks: true, Lease: time.Second, PollInterval: 20 * time.Millisecond}}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serve serves srv on a loopback port until the test ends, and returns its
// base URL.
func serve(t *testing.T, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// api makes one request with key and returns the status, headers and body.
func api(t *testing.T, method, url, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// webhookSink records the webhooks it receives.
type webhookSink struct {
	*httptest.Server
	mu   sync.Mutex
	keys []string // Idempotency-Key of each
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.keys = append(s.keys, r.Header.Get(jobs.IdempotencyHeader))
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *webhookSink) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range s.keys {
		if k == key {
			n++
		}
	}
	return n
}

// TestTwoNodesOnePostgres runs two nodes on one PostgreSQL: a key made on
// one authenticates on the other; a voice saved and a clone prompt issued on
// one work on the other (the secret is the store's, made by the first node
// to start); a job claimed by a node that then died (its lease never
// renewed, as after kill -9) is run again by a live node once the lease
// lapses; a job submitted to one node is run once; and every job's audio
// is served by both nodes, its webhook received once.
func TestTwoNodesOnePostgres(t *testing.T) {
	pg := testinfra.StartPostgres(t)
	url := pg.NewDatabase()
	ctx := context.Background()
	sink := newWebhookSink(t)
	a := pgNode(t, url, 1, nil)
	b := pgNode(t, url, 1, nil)
	key, _, err := a.Store().CreateKey(ctx, "shared", "scale")
	if err != nil {
		t.Fatal(err)
	}

	// Before the nodes run jobs: a job accepted by a, then claimed by a
	// node that dies at once.
	h := httptest.NewServer(a.Handler())
	code, _, body := api(t, "POST", h.URL+"/v1/audio/speech", key, map[string]string{"text": "Left behind by a dead node.", "webhook_url": sink.URL})
	h.Close()
	if code != http.StatusAccepted {
		t.Fatalf("submitting to a: %d %s", code, body)
	}
	var sub struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(body, &sub); err != nil {
		t.Fatal(err)
	}
	dead, ok, err := a.Store().ClaimJob(ctx, "node-killed", 1500*time.Millisecond)
	if err != nil || !ok || dead.ID != sub.JobID {
		t.Fatalf("the dead node's claim = %+v, %v, %v", dead, ok, err)
	}

	baseA, baseB := serve(t, a), serve(t, b)
	if code, _, body := api(t, "GET", baseB+"/v1/usage", key, nil); code != http.StatusOK {
		t.Fatalf("a key made on a, on b: %d %s", code, body)
	}
	code, _, body = api(t, "POST", baseA+"/v1/voices", key, map[string]string{"name": "Shared", "voice_description": "a bright young woman"})
	var voice struct {
		ID          string `json:"id"`
		ClonePrompt string `json:"voice_clone_prompt"`
	}
	if json.Unmarshal(body, &voice); code >= 300 || voice.ID == "" {
		t.Fatalf("saving a voice on a: %d %s", code, body)
	}
	if code, _, body := api(t, "GET", baseB+"/v1/voices/"+voice.ID, key, nil); code != http.StatusOK {
		t.Errorf("a's saved voice on b: %d %s", code, body)
	}
	for _, fields := range []map[string]string{{"voice": voice.ID}, {"voice_clone_prompt": voice.ClonePrompt}} {
		fields["text"] = "Spoken on the other node."
		if code, _, body := api(t, "POST", baseB+"/v1/audio/speech", key, fields); code != http.StatusOK || !bytes.HasPrefix(body, []byte("RIFF")) {
			t.Errorf("speaking on b with %v from a: %d %.100s", fields, code, body)
		}
	}

	code, _, body = api(t, "POST", baseA+"/v1/audio/speech", key, map[string]string{"text": "Submitted to a.", "webhook_url": sink.URL})
	var second struct {
		JobID string `json:"job_id"`
	}
	if json.Unmarshal(body, &second); code != http.StatusAccepted {
		t.Fatalf("second job: %d %s", code, body)
	}
	for _, id := range []string{dead.ID, second.JobID} {
		var j struct {
			Status  string `json:"status"`
			Webhook struct {
				Status   string `json:"status"`
				Attempts int    `json:"attempts"`
			} `json:"webhook"`
		}
		waitFor(t, 20*time.Second, "job "+id+" delivered", func() bool {
			_, _, body := api(t, "GET", baseB+"/v1/jobs/"+id, key, nil)
			return json.Unmarshal(body, &j) == nil && j.Webhook.Status == store.DeliveryDelivered
		})
		if j.Status != store.JobSucceeded || j.Webhook.Attempts != 1 {
			t.Errorf("job %s = %+v, want succeeded, webhook delivered at the first POST", id, j)
		}
		stored, err := a.Store().GetJob(ctx, dead.AccountID, id)
		if err != nil {
			t.Fatal(err)
		}
		wantAttempts := 1
		if id == dead.ID {
			wantAttempts = 2 // the dead node's, then the one that ran it
			if stored.FinishedAt.Before(*dead.LeaseUntil) {
				t.Errorf("the dead node's job finished at %v, before its lease lapsed at %v", stored.FinishedAt, dead.LeaseUntil)
			}
		}
		if stored.Attempts != wantAttempts {
			t.Errorf("job %s took %d attempts, want %d", id, stored.Attempts, wantAttempts)
		}
		if n := sink.count(jobs.IdempotencyKey(id)); n != 1 {
			t.Errorf("job %s: %d webhooks received, want 1", id, n)
		}
		var audio [2][]byte
		for i, base := range []string{baseA, baseB} {
			code, hdr, body := api(t, "GET", base+"/v1/jobs/"+id+"/audio", key, nil)
			if code != http.StatusOK || !bytes.HasPrefix(body, []byte("RIFF")) || hdr.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("job %s audio from node %d: %d, %d bytes, Content-Length %s", id, i, code, len(body), hdr.Get("Content-Length"))
			}
			audio[i] = body
		}
		if !bytes.Equal(audio[0], audio[1]) {
			t.Errorf("job %s: the nodes serve different audio", id)
		}
	}
}

// session is an open realtime session.
type session struct {
	t *testing.T
	c *websocket.Conn
}

func openSession(t *testing.T, base, key string) *session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	s := &session{t: t, c: c}
	s.send(`{"type":"config","api_key":"` + key + `","language":"English"}`)
	return s
}

func (s *session) send(m string) {
	s.t.Helper()
	if err := s.c.Write(context.Background(), websocket.MessageText, []byte(m)); err != nil {
		s.t.Fatal(err)
	}
}

// speak sends text and a flush and reads until done. It returns the close
// code and reason if the session is closed instead.
func (s *session) speak(text string) (websocket.StatusCode, string) {
	s.t.Helper()
	s.send(`{"type":"text","text":` + strconv.Quote(text) + `}`)
	s.send(`{"type":"flush"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		typ, b, err := s.c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			s.t.Fatalf("reading the session: %v", err)
		}
		var m struct {
			Type string `json:"type"`
		}
		if typ == websocket.MessageText && json.Unmarshal(b, &m) == nil && m.Type == "done" {
			return 0, ""
		}
	}
}

// TestPostgresOutage stops PostgreSQL under a node: /readyz fails, new
// requests get 503 and new sessions close 4005, each saying the database
// cannot be reached; a session already running goes on speaking, and the
// usage it is charged meanwhile waits in memory (shown in /metrics) and
// reaches the store once PostgreSQL is back, none lost.
func TestPostgresOutage(t *testing.T) {
	pg := testinfra.StartPostgres(t)
	url := pg.NewDatabase()
	var logs lockedBuffer
	srv := pgNode(t, url, 1, &logs)
	ctx := context.Background()
	key, k, err := srv.Store().CreateKey(ctx, "k", "scale")
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, srv)
	month := store.Month(time.Now())
	running := openSession(t, base, key)
	first, second := "Before the outage.", "During the outage, still speaking."
	if code, reason := running.speak(first); code != 0 {
		t.Fatalf("before the outage: closed %d %s", code, reason)
	}
	before, _, err := srv.Store().Usage(ctx, k.ID, month)
	if err != nil || before != int64(len(first)) {
		t.Fatalf("usage before the outage = %d, %v; want %d", before, err, len(first))
	}

	pg.Stop()
	if code, reason := running.speak(second); code != 0 {
		t.Fatalf("the running session during the outage: closed %d %s", code, reason)
	}
	if code, m := readyz(t, base); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d %v, want 503", code, m)
	}
	code, hdr, body := api(t, "POST", base+"/v1/audio/speech", key, map[string]string{"text": "New request."})
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "database cannot be reached") || hdr.Get("Retry-After") == "" {
		t.Errorf("a new request during the outage: %d %s (Retry-After %q), want 503 saying why", code, body, hdr.Get("Retry-After"))
	}
	fresh := openSession(t, base, key)
	if code, reason := fresh.speak("Hello?"); code != 4005 || !strings.Contains(reason, "database cannot be reached") {
		t.Errorf("a new session during the outage: closed %d %q, want 4005 saying why", code, reason)
	}
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "\nparley_usage_charges_pending_chars "+strconv.Itoa(len(second))+"\n") {
		t.Errorf("/metrics lacks parley_usage_charges_pending_chars %d:\n%s", len(second), grepLines(m, "pending"))
	}

	pg.Start()
	waitFor(t, 20*time.Second, "ready again", func() bool { code, _ := readyz(t, base); return code == http.StatusOK })
	waitFor(t, 20*time.Second, "pending charges written", func() bool {
		chars, _, err := srv.Store().Usage(ctx, k.ID, month)
		return err == nil && chars == int64(len(first)+len(second))
	})
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "\nparley_usage_charges_pending_chars 0\n") {
		t.Errorf("charges still pending after the outage:\n%s", grepLines(m, "pending"))
	}
	if code, reason := running.speak("After the outage."); code != 0 {
		t.Errorf("the running session after the outage: closed %d %s", code, reason)
	}
	for _, want := range []string{"store unavailable", "store reachable again"} {
		if n := strings.Count(logs.String(), want); n < 1 {
			t.Errorf("no log line with %q", want)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSharedSecret: on a shared store the secret lives in the store. Nodes
// starting at once on a fresh one agree on one secret and write no file; a
// store that holds signed data but lost its secret refuses, until
// --rotate-voice-secret; a secret that does not match the store's
// fingerprint refuses too.
func TestSharedSecret(t *testing.T) {
	pg := testinfra.StartPostgres(t)
	ctx := context.Background()
	open := func(t *testing.T, url string) *store.DB {
		t.Helper()
		db, err := store.OpenURL(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Run("nodes starting at once", func(t *testing.T) {
		url := pg.NewDatabase()
		const nodes = 6
		secrets := make([]voice.Secret, nodes)
		errs := make([]error, nodes)
		dirs := make([]string, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			dirs[i] = t.TempDir()
			db := open(t, url)
			wg.Go(func() { secrets[i], _, errs[i] = loadSecret(ctx, db, dirs[i], false) })
		}
		wg.Wait()
		for i := range nodes {
			if errs[i] != nil || len(secrets[i]) != voice.SecretSize || !bytes.Equal(secrets[i], secrets[0]) {
				t.Fatalf("node %d: %v; secrets differ or are short", i, errs[i])
			}
			if _, err := os.Stat(filepath.Join(dirs[i], voice.SecretFile)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("node %d wrote a secret file: %v", i, err)
			}
		}
		db := open(t, url)
		if ok, err := SecretMatches(ctx, db, secrets[0]); err != nil || !ok {
			t.Errorf("the fingerprint recorded does not match: %v, %v", ok, err)
		}
	})
	t.Run("signed data without its secret", func(t *testing.T) {
		db := open(t, pg.NewDatabase())
		key, _, err := db.CreateKey(ctx, "k", "free")
		if err == nil {
			_, err = db.Authenticate(ctx, key) // used: its webhook secret may be out
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadSecret(ctx, db, t.TempDir(), false); !errors.Is(err, ErrVoiceSecret) || !strings.Contains(err.Error(), "parley store migrate") {
			t.Fatalf("loadSecret = %v, want ErrVoiceSecret pointing at parley store migrate", err)
		}
		if _, err := db.Setting(ctx, SecretSetting); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused start stored a secret: %v", err)
		}
		s, rotated, err := loadSecret(ctx, db, t.TempDir(), true)
		if err != nil || !rotated || len(s) != voice.SecretSize {
			t.Fatalf("with rotation: %v, rotated %v", err, rotated)
		}
		if again, rotated, err := loadSecret(ctx, db, t.TempDir(), false); err != nil || rotated || !bytes.Equal(again, s) {
			t.Fatalf("the start after the rotation: %v, rotated %v", err, rotated)
		}
	})
	t.Run("secret and fingerprint disagree", func(t *testing.T) {
		db := open(t, pg.NewDatabase())
		s, _, err := loadSecret(ctx, db, t.TempDir(), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetSetting(ctx, SecretSetting, bytes.Repeat([]byte{3}, voice.SecretSize)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadSecret(ctx, db, t.TempDir(), false); !errors.Is(err, ErrVoiceSecret) {
			t.Fatalf("loadSecret with a replaced secret = %v, want ErrVoiceSecret", err)
		}
		if got, rotated, err := loadSecret(ctx, db, t.TempDir(), true); err != nil || !rotated || bytes.Equal(got, s) {
			t.Fatalf("adopting the stored secret: %v, rotated %v", err, rotated)
		}
	})
}
