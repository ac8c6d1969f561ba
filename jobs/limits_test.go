package jobs

import (
	"bytes"
	"context"
	"database/sql"
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

// eventually waits until cond holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// hangingReceiver is a webhook endpoint that never answers: each request
// waits until the client gives up.
type hangingReceiver struct {
	*httptest.Server
	inflight, peak, served, cancelled atomic.Int32
}

func newHangingReceiver(t *testing.T) *hangingReceiver {
	t.Helper()
	h := &hangingReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body makes the server watch the connection, so the
		// request's context ends when the client gives up.
		io.Copy(io.Discard, r.Body)
		n := h.inflight.Add(1)
		for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
		}
		h.served.Add(1)
		<-r.Context().Done()
		h.cancelled.Add(1)
		h.inflight.Add(-1)
	}))
	t.Cleanup(h.Close)
	return h
}

// TestOneAccountCannotHoldUpAnother has account A queue 50 jobs with a
// webhook receiver that hangs, and account B submit one job: B's job is the
// next one claimed, and its webhook goes out while A's still hang, because
// claims go to the account with the fewest running jobs and each account
// holds at most DeliveryPerAccount delivery slots.
func TestOneAccountCannotHoldUpAnother(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, keyB, err := e.db.CreateKey(ctx, "b", "pro")
	if err != nil {
		t.Fatal(err)
	}
	hanging := newHangingReceiver(t)
	good := newReceiver(t, always(http.StatusOK))

	// A's jobs each wait for a token; B's run at once.
	tokens := make(chan struct{}, 50)
	var (
		mu     sync.Mutex
		claims []string // account of each job run, in order
	)
	claimed := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), claims...)
	}
	r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		mu.Lock()
		claims = append(claims, map[string]string{e.key.AccountID: "A", keyB.AccountID: "B"}[j.AccountID])
		mu.Unlock()
		if j.AccountID == e.key.AccountID {
			select {
			case <-tokens:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return (&writeRunner{}).Run(ctx, j, w)
	})
	cfg := fastConfig(e.dir)
	cfg.Workers = 2
	cfg.DeliveryConcurrency = 4
	cfg.DeliveryPerAccount = 2
	cfg.WebhookTimeout = time.Hour // A's deliveries hang until the test ends
	m := e.start(t, cfg, r)
	for range 50 {
		e.submit(t, m, hanging.URL)
	}
	// Four of A's jobs finish, and their webhooks hang; A's next two jobs
	// then hold both workers.
	for range 4 {
		tokens <- struct{}{}
	}
	eventually(t, "A's webhooks hang and A's jobs hold both workers", func() bool {
		return hanging.inflight.Load() == 2 && len(claimed()) == 6
	})

	b, err := m.Submit(ctx, store.Job{AccountID: keyB.AccountID, KeyID: keyB.ID, Request: []byte(`{}`), Format: "wav", WebhookURL: good.URL})
	if err != nil {
		t.Fatal(err)
	}
	tokens <- struct{}{} // one of A's running jobs finishes, freeing a worker
	got := waitJob(t, e.db, b, "delivered", deliveryOver)
	if got.Status != store.JobSucceeded || got.DeliveryStatus != store.DeliveryDelivered {
		t.Errorf("B's job = %+v, want succeeded and delivered", got)
	}
	if c := claimed(); len(c) < 7 || c[6] != "B" {
		t.Errorf("jobs run in the order %v: B's should be the first after A's six", c)
	}
	if n := len(good.received()); n != 1 {
		t.Errorf("B's receiver got %d requests, want 1", n)
	}
	if hanging.cancelled.Load() != 0 || hanging.peak.Load() != 2 {
		t.Errorf("A's receiver: %d requests at most at once, %d ended before B's delivery; want 2 and none",
			hanging.peak.Load(), hanging.cancelled.Load())
	}
}

func TestQueueCap(t *testing.T) {
	e := newEnv(t)
	other := &env{dir: e.dir, db: e.db}
	_, k, err := e.db.CreateKey(context.Background(), "other", "pro")
	if err != nil {
		t.Fatal(err)
	}
	other.key = k
	cfg := fastConfig(e.dir)
	cfg.Workers = -1 // nothing runs, so the jobs stay queued
	cfg.MaxUnfinishedPerAccount = 2
	m := e.start(t, cfg, &writeRunner{})
	e.submit(t, m, "")
	e.submit(t, m, "")
	_, err = m.Submit(context.Background(), store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{}`), Format: "wav"})
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, store.ErrQueueFull) || le.Limit != 2 || le.RetryAfter <= 0 {
		t.Fatalf("third job: error = %#v, want a LimitError for the queue, with a Retry-After", err)
	}
	if !strings.Contains(le.Error(), "jobs queued or running for this account (at most 2)") {
		t.Errorf("message %q", le.Error())
	}
	other.submit(t, m, "") // another account is not held back
}

// TestAudioCap fills an account's audio cap: a job whose audio passes the
// room left fails without leaving a file, submissions are refused while the
// account is at the cap, and deleting audio makes room.
func TestAudioCap(t *testing.T) {
	size := int64(len(fakeAudio(store.Job{ID: "job_aaaaaaaaaaaaaaaaaaaa"})))
	ctx := context.Background()

	t.Run("while writing", func(t *testing.T) {
		e := newEnv(t)
		cfg := fastConfig(e.dir)
		cfg.Workers = 1
		cfg.AudioCapPerAccount = size + size/2
		r := &writeRunner{}
		m := e.start(t, cfg, r)
		first := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished)
		second := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished)
		if first.Status != store.JobSucceeded || first.AudioBytes != size {
			t.Errorf("first job = %+v, want succeeded with %d bytes", first, size)
		}
		if second.Status != store.JobFailed || !strings.Contains(second.Error, "cap of") || second.Attempts != 1 || r.callCount(second.ID) != 1 {
			t.Errorf("second job = %+v, run %d times; want failed at once for the cap", second, r.callCount(second.ID))
		}
		if hasAudio(t, e.db, second) {
			t.Error("the refused job has audio")
		}
		if _, err := m.Delete(ctx, e.key.AccountID, first.ID); err != nil {
			t.Fatal(err)
		}
		if third := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished); third.Status != store.JobSucceeded {
			t.Errorf("job after deleting the first = %+v, want succeeded", third)
		}
	})

	t.Run("at submission", func(t *testing.T) {
		e := newEnv(t)
		cfg := fastConfig(e.dir)
		cfg.AudioCapPerAccount = size
		m := e.start(t, cfg, &writeRunner{})
		done := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished)
		_, err := m.Submit(ctx, store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{}`), Format: "wav"})
		var le *LimitError
		if !errors.As(err, &le) || !errors.Is(err, store.ErrAudioCap) || le.Limit != size {
			t.Fatalf("job at the cap: error = %#v, want a LimitError for audio", err)
		}
		// Room comes back when the first job expires, a week after it
		// finished.
		if want := time.Until(done.FinishedAt.Add(DefaultRetention)); le.RetryAfter > want+time.Second || le.RetryAfter < want-time.Minute {
			t.Errorf("RetryAfter = %v, want about %v", le.RetryAfter, want)
		}
	})

	t.Run("at the finish", func(t *testing.T) {
		// Two jobs start with room for one and a half: both write, and the
		// one that finishes second no longer fits.
		e := newEnv(t)
		cfg := fastConfig(e.dir)
		cfg.Workers = 2
		cfg.AudioCapPerAccount = size + size/2
		var started sync.WaitGroup
		started.Add(2)
		r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
			started.Done()
			started.Wait()
			return (&writeRunner{}).Run(ctx, j, w)
		})
		m := e.start(t, cfg, r)
		a, b := e.submit(t, m, ""), e.submit(t, m, "")
		a, b = waitJob(t, e.db, a, "finished", finished), waitJob(t, e.db, b, "finished", finished)
		if a.Status == b.Status {
			t.Fatalf("jobs ended %s and %s, want one succeeded and one failed", a.Status, b.Status)
		}
		failed := a
		if a.Status == store.JobSucceeded {
			failed = b
		}
		if !strings.Contains(failed.Error, "cap of") {
			t.Errorf("failed job's error %q", failed.Error)
		}
		if hasAudio(t, e.db, failed) {
			t.Error("the refused job has audio")
		}
		if used, _, err := e.db.AccountAudio(ctx, e.key.AccountID); err != nil || used != size {
			t.Errorf("account audio = %d, %v; want %d", used, err, size)
		}
	})
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, other, err := e.db.CreateKey(ctx, "other", "pro")
	if err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, always(http.StatusOK))
	hanging := newHangingReceiver(t)
	started := make(chan string, 4)
	stopped := make(chan error, 4)
	inner := &writeRunner{}
	r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		if string(j.Request) != `{"block":true}` {
			return inner.Run(ctx, j, w)
		}
		started <- j.ID
		<-ctx.Done()
		stopped <- ctx.Err()
		return ctx.Err()
	})
	cfg := fastConfig(e.dir)
	cfg.Workers = 1
	cfg.WebhookTimeout = time.Hour
	m := e.start(t, cfg, r)
	submit := func(request, webhook string) store.Job {
		j, err := m.Submit(ctx, store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(request), Format: "wav", WebhookURL: webhook})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	gone := func(j store.Job) {
		t.Helper()
		if _, err := e.db.GetJob(ctx, j.AccountID, j.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted job %s: GetJob error = %v, want ErrNotFound", j.ID, err)
		}
		if hasAudio(t, e.db, j) {
			t.Errorf("deleted job %s: audio left", j.ID)
		}
		if _, err := m.Delete(ctx, j.AccountID, j.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting %s twice: error = %v, want ErrNotFound", j.ID, err)
		}
	}

	// A finished job: its audio goes with it, and only its owner may.
	done := waitJob(t, e.db, submit(`{}`, rcv.URL), "delivered", deliveryOver)
	if _, err := m.Delete(ctx, other.AccountID, done.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account deleting: error = %v, want ErrNotFound", err)
	}
	if !hasAudio(t, e.db, done) {
		t.Fatal("audio gone after another account's delete")
	}
	if _, err := m.Delete(ctx, e.key.AccountID, done.ID); err != nil {
		t.Fatal(err)
	}
	gone(done)

	// A finished job whose webhook hangs: the delivery is abandoned.
	hung := submit(`{}`, hanging.URL)
	eventually(t, "the webhook hangs", func() bool { return hanging.inflight.Load() == 1 })
	if _, err := m.Delete(ctx, e.key.AccountID, hung.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the hanging delivery is abandoned", func() bool { return hanging.cancelled.Load() == 1 })
	gone(hung)

	// A running job is cancelled, and the job queued behind it never runs.
	running := submit(`{"block":true}`, rcv.URL)
	if id := <-started; id != running.ID {
		t.Fatalf("started %s, want %s", id, running.ID)
	}
	queued := submit(`{}`, rcv.URL)
	if _, err := m.Delete(ctx, e.key.AccountID, queued.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Delete(ctx, e.key.AccountID, running.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Errorf("running job stopped with %v, want cancelled", err)
	}
	gone(running)
	gone(queued)
	// The worker goes on with the next job.
	if next := waitJob(t, e.db, submit(`{}`, ""), "finished", finished); next.Status != store.JobSucceeded {
		t.Errorf("job after the deletes = %+v", next)
	}
	if inner.callCount(queued.ID) != 0 {
		t.Error("the deleted queued job ran")
	}
	if n := len(rcv.received()); n != 1 {
		t.Errorf("receiver got %d webhooks, want 1 (the first job's)", n)
	}
}

// TestExpiry moves the Manager's clock past the retention: finished jobs go,
// rows and audio, except one whose webhook is still being retried; queued
// jobs stay.
func TestExpiry(t *testing.T) {
	e := newEnv(t)
	var offset atomic.Int64
	cfg := fastConfig(e.dir)
	cfg.Retention = time.Hour
	cfg.SweepInterval = 5 * time.Millisecond
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	cfg.Backoff = func(int) time.Duration { return 24 * time.Hour }
	cfg.DeliveryAttempts = 10
	var runs atomic.Int32
	r := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		if runs.Add(1) > 2 {
			<-ctx.Done() // the third job stays running
			return ctx.Err()
		}
		return (&writeRunner{}).Run(ctx, j, w)
	})
	cfg.Workers = 1
	m := e.start(t, cfg, r)
	old := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished)
	retried := waitJob(t, e.db, e.submit(t, m, refusingURL), "failed a delivery", func(j store.Job) bool { return j.DeliveryAttempts == 1 })
	running := e.submit(t, m, "")
	eventually(t, "the third job runs", func() bool { return runs.Load() == 3 })
	if m.Expired(old) {
		t.Error("a job finished just now counts as expired")
	}
	time.Sleep(20 * time.Millisecond) // a few sweeps
	getJob := func(j store.Job) error {
		_, err := e.db.GetJob(context.Background(), j.AccountID, j.ID)
		return err
	}
	if err := getJob(old); err != nil {
		t.Fatalf("a job within its retention was deleted: %v", err)
	}

	offset.Store(int64(2 * time.Hour))
	if !m.Expired(old) {
		t.Error("a job finished two hours ago, with a retention of one, is not expired")
	}
	eventually(t, "the finished job and its audio expire", func() bool {
		return errors.Is(getJob(old), store.ErrNotFound) && !hasAudio(t, e.db, old)
	})
	for _, j := range []store.Job{retried, running} {
		if err := getJob(j); err != nil {
			t.Errorf("job %s, not finished with its webhook, expired: %v", j.ID, err)
		}
	}
	if got, err := e.db.GetJob(context.Background(), retried.AccountID, retried.ID); err != nil || m.Expired(got) {
		t.Errorf("job whose webhook is pending: %+v, %v; want kept", got, err)
	}
}

// rawExec runs a statement on the SQLite store in dir, past the store's
// API, to make the data an older Parley left.
func rawExec(t *testing.T, dir, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyAudioAdopted starts on a data directory of an older Parley,
// which kept job audio in files under DATA/jobs: New moves the audio of
// jobs that exist into the store, removes the files of jobs that do not
// (a crash between deleting a job and its file left them) and half-written
// ones, and then the directory.
func TestLegacyAudioAdopted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.start(t, fastConfig(e.dir), &writeRunner{})
	kept := waitJob(t, e.db, e.submit(t, m, ""), "finished", finished)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Make kept what an older Parley left: audio in a file named by
	// audio_path, none in the store.
	dir := filepath.Join(e.dir, legacyDirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rel := legacyDirName + "/" + kept.ID + ".wav"
	legacy := append([]byte("RIFF"), fakeAudio(kept)...)
	if err := os.WriteFile(filepath.Join(e.dir, rel), legacy, 0o600); err != nil {
		t.Fatal(err)
	}
	rawExec(t, e.dir, `DELETE FROM job_audio WHERE job_id = ?`, kept.ID)
	rawExec(t, e.dir, `UPDATE jobs SET audio_path = ?, audio_bytes = 1 WHERE id = ?`, rel, kept.ID)
	orphan := filepath.Join(dir, "job_aaaaaaaaaaaaaaaaaaaa.mp3")
	half := filepath.Join(dir, "."+kept.ID+".123.tmp")
	for _, f := range []string{orphan, half} {
		if err := os.WriteFile(f, []byte("audio"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.start(t, fastConfig(e.dir), &writeRunner{})
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old audio directory is still there: %v", err)
	}
	got, err := e.db.GetJob(ctx, kept.AccountID, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	var audio bytes.Buffer
	if _, err := e.db.WriteJobAudio(ctx, kept.ID, &audio); err != nil || !bytes.Equal(audio.Bytes(), legacy) {
		t.Errorf("adopted audio: %d bytes, %v; want the file's %d", audio.Len(), err, len(legacy))
	}
	if got.AudioPath != "" || got.AudioBytes != int64(len(legacy)) {
		t.Errorf("adopted job: audio_path %q, %d bytes; want none, %d", got.AudioPath, got.AudioBytes, len(legacy))
	}
}
