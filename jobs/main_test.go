package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/store"
)

// shared holds the PostgreSQL server that the tests of several nodes
// share, started by the first that needs it.
var shared struct {
	bin  *testinfra.Binary
	once sync.Once
	pg   *testinfra.Postgres
}

func TestMain(m *testing.M) {
	// The durability tests re-execute this binary as the process they kill.
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	if url := os.Getenv(nodeChildEnv); url != "" {
		os.Exit(nodeChild(url))
	}
	shared.bin = testinfra.NewBinary()
	code := m.Run()
	if !shared.bin.Close() && code == 0 {
		code = 1
	}
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		code = 1
	}
	os.Exit(code)
}

// postgresURL is a fresh database on the test binary's PostgreSQL.
func postgresURL(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() { shared.pg = testinfra.StartPostgres(shared.bin) })
	return shared.pg.NewDatabase()
}

// openURL opens the store at url and closes it when the test ends.
func openURL(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.OpenURL(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})
	return db
}

var testSecret = []byte("test server secret, 32 bytes....")

// env is a data directory with an open store and one API key.
type env struct {
	dir string
	db  *store.DB
	key store.Key
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{dir: t.TempDir()}
	e.db = openStore(t, e.dir)
	_, k, err := e.db.CreateKey(context.Background(), "jobs test", "pro")
	if err != nil {
		t.Fatal(err)
	}
	e.key = k
	return e
}

// openStore opens the store in dir and closes it when the test ends, after
// any Manager started later, since cleanups run last first.
func openStore(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})
	return db
}

// fastConfig is a Config whose waits suit tests, and whose webhooks may
// reach the test's receivers on the loopback interface.
func fastConfig(dir string) Config {
	return Config{
		DataDir:              dir,
		Secret:               testSecret,
		AllowPrivateWebhooks: true,
		PollInterval:         10 * time.Millisecond,
		Backoff:              func(int) time.Duration { return 5 * time.Millisecond },
		AudioURL:             func(j store.Job) string { return "https://parley.test/v1/jobs/" + j.ID + "/audio" },
	}
}

// start makes and starts a Manager on e, closed when the test ends.
func (e *env) start(t *testing.T, cfg Config, r Runner) *Manager {
	t.Helper()
	m, err := New(cfg, e.db, r)
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

func (e *env) submit(t *testing.T, m *Manager, webhook string) store.Job {
	t.Helper()
	j, err := m.Submit(context.Background(), store.Job{
		AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{"text":"hello"}`), Format: "wav", WebhookURL: webhook,
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitJob polls the store until the job satisfies done, and returns it.
func waitJob(t *testing.T, db *store.DB, j store.Job, what string, done func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := db.GetJob(context.Background(), j.AccountID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never %s: %+v", what, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func finished(j store.Job) bool { return j.FinishedAt != nil }

func deliveryOver(j store.Job) bool {
	return j.DeliveryStatus == store.DeliveryDelivered || j.DeliveryStatus == store.DeliveryFailed
}

// runnerFunc adapts a function to Runner.
type runnerFunc func(ctx context.Context, j store.Job, w io.Writer) error

func (f runnerFunc) Run(ctx context.Context, j store.Job, w io.Writer) error { return f(ctx, j, w) }

// fakeAudio is what the fake runners write for a job: distinct per job, and
// long enough to take several writes. It does not depend on the request,
// which the store purges once the job has finished.
func fakeAudio(j store.Job) []byte {
	line := fmt.Sprintf("audio of %s\n", j.ID)
	b := make([]byte, 0, 16<<10)
	for len(b)+len(line) <= cap(b) {
		b = append(b, line...)
	}
	return b
}

// writeRunner writes fakeAudio in small pieces and counts its calls.
type writeRunner struct {
	mu    sync.Mutex
	calls map[string]int
}

func (r *writeRunner) Run(ctx context.Context, j store.Job, w io.Writer) error {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[j.ID]++
	r.mu.Unlock()
	audio := fakeAudio(j)
	for len(audio) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(audio), 1000)
		if _, err := w.Write(audio[:n]); err != nil {
			return err
		}
		audio = audio[n:]
	}
	return nil
}

func (r *writeRunner) callCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

// receiver is a webhook endpoint that records what it is sent and answers
// with status(n) to the n-th request (from 1).
type receiver struct {
	*httptest.Server
	status func(n int) int

	mu   sync.Mutex
	reqs []delivery
}

type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	t.Helper()
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: reading body: %v", err)
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, delivery{header: req.Header.Clone(), body: body, at: time.Now()})
		n := len(r.reqs)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.reqs...)
}

func always(status int) func(int) int { return func(int) int { return status } }

// checkWebhook checks one delivery's headers and signature and returns its
// decoded body.
func checkWebhook(t *testing.T, d delivery, j store.Job) Webhook {
	t.Helper()
	if ct := d.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if id := d.header.Get(JobHeader); id != j.ID {
		t.Errorf("%s = %q, want %s", JobHeader, id, j.ID)
	}
	secret := SigningSecret(testSecret, j.KeyID)
	if err := Verify(secret, d.header.Get(SignatureHeader), d.body, DefaultTolerance, d.at); err != nil {
		t.Errorf("signature of %s: %v", d.body, err)
	}
	var w Webhook
	dec := json.NewDecoder(bytes.NewReader(d.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("webhook body %s: %v", d.body, err)
	}
	return w
}

var errFake = errors.New("fake synthesis failure")
