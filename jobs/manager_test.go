package jobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

func TestJobLifecycle(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, always(http.StatusNoContent))
	r := &writeRunner{}
	m := e.start(t, fastConfig(e.dir), r)

	j := e.submit(t, m, rcv.URL+"/hook?x=1")
	if j.Status != store.JobQueued {
		t.Errorf("submitted job is %s, want queued", j.Status)
	}
	got := waitJob(t, e.db, j, "delivered", deliveryOver)
	if got.Status != store.JobSucceeded || got.Attempts != 1 || got.Error != "" || got.DeliveryStatus != store.DeliveryDelivered || got.DeliveryAttempts != 1 {
		t.Fatalf("job = %+v, want succeeded in 1 attempt, delivered at once", got)
	}
	if string(got.Request) != `{}` || got.AudioBytes != int64(len(fakeAudio(j))) {
		t.Errorf("finished job holds request %s and %d bytes of audio; want the request purged, %d bytes", got.Request, got.AudioBytes, len(fakeAudio(j)))
	}
	checkAudio(t, e.db, got)
	if _, err := os.Stat(filepath.Join(e.dir, legacyDirName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("audio written to the data directory: %v", err)
	}
	if n := r.callCount(j.ID); n != 1 {
		t.Errorf("runner called %d times", n)
	}

	ds := rcv.received()
	if len(ds) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(ds))
	}
	w := checkWebhook(t, ds[0], j)
	want := Webhook{JobID: j.ID, Status: store.JobSucceeded, Format: "wav", AudioURL: "https://parley.test/v1/jobs/" + j.ID + "/audio",
		CreatedAt: got.CreatedAt, FinishedAt: *got.FinishedAt}
	if w.JobID != want.JobID || w.Status != want.Status || w.Format != want.Format || w.AudioURL != want.AudioURL || w.Error != want.Error ||
		!w.CreatedAt.Equal(want.CreatedAt) || !w.FinishedAt.Equal(want.FinishedAt) {
		t.Errorf("webhook = %+v, want %+v", w, want)
	}

	// A receiver must refuse the same request altered, signed for another
	// key, or replayed late.
	secret := SigningSecret(testSecret, e.key.ID)
	sig := ds[0].header.Get(SignatureHeader)
	altered := bytes.Replace(ds[0].body, []byte("succeeded"), []byte("failed"), 1)
	refusals := []struct {
		name   string
		secret string
		body   []byte
		now    time.Time
		want   error
	}{
		{"altered body", secret, altered, ds[0].at, ErrSignatureMismatch},
		{"another key's secret", SigningSecret(testSecret, "otherkeyid"), ds[0].body, ds[0].at, ErrSignatureMismatch},
		{"another server's secret", SigningSecret([]byte("another server"), e.key.ID), ds[0].body, ds[0].at, ErrSignatureMismatch},
		{"replayed an hour later", secret, ds[0].body, ds[0].at.Add(time.Hour), ErrSignatureExpired},
	}
	for _, tt := range refusals {
		if err := Verify(tt.secret, sig, tt.body, DefaultTolerance, tt.now); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}

	// A job without a webhook finishes with nothing to deliver.
	quiet := e.submit(t, m, "")
	got = waitJob(t, e.db, quiet, "finished", finished)
	if got.Status != store.JobSucceeded || got.DeliveryStatus != store.DeliveryNone {
		t.Errorf("job without webhook = %+v", got)
	}
	if n := len(rcv.received()); n != 1 {
		t.Errorf("receiver got %d requests after a job without webhook", n)
	}
}

// hasAudio reports whether the store holds audio for j.
func hasAudio(t *testing.T, db *store.DB, j store.Job) bool {
	t.Helper()
	_, err := db.WriteJobAudio(context.Background(), j.ID, io.Discard)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// refusingURL is where nothing listens: port 1 on the loopback interface,
// so connections are refused at once, without leaving the machine.
const refusingURL = "http://127.0.0.1:1/hook"

func TestDeliveryRetries(t *testing.T) {
	tests := []struct {
		name       string
		status     func(n int) int // nil: nothing listens
		attempts   int             // Config.DeliveryAttempts
		wantStatus string
		wantPosts  int
		wantError  string // in LastDeliveryError
	}{
		{"accepted at once", always(http.StatusOK), 6, store.DeliveryDelivered, 1, ""},
		{"fails 3 times, then 200", func(n int) int {
			if n <= 3 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}, 6, store.DeliveryDelivered, 4, "webhook receiver answered 500"},
		{"accepted on the last attempt", func(n int) int {
			if n < 3 {
				return http.StatusServiceUnavailable
			}
			return http.StatusAccepted
		}, 3, store.DeliveryDelivered, 3, "webhook receiver answered 503"},
		{"always 500", always(http.StatusInternalServerError), 4, store.DeliveryFailed, 4, "webhook receiver answered 500"},
		{"redirect is not followed", always(http.StatusFound), 2, store.DeliveryFailed, 2, "webhook receiver answered 302"},
		{"4xx is retried too", always(http.StatusBadRequest), 2, store.DeliveryFailed, 2, "webhook receiver answered 400"},
		{"nothing listening", nil, 3, store.DeliveryFailed, 0, "could not connect to the webhook receiver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			url := refusingURL
			var rcv *receiver
			if tt.status != nil {
				rcv = newReceiver(t, tt.status)
				url = rcv.URL
			}
			cfg := fastConfig(e.dir)
			cfg.DeliveryAttempts = tt.attempts
			m := e.start(t, cfg, &writeRunner{})
			j := e.submit(t, m, url)
			got := waitJob(t, e.db, j, "done delivering", deliveryOver)
			wantAttempts := tt.wantPosts
			if rcv == nil {
				wantAttempts = tt.attempts
			}
			if got.Status != store.JobSucceeded || got.DeliveryStatus != tt.wantStatus || got.DeliveryAttempts != wantAttempts ||
				got.LastDeliveryError != tt.wantError || got.NextDeliveryAt != nil {
				t.Errorf("job = %+v\nwant delivery %s after %d attempts, error containing %q", got, tt.wantStatus, wantAttempts, tt.wantError)
			}
			if rcv == nil {
				return
			}
			// Give a wrongly scheduled extra attempt time to show up.
			time.Sleep(50 * time.Millisecond)
			ds := rcv.received()
			if len(ds) != tt.wantPosts {
				t.Errorf("receiver got %d requests, want %d", len(ds), tt.wantPosts)
			}
			for _, d := range ds {
				if w := checkWebhook(t, d, j); w.JobID != j.ID || w.Status != store.JobSucceeded {
					t.Errorf("webhook = %+v", w)
				}
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{5, 32 * time.Second},
		{7, 128 * time.Second},
		{8, 256 * time.Second},
		{9, 5 * time.Minute},
		{1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := DefaultBackoff(tt.attempt); got != tt.want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

func TestRunnerFailures(t *testing.T) {
	block := runnerFunc(func(ctx context.Context, _ store.Job, _ io.Writer) error {
		<-ctx.Done()
		return ctx.Err()
	})
	tests := []struct {
		name        string
		runner      func(calls int) Runner // calls counts attempts, from 1
		maxAttempts int
		timeout     time.Duration
		wantStatus  string
		wantCalls   int
		wantError   string
	}{
		{"always fails", func(int) Runner { return failing(errFake) }, 3, 0, store.JobFailed, 3, InternalFailure},
		{"fails once allowed", func(int) Runner { return failing(errFake) }, 1, 0, store.JobFailed, 1, InternalFailure},
		{"fails twice, then succeeds", func(n int) Runner {
			if n <= 2 {
				return failing(errFake)
			}
			return &writeRunner{}
		}, 3, 0, store.JobSucceeded, 3, ""},
		{"fails after writing", func(int) Runner {
			return runnerFunc(func(_ context.Context, _ store.Job, w io.Writer) error {
				w.Write(bytes.Repeat([]byte{1}, 100_000))
				return errFake
			})
		}, 2, 0, store.JobFailed, 2, InternalFailure},
		{"panics", func(int) Runner {
			return runnerFunc(func(context.Context, store.Job, io.Writer) error { panic("engine exploded") })
		}, 2, 0, store.JobFailed, 2, "internal error"},
		{"times out", func(int) Runner { return block }, 2, 20 * time.Millisecond, store.JobFailed, 2, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rcv := newReceiver(t, always(http.StatusOK))
			var calls atomic.Int32
			r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
				n := int(calls.Add(1))
				if j.Attempts != n {
					t.Errorf("call %d sees attempt %d", n, j.Attempts)
				}
				return tt.runner(n).Run(ctx, j, w)
			})
			cfg := fastConfig(e.dir)
			cfg.MaxAttempts, cfg.JobTimeout = tt.maxAttempts, tt.timeout
			m := e.start(t, cfg, r)
			j := e.submit(t, m, rcv.URL)
			got := waitJob(t, e.db, j, "delivered", deliveryOver)
			if got.Status != tt.wantStatus || got.Attempts != tt.wantCalls || !strings.Contains(got.Error, tt.wantError) ||
				int(calls.Load()) != tt.wantCalls {
				t.Errorf("job = %+v after %d calls\nwant %s after %d, error containing %q", got, calls.Load(), tt.wantStatus, tt.wantCalls, tt.wantError)
			}
			ds := rcv.received()
			if len(ds) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(ds))
			}
			w := checkWebhook(t, ds[0], j)
			if w.Status != tt.wantStatus || w.Error != got.Error {
				t.Errorf("webhook = %+v, want status %s, error %q", w, tt.wantStatus, got.Error)
			}
			if failed := tt.wantStatus == store.JobFailed; failed != (w.AudioURL == "") || failed == hasAudio(t, e.db, j) {
				t.Errorf("status %s with audio_url %q and audio stored %v", w.Status, w.AudioURL, hasAudio(t, e.db, j))
			}
		})
	}
}

func failing(err error) Runner {
	return runnerFunc(func(context.Context, store.Job, io.Writer) error { return err })
}

// TestWorkersBounded runs more jobs than workers with a runner that waits
// until all workers are busy: the jobs only finish if that many run at once,
// and never more may.
func TestWorkersBounded(t *testing.T) {
	const workers, jobs = 3, 9
	e := newEnv(t)
	var (
		mu          sync.Mutex
		active, top int
		full        = make(chan struct{})
	)
	inner := &writeRunner{}
	r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		mu.Lock()
		active++
		top = max(top, active)
		if active == workers {
			select {
			case <-full:
			default:
				close(full)
			}
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			active--
			mu.Unlock()
		}()
		select {
		case <-full:
		case <-ctx.Done():
			return ctx.Err()
		}
		return inner.Run(ctx, j, w)
	})
	cfg := fastConfig(e.dir)
	cfg.Workers = workers
	m := e.start(t, cfg, r)
	var submitted []store.Job
	for range jobs {
		submitted = append(submitted, e.submit(t, m, ""))
	}
	for _, j := range submitted {
		if got := waitJob(t, e.db, j, "finished", finished); got.Status != store.JobSucceeded {
			t.Errorf("job %s: %s (%s)", j.ID, got.Status, got.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if top != workers {
		t.Errorf("at most %d jobs ran at once, want %d", top, workers)
	}
}

// TestCloseRequeues closes a Manager while a job runs and a webhook is in
// flight, then starts a new one on the reopened store: both happen then,
// and the shutdown costs neither an attempt.
func TestCloseRequeues(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	_, k, err := db.CreateKey(ctx, "k", "pro")
	if err != nil {
		t.Fatal(err)
	}

	// The receiver hangs on its first request until the client gives up
	// (or the test ends). It reads the body first: only then does the
	// server watch the connection and cancel the request when it closes.
	var posts atomic.Int32
	release := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if posts.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	}))
	t.Cleanup(rcv.Close)
	t.Cleanup(func() { close(release) })
	started := make(chan string, 2)
	blocking := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		if j.WebhookURL != "" {
			return (&writeRunner{}).Run(ctx, j, w)
		}
		started <- j.ID
		<-ctx.Done()
		return ctx.Err()
	})
	m, err := New(fastConfig(dir), db, blocking)
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	submit := func(webhook string) store.Job {
		j, err := m.Submit(ctx, store.Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav", WebhookURL: webhook})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	hooked := submit(rcv.URL)
	running := submit("")
	select {
	case id := <-started:
		if id != running.ID {
			t.Fatalf("started %s, want %s", id, running.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("job never started")
	}
	for deadline := time.Now().Add(10 * time.Second); posts.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("webhook never sent")
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := m.Submit(ctx, store.Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Close: error = %v, want ErrClosed", err)
	}
	m.Start() // does nothing once closed; goleak would catch workers
	if got, err := db.GetJob(ctx, k.AccountID, running.ID); err != nil || got.Status != store.JobQueued || got.Attempts != 0 {
		t.Errorf("running job after Close = %+v, %v; want queued, 0 attempts", got, err)
	}
	if got, err := db.GetJob(ctx, k.AccountID, hooked.ID); err != nil || got.DeliveryStatus != store.DeliveryPending || got.DeliveryAttempts != 0 {
		t.Errorf("webhook in flight at Close = %+v, %v; want pending, 0 attempts", got, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openStore(t, dir)
	e := &env{dir: dir, db: db, key: k}
	r := &writeRunner{}
	e.start(t, fastConfig(dir), r)
	got := waitJob(t, db, running, "finished", finished)
	if got.Status != store.JobSucceeded || got.Attempts != 1 {
		t.Errorf("job after restart = %+v, want succeeded at attempt 1", got)
	}
	got = waitJob(t, db, hooked, "delivered", deliveryOver)
	if got.DeliveryStatus != store.DeliveryDelivered || got.DeliveryAttempts != 1 || posts.Load() != 2 {
		t.Errorf("webhook after restart = %+v after %d posts; want delivered at attempt 1, 2 posts", got, posts.Load())
	}
}

// TestCrashRecovery sets up what a crash leaves behind (jobs marked running,
// a half-written audio file) and checks that New cleans it up.
func TestCrashRecovery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const maxAttempts = 2
	rcv := newReceiver(t, always(http.StatusOK))
	create := func(webhook string) store.Job {
		j, err := e.db.CreateJob(ctx, store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{}`), Format: "mp3", WebhookURL: webhook}, store.JobLimits{})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	claim := func() store.Job {
		j, ok, err := e.db.ClaimJob(ctx, "node-crashed", time.Hour)
		if err != nil || !ok {
			t.Fatalf("ClaimJob = %v, %v", ok, err)
		}
		return j
	}
	// exhausted crashed during its last allowed attempt; interrupted has
	// attempts left.
	exhausted := create(rcv.URL)
	for range maxAttempts - 1 {
		if err := e.db.RetryJob(ctx, claim(), errFake); err != nil {
			t.Fatal(err)
		}
	}
	claim()
	interrupted := create("")
	claim()

	cfg := fastConfig(e.dir)
	cfg.MaxAttempts = maxAttempts
	r := &writeRunner{}
	e.start(t, cfg, r)
	got := waitJob(t, e.db, interrupted, "finished", finished)
	if got.Status != store.JobSucceeded || got.Attempts != 2 {
		t.Errorf("interrupted job = %+v, want succeeded at attempt 2", got)
	}
	got = waitJob(t, e.db, exhausted, "delivered", deliveryOver)
	if got.Status != store.JobFailed || got.Error == "" || r.callCount(exhausted.ID) != 0 {
		t.Errorf("exhausted job = %+v (run %d times), want failed without running", got, r.callCount(exhausted.ID))
	}
	ds := rcv.received()
	if len(ds) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(ds))
	}
	if w := checkWebhook(t, ds[0], exhausted); w.Status != store.JobFailed || w.Error != got.Error || w.AudioURL != "" {
		t.Errorf("webhook = %+v, want failed with %q", w, got.Error)
	}
}

func TestSubmitRejects(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t)
	m := e.start(t, fastConfig(e.dir), &writeRunner{})
	good := store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{}`), Format: "wav"}
	with := func(f func(*store.Job)) store.Job {
		j := good
		f(&j)
		return j
	}
	tests := []struct {
		name string
		j    store.Job
		want error
	}{
		{"ftp webhook", with(func(j *store.Job) { j.WebhookURL = "ftp://example.com/x" }), ErrWebhookURL},
		{"relative webhook", with(func(j *store.Job) { j.WebhookURL = "/hook" }), ErrWebhookURL},
		{"webhook without host", with(func(j *store.Job) { j.WebhookURL = "https:///hook" }), ErrWebhookURL},
		{"webhook not a URL", with(func(j *store.Job) { j.WebhookURL = "http://[::1" }), ErrWebhookURL},
		{"javascript webhook", with(func(j *store.Job) { j.WebhookURL = "javascript:alert(1)" }), ErrWebhookURL},
		{"key of another store", with(func(j *store.Job) { j.KeyID, j.AccountID = other.key.ID, other.key.AccountID }), store.ErrNotFound},
		{"bad format", with(func(j *store.Job) { j.Format = "../../etc" }), store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Submit(context.Background(), tt.j); !errors.Is(err, tt.want) {
				t.Errorf("Submit error = %v, want %v", err, tt.want)
			}
		})
	}
	if j, err := m.Submit(context.Background(), with(func(j *store.Job) { j.WebhookURL = "HTTP://127.0.0.1:1/h?q=1" })); err != nil {
		t.Errorf("valid job: %v", err)
	} else {
		waitJob(t, e.db, j, "finished", finished)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"minimal", Config{DataDir: "d", Secret: []byte("s")}, ""},
		{"negative lease", Config{Secret: []byte("s"), Lease: -time.Second}, "Lease"},
		{"no secret", Config{DataDir: "d"}, "Secret"},
		{"no workers (accept only)", Config{DataDir: "d", Secret: []byte("s"), Workers: -1}, ""},
		{"negative attempts", Config{DataDir: "d", Secret: []byte("s"), MaxAttempts: -1}, "MaxAttempts"},
		{"negative delivery attempts", Config{DataDir: "d", Secret: []byte("s"), DeliveryAttempts: -2}, "DeliveryAttempts"},
		{"negative poll", Config{DataDir: "d", Secret: []byte("s"), PollInterval: -time.Second}, "PollInterval"},
		{"negative timeout", Config{DataDir: "d", Secret: []byte("s"), JobTimeout: -time.Second}, "JobTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate = %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
	e := newEnv(t)
	if _, err := New(Config{DataDir: e.dir, Lease: -time.Second, Secret: testSecret}, e.db, &writeRunner{}); err == nil {
		t.Error("New accepted a negative lease")
	}
	if _, err := New(Config{DataDir: e.dir}, e.db, &writeRunner{}); err == nil {
		t.Error("New accepted a config without a secret")
	}
	if _, err := New(Config{DataDir: e.dir, Secret: testSecret}, e.db, nil); err == nil {
		t.Error("New accepted a nil Runner")
	}
}
