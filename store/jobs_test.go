package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var jobIDFormat = regexp.MustCompile(`^job_[a-z2-7]{20}$`)

func newJob(t testing.TB, db *DB, k Key, webhook string) Job {
	t.Helper()
	j, err := db.CreateJob(context.Background(), Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{"text":"hi"}`), Format: "wav", WebhookURL: webhook}, JobLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func getJob(t testing.TB, db *DB, j Job) Job {
	t.Helper()
	got, err := db.GetJob(context.Background(), j.AccountID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testOwner is the node that claims jobs in these tests.
const testOwner = "node-test"

func claim(t testing.TB, db *DB) Job {
	t.Helper()
	j, ok, err := db.ClaimJob(context.Background(), testOwner, time.Minute)
	if err != nil || !ok {
		t.Fatalf("ClaimJob = %v, %v", ok, err)
	}
	return j
}

// audio is n bytes of stand-in audio.
func audio(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// leased returns j with its webhook leased to testOwner, as ClaimDeliveries
// would leave it, for tests that record deliveries without listing them.
func leased(t testing.TB, db *DB, j Job) Job {
	t.Helper()
	if _, err := db.w.ExecContext(context.Background(), `UPDATE jobs SET delivery_lease_owner = ?, delivery_lease_until = ? WHERE id = ?`,
		testOwner, db.now().Add(time.Minute).UnixMilli(), j.ID); err != nil {
		t.Fatal(err)
	}
	return getJob(t, db, j)
}

func TestCreateAndGetJob(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")
		in := Job{AccountID: alice.AccountID, KeyID: alice.ID, Request: []byte(`{"text":"héllo","voice":"voice_x"}`), Format: "mp3", WebhookURL: "https://example.com/hook",
			// Set by the store, whatever the caller says:
			ID: "job_mine", Status: JobSucceeded, Attempts: 7, AudioPath: "/etc/passwd", DeliveryStatus: DeliveryDelivered}
		j, err := db.CreateJob(ctx, in, JobLimits{})
		if err != nil {
			t.Fatal(err)
		}
		want := Job{ID: j.ID, AccountID: alice.AccountID, KeyID: alice.ID, Status: JobQueued, Request: in.Request, Format: "mp3",
			WebhookURL: in.WebhookURL, CreatedAt: clock.now(), UpdatedAt: clock.now(), DeliveryStatus: DeliveryNone}
		if !jobIDFormat.MatchString(j.ID) {
			t.Errorf("job id %q does not match %v", j.ID, jobIDFormat)
		}
		if !jobsEqual(j, want) {
			t.Errorf("created %+v, want %+v", j, want)
		}
		if got := getJob(t, db, j); !jobsEqual(got, want) {
			t.Errorf("GetJob = %+v, want %+v", got, want)
		}
		for _, account := range []string{bob.AccountID, "acct_none", ""} {
			if _, err := db.GetJob(ctx, account, j.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetJob from account %q: error = %v, want ErrNotFound", account, err)
			}
		}
	})
}

func jobsEqual(a, b Job) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.KeyID == b.KeyID && a.Status == b.Status &&
		string(a.Request) == string(b.Request) && a.Format == b.Format && a.WebhookURL == b.WebhookURL &&
		a.AudioPath == b.AudioPath && a.AudioBytes == b.AudioBytes && a.Error == b.Error && a.Attempts == b.Attempts &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && timesEqual(a.FinishedAt, b.FinishedAt) &&
		a.DeliveryStatus == b.DeliveryStatus && a.DeliveryAttempts == b.DeliveryAttempts &&
		timesEqual(a.NextDeliveryAt, b.NextDeliveryAt) && a.LastDeliveryError == b.LastDeliveryError
}

func TestCreateJobRejects(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")
		good := Job{AccountID: alice.AccountID, KeyID: alice.ID, Request: []byte(`{}`), Format: "wav"}
		with := func(f func(*Job)) Job {
			j := good
			f(&j)
			return j
		}
		tests := []struct {
			name string
			j    Job
			want error
		}{
			{"key of another account", with(func(j *Job) { j.KeyID = bob.ID }), ErrNotFound},
			{"unknown key", with(func(j *Job) { j.KeyID = "aaaaaaaaaa" }), ErrNotFound},
			{"unknown account", with(func(j *Job) { j.AccountID = "acct_none" }), ErrNotFound},
			{"request not JSON", with(func(j *Job) { j.Request = []byte(`text=hi`) }), ErrInvalid},
			{"empty request", with(func(j *Job) { j.Request = nil }), ErrInvalid},
			{"empty format", with(func(j *Job) { j.Format = "" }), ErrInvalid},
			{"format with a slash", with(func(j *Job) { j.Format = "../x" }), ErrInvalid},
			{"format with a dot", with(func(j *Job) { j.Format = "tar.gz" }), ErrInvalid},
			{"upper-case format", with(func(j *Job) { j.Format = "WAV" }), ErrInvalid},
			{"format too long", with(func(j *Job) { j.Format = strings.Repeat("a", maxFormatLen+1) }), ErrInvalid},
			{"webhook URL too long", with(func(j *Job) { j.WebhookURL = "https://x/" + strings.Repeat("a", maxURLLen) }), ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := db.CreateJob(ctx, tt.j, JobLimits{}); !errors.Is(err, tt.want) {
					t.Errorf("CreateJob error = %v, want %v", err, tt.want)
				}
			})
		}
		if _, ok, err := db.ClaimJob(ctx, testOwner, time.Minute); ok || err != nil {
			t.Errorf("rejected creations queued a job (%v)", err)
		}
	})
}

func TestClaimOrder(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		var want []string
		for range 5 {
			clock.advance(time.Millisecond)
			want = append(want, newJob(t, db, k, "").ID)
		}
		// A retried job keeps its place: it is older than the rest.
		first := claim(t, db)
		if first.ID != want[0] || first.Status != JobRunning || first.Attempts != 1 || !first.UpdatedAt.Equal(clock.now()) {
			t.Fatalf("first claim = %+v, want %s running, attempt 1", first, want[0])
		}
		clock.advance(time.Second)
		if err := db.RetryJob(ctx, getJob(t, db, first), errors.New("engine busy")); err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			j, ok, err := db.ClaimJob(ctx, testOwner, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, j.ID)
			if j.ID == first.ID && (j.Attempts != 2 || j.Error != "engine busy") {
				t.Errorf("retried job claimed again as %+v, want attempt 2 with its error", j)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("claimed %v, want %v", got, want)
		}
	})
}

// TestConcurrentClaims claims through two stores on one database at once
// (two processes on one SQLite file, two nodes on one PostgreSQL), eight
// claimers in all: every job must be claimed exactly once.
func TestConcurrentClaims(t *testing.T) {
	forBackends(t, func(t *testing.T, b testBackend) {
		ctx := context.Background()
		dbs := []*DB{b.open(t), b.open(t)}
		k := newAccount(t, dbs[0], "k")
		const jobs = 40
		want := map[string]bool{}
		for range jobs {
			want[newJob(t, dbs[0], k, "").ID] = true
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			seen = map[string]int{}
		)
		for i := range 8 {
			wg.Go(func() {
				for {
					j, ok, err := dbs[i%2].ClaimJob(ctx, fmt.Sprint("node-", i), time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						// SKIP LOCKED may pass over a job another claimer
						// holds for a moment: the queue is empty only when
						// no job is queued.
						var queued int
						if err := dbs[0].r.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE status = 'queued'`).Scan(&queued); err != nil || queued == 0 {
							return
						}
						continue
					}
					mu.Lock()
					seen[j.ID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != jobs {
			t.Errorf("%d distinct jobs claimed, want %d", len(seen), jobs)
		}
		for id, n := range seen {
			if n != 1 || !want[id] {
				t.Errorf("job %s claimed %d times (known: %v)", id, n, want[id])
			}
		}
	})
}

// finishJob ends a running job as SucceedJob (no cap) or FailJob would.
func finishJob(ctx context.Context, db *DB, j Job, audio []byte, jobErr error) error {
	if jobErr != nil {
		return db.FailJob(ctx, j, jobErr)
	}
	return db.SucceedJob(ctx, j, audio, 0)
}

func TestFinishJob(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		tests := []struct {
			name         string
			webhook      string
			audio        []byte
			err          error
			wantStatus   string
			wantError    string
			wantDelivery string
		}{
			{"success", "", audio(1000), nil, JobSucceeded, "", DeliveryNone},
			{"success with webhook", "https://example.com/h", audio(1000), nil, JobSucceeded, "", DeliveryPending},
			{"empty audio", "", nil, nil, JobSucceeded, "", DeliveryNone},
			{"audio of several chunks", "", audio(2*audioChunk + 3), nil, JobSucceeded, "", DeliveryNone},
			{"failure", "", nil, errors.New("engine crashed"), JobFailed, "engine crashed", DeliveryNone},
			{"failure with webhook", "http://127.0.0.1/h", nil, errors.New("voice deleted"), JobFailed, "voice deleted", DeliveryPending},
			{"long error clipped", "", nil, errors.New(strings.Repeat("é", maxErrorLen)), JobFailed, strings.Repeat("é", maxErrorLen/2), DeliveryNone},
			{"invalid UTF-8 error", "", nil, errors.New("bad \xff byte"), JobFailed, "bad \uFFFD byte", DeliveryNone},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				j := newJob(t, db, k, tt.webhook)
				c := claim(t, db)
				clock.advance(time.Minute)
				if err := finishJob(ctx, db, c, tt.audio, tt.err); err != nil {
					t.Fatal(err)
				}
				got := getJob(t, db, j)
				now := clock.now()
				want := j
				want.Status, want.Error, want.Attempts = tt.wantStatus, tt.wantError, 1
				if tt.err == nil {
					want.AudioBytes = int64(len(tt.audio))
				}
				want.UpdatedAt, want.FinishedAt, want.DeliveryStatus = now, &now, tt.wantDelivery
				// Nothing needs the request once the job has finished.
				want.Request = []byte(`{}`)
				if tt.wantDelivery == DeliveryPending {
					want.NextDeliveryAt = &now
				}
				if !jobsEqual(got, want) {
					t.Errorf("finished job = %+v\nwant %+v", got, want)
				}
				if got.LeaseOwner != "" || got.LeaseUntil != nil {
					t.Errorf("finished job keeps its lease: %q until %v", got.LeaseOwner, got.LeaseUntil)
				}
				var stored bytes.Buffer
				n, err := db.WriteJobAudio(ctx, j.ID, &stored)
				switch {
				case tt.err != nil:
					if !errors.Is(err, ErrNotFound) || n != 0 {
						t.Errorf("audio of a failed job: %d bytes, %v; want ErrNotFound", n, err)
					}
				case err != nil || n != int64(len(tt.audio)) || !bytes.Equal(stored.Bytes(), tt.audio):
					t.Errorf("stored audio: %d bytes, %v; want the %d bytes given", n, err, len(tt.audio))
				}
				if err := finishJob(ctx, db, c, tt.audio, tt.err); !errors.Is(err, ErrNotFound) {
					t.Errorf("finishing twice: error = %v, want ErrNotFound", err)
				}
			})
		}
	})
}

// TestJobTransitionsNeedTheClaim: a job's outcome is recorded only by the
// claim that runs it: not for a job that is not running, nor by a stale
// claim (another owner, or an earlier attempt after the job was taken back
// and claimed again).
func TestJobTransitionsNeedTheClaim(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		newJob(t, db, k, "")
		done := claim(t, db)
		if err := db.FailJob(ctx, done, errors.New("x")); err != nil {
			t.Fatal(err)
		}
		queued := newJob(t, db, k, "")
		transitions := []struct {
			name string
			do   func(j Job) error
		}{
			{"succeed", func(j Job) error { return db.SucceedJob(ctx, j, audio(10), 0) }},
			{"succeed under a cap", func(j Job) error { return db.SucceedJob(ctx, j, audio(10), 1000) }},
			{"fail", func(j Job) error { return db.FailJob(ctx, j, errors.New("x")) }},
			{"retry", func(j Job) error { return db.RetryJob(ctx, j, errors.New("x")) }},
			{"release", func(j Job) error { return db.ReleaseJob(ctx, j) }},
		}
		running := claim(t, db)
		if running.ID != queued.ID || running.LeaseOwner != testOwner || running.LeaseUntil == nil {
			t.Fatalf("claimed %+v, want %s leased to %s", running, queued.ID, testOwner)
		}
		otherOwner, earlier := running, running
		otherOwner.LeaseOwner = "node-other"
		earlier.Attempts--
		for _, tr := range transitions {
			for name, j := range map[string]Job{"finished": done, "queued": queued, "unknown": {ID: "job_aaaaaaaaaaaaaaaaaaaa"},
				"claimed by another": otherOwner, "an earlier attempt": earlier} {
				if err := tr.do(j); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s of a job %s: error = %v, want ErrNotFound", tr.name, name, err)
				}
			}
		}
		if got := getJob(t, db, running); got.Status != JobRunning || got.Attempts != 1 || got.LeaseOwner != testOwner {
			t.Errorf("refused transitions changed the job to %+v", got)
		}
	})
}

func TestReleaseJobRefundsAttempt(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		j := newJob(t, db, k, "")
		for attempt := 1; attempt <= 3; attempt++ {
			if c := claim(t, db); c.Attempts != 1 {
				t.Fatalf("claim %d: attempt %d, want 1 (released attempts do not count)", attempt, c.Attempts)
			}
			if err := db.ReleaseJob(ctx, getJob(t, db, j)); err != nil {
				t.Fatal(err)
			}
		}
		if got := getJob(t, db, j); got.Status != JobQueued || got.Attempts != 0 {
			t.Errorf("released job = %s, %d attempts; want queued, 0", got.Status, got.Attempts)
		}
	})
}

func TestRequeueRunning(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		const maxAttempts = 3
		finished := newJob(t, db, k, "")
		claim(t, db)
		if err := db.SucceedJob(ctx, getJob(t, db, finished), audio(10), 0); err != nil {
			t.Fatal(err)
		}
		// running[i] has started i+1 attempts. Each is the only queued job when
		// it is claimed.
		var running []Job
		for i := range maxAttempts + 1 {
			hook := ""
			if i%2 == 1 {
				hook = "https://example.com/h"
			}
			j := newJob(t, db, k, hook)
			for range i {
				claim(t, db)
				if err := db.RetryJob(ctx, getJob(t, db, j), errors.New("flaky")); err != nil {
					t.Fatal(err)
				}
			}
			claim(t, db)
			running = append(running, j)
		}
		queued := newJob(t, db, k, "")
		if _, err := db.RequeueRunning(ctx, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("RequeueRunning(0): error = %v, want ErrInvalid", err)
		}
		clock.advance(time.Hour)
		n, err := db.RequeueRunning(ctx, maxAttempts)
		if err != nil || n != maxAttempts-1 {
			t.Fatalf("RequeueRunning = %d, %v; want %d", n, err, maxAttempts-1)
		}
		now := clock.now()
		for i, j := range running {
			got := getJob(t, db, j)
			attempts := i + 1
			switch {
			case attempts < maxAttempts:
				if got.Status != JobQueued || got.Attempts != attempts || got.FinishedAt != nil || string(got.Request) != string(j.Request) {
					t.Errorf("job with %d attempts: %+v, want queued with its request", attempts, got)
				}
			default:
				wantDelivery := DeliveryNone
				if j.WebhookURL != "" {
					wantDelivery = DeliveryPending
				}
				if got.Status != JobFailed || got.Error != errInterrupted.Error() || !timesEqual(got.FinishedAt, &now) || got.DeliveryStatus != wantDelivery ||
					string(got.Request) != purgedRequest {
					t.Errorf("job with %d attempts: %+v, want failed (interrupted), delivery %s, request purged", attempts, got, wantDelivery)
				}
			}
		}
		if got := getJob(t, db, queued); got.Status != JobQueued || got.Attempts != 0 {
			t.Errorf("queued job became %+v", got)
		}
		if got := getJob(t, db, finished); got.Status != JobSucceeded {
			t.Errorf("finished job became %+v", got)
		}
		if n, err := db.RequeueRunning(ctx, maxAttempts); err != nil || n != 0 {
			t.Errorf("second RequeueRunning = %d, %v; want 0", n, err)
		}
	})
}

func TestDeliveries(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		finish := func(hook string) Job {
			j := newJob(t, db, k, hook)
			claim(t, db)
			if err := db.SucceedJob(ctx, getJob(t, db, j), audio(10), 0); err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Second)
			return j
		}
		a, b, c := finish("https://a/"), finish("https://b/"), finish("https://c/")
		finish("") // no webhook: never due
		start := clock.now()

		// due lists the deliveries due at now, as ClaimDeliveries leases
		// them, then gives the leases back.
		due := func(now time.Time, limit int) []string {
			t.Helper()
			saved := clock.now()
			clock.t = now
			defer func() { clock.t = saved }()
			js, err := db.ClaimDeliveries(ctx, testOwner, time.Minute, limit, limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, len(js))
			for i, j := range js {
				ids[i] = j.ID
				if j.DeliveryStatus != DeliveryPending || j.DeliveryLeaseOwner != testOwner || !timesEqual(j.DeliveryLeaseUntil, ptr(now.Add(time.Minute))) {
					t.Errorf("due job %s has delivery %s leased to %q until %v", j.ID, j.DeliveryStatus, j.DeliveryLeaseOwner, j.DeliveryLeaseUntil)
				}
			}
			if _, err := db.w.ExecContext(ctx, `UPDATE jobs SET delivery_lease_owner = '', delivery_lease_until = NULL`); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		check := func(what string, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: due %v, want %v", what, got, want)
			}
		}
		check("all due, oldest first", due(start, 10), a.ID, b.ID, c.ID)
		check("limit", due(start, 2), a.ID, b.ID)
		check("before any finished", due(start.Add(-time.Hour), 10))

		// a fails and is due again in a minute; b is delivered; c fails for good.
		if err := db.RecordDelivery(ctx, leased(t, db, a), false, "HTTP 500", start.Add(time.Minute), false); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordDelivery(ctx, leased(t, db, b), true, "", time.Time{}, false); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordDelivery(ctx, leased(t, db, c), false, "connection refused", time.Time{}, true); err != nil {
			t.Fatal(err)
		}
		check("a backing off", due(start, 10))
		check("a due again", due(start.Add(time.Minute), 10), a.ID)

		if err := db.RecordDelivery(ctx, leased(t, db, a), true, "", time.Time{}, false); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			j        Job
			status   string
			attempts int
			lastErr  string
		}{
			{a, DeliveryDelivered, 2, "HTTP 500"}, // the earlier failure stays on record
			{b, DeliveryDelivered, 1, ""},
			{c, DeliveryFailed, 1, "connection refused"},
		}
		for _, tt := range tests {
			got := getJob(t, db, tt.j)
			if got.DeliveryStatus != tt.status || got.DeliveryAttempts != tt.attempts || got.LastDeliveryError != tt.lastErr || got.NextDeliveryAt != nil {
				t.Errorf("job %s: delivery %s, %d attempts, error %q, next %v; want %s, %d, %q, nil",
					tt.j.WebhookURL, got.DeliveryStatus, got.DeliveryAttempts, got.LastDeliveryError, got.NextDeliveryAt, tt.status, tt.attempts, tt.lastErr)
			}
			if err := db.RecordDelivery(ctx, leased(t, db, tt.j), true, "", time.Time{}, false); !errors.Is(err, ErrNotFound) {
				t.Errorf("recording a finished delivery: error = %v, want ErrNotFound", err)
			}
		}
		check("none left", due(start.Add(time.Hour), 10))
	})
}

// TestClaimFairness queues a backlog for one account and single jobs for
// others after it: each claim goes to the account with the fewest running
// jobs, the oldest job first among equals, so the later accounts do not
// wait for the backlog.
func TestClaimFairness(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		a, b, c := newAccount(t, db, "a"), newAccount(t, db, "b"), newAccount(t, db, "c")
		queue := func(k Key) Job {
			clock.advance(time.Millisecond)
			return newJob(t, db, k, "")
		}
		var as []Job
		for range 5 {
			as = append(as, queue(a))
		}
		b1 := queue(b)
		c1 := queue(c)
		b2 := queue(b)
		names := map[string]string{as[0].ID: "a1", as[1].ID: "a2", as[2].ID: "a3", as[3].ID: "a4", as[4].ID: "a5", b1.ID: "b1", b2.ID: "b2", c1.ID: "c1"}
		var got []string
		for range 4 {
			got = append(got, names[claim(t, db).ID])
		}
		// Now a runs two jobs, b and c one each. b's finishing makes b the
		// account with the fewest, so its job goes before a's older ones.
		if err := db.SucceedJob(ctx, getJob(t, db, b1), audio(1), 0); err != nil {
			t.Fatal(err)
		}
		for {
			j, ok, err := db.ClaimJob(ctx, testOwner, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, names[j.ID])
		}
		want := "a1,b1,c1,a2,b2,a3,a4,a5"
		if strings.Join(got, ",") != want {
			t.Errorf("claimed %s, want %s", strings.Join(got, ","), want)
		}
	})
}

func TestJobLimits(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		a, b := newAccount(t, db, "a"), newAccount(t, db, "b")
		create := func(k Key, lim JobLimits) (Job, error) {
			return db.CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav"}, lim)
		}
		queueCap := JobLimits{MaxUnfinished: 2}
		for range 2 {
			if _, err := create(a, queueCap); err != nil {
				t.Fatal(err)
			}
		}
		first := claim(t, db) // running jobs count as well as queued ones
		if _, err := create(a, queueCap); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("third unfinished job: error = %v, want ErrQueueFull", err)
		}
		if _, err := create(b, queueCap); err != nil {
			t.Errorf("another account's job refused: %v", err)
		}
		if err := db.SucceedJob(ctx, getJob(t, db, first), audio(400), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := create(a, queueCap); err != nil {
			t.Errorf("job after one finished: %v", err)
		}

		// The audio cap: succeeded jobs' bytes count, per account, and a job
		// that would pass the cap is refused at its end, left running.
		const audioCap = 1000
		finishedAt := clock.now()
		if n, oldest, err := db.AccountAudio(ctx, a.AccountID); err != nil || n != 400 || !timesEqual(oldest, &finishedAt) {
			t.Errorf("AccountAudio = %d, %v, %v; want 400 bytes, oldest at %v", n, oldest, err, finishedAt)
		}
		clock.advance(time.Minute)
		second := claim(t, db)
		if second.AccountID != a.AccountID {
			second = claim(t, db)
		}
		if err := db.SucceedJob(ctx, getJob(t, db, second), audio(600), audioCap); err != nil {
			t.Fatalf("job reaching the cap exactly: %v", err)
		}
		third := claim(t, db)
		if third.AccountID != a.AccountID {
			third = claim(t, db)
		}
		if err := db.SucceedJob(ctx, getJob(t, db, third), audio(1), audioCap); !errors.Is(err, ErrAudioCap) {
			t.Fatalf("job past the cap: error = %v, want ErrAudioCap", err)
		}
		if got := getJob(t, db, third); got.Status != JobRunning || got.AudioBytes != 0 {
			t.Errorf("job refused at the cap = %+v, want still running", got)
		}
		if err := db.SucceedJob(ctx, getJob(t, db, third), audio(1), 0); err != nil {
			t.Errorf("the same job without a cap: %v", err)
		}
		if n, oldest, err := db.AccountAudio(ctx, a.AccountID); err != nil || n != 1001 || !timesEqual(oldest, &finishedAt) {
			t.Errorf("AccountAudio = %d, %v, %v; want 1001 bytes, oldest at %v", n, oldest, err, finishedAt)
		}
		if _, err := create(a, JobLimits{MaxAudioBytes: audioCap}); !errors.Is(err, ErrAudioCap) {
			t.Errorf("job of an account at its audio cap: error = %v, want ErrAudioCap", err)
		}
		if _, err := create(b, JobLimits{MaxAudioBytes: audioCap}); err != nil {
			t.Errorf("another account refused for a's audio: %v", err)
		}
		if n, oldest, err := db.AccountAudio(ctx, b.AccountID); err != nil || n != 0 || oldest != nil {
			t.Errorf("AccountAudio of an account without audio = %d, %v, %v", n, oldest, err)
		}
		if _, err := db.DeleteJob(ctx, a.AccountID, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := create(a, JobLimits{MaxAudioBytes: audioCap}); err != nil {
			t.Errorf("job after deleting audio: %v", err)
		}
	})
}

func TestDeleteJob(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		a, b := newAccount(t, db, "a"), newAccount(t, db, "b")
		queued := newJob(t, db, a, "https://example.com/h")
		running := newJob(t, db, a, "")
		claim(t, db)
		claim(t, db)
		if _, err := db.DeleteJob(ctx, b.AccountID, queued.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting another account's job: error = %v, want ErrNotFound", err)
		}
		queued = newJob(t, db, a, "https://example.com/h")
		runningClaim := getJob(t, db, running)
		for _, j := range []Job{queued, running} {
			got, err := db.DeleteJob(ctx, a.AccountID, j.ID)
			if err != nil || got.ID != j.ID || got.Format != j.Format {
				t.Errorf("DeleteJob = %+v, %v", got, err)
			}
			if _, err := db.GetJob(ctx, a.AccountID, j.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleted job still there: %v", err)
			}
			if ok, err := db.JobExists(ctx, j.ID); ok || err != nil {
				t.Errorf("JobExists(deleted) = %v, %v", ok, err)
			}
			if _, err := db.DeleteJob(ctx, a.AccountID, j.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleting twice: error = %v, want ErrNotFound", err)
			}
		}
		// The worker that ran the deleted job learns it when it finishes.
		if err := db.SucceedJob(ctx, runningClaim, audio(10), 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("finishing a deleted job: error = %v, want ErrNotFound", err)
		}
		if _, ok, err := db.ClaimJob(ctx, testOwner, time.Minute); ok || err != nil {
			t.Errorf("a deleted job was claimed (%v)", err)
		}
	})
}

func TestExpireJobs(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		finish := func(hook string, delivered bool) Job {
			j := newJob(t, db, k, hook)
			claim(t, db)
			if err := db.SucceedJob(ctx, getJob(t, db, j), audio(10), 0); err != nil {
				t.Fatal(err)
			}
			if hook != "" && delivered {
				if err := db.RecordDelivery(ctx, leased(t, db, j), true, "", time.Time{}, false); err != nil {
					t.Fatal(err)
				}
			}
			clock.advance(time.Minute)
			return j
		}
		old1, old2 := finish("", false), finish("https://example.com/h", true)
		pending := finish("https://example.com/h", false) // its webhook is not through
		cutoff := clock.now()
		recent := finish("", false)
		queued := newJob(t, db, k, "")
		var expired []string
		for {
			js, err := db.ExpireJobs(ctx, cutoff, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(js) > 1 {
				t.Fatalf("ExpireJobs returned %d jobs past its limit of 1", len(js))
			}
			if len(js) == 0 {
				break
			}
			expired = append(expired, js[0].ID)
		}
		if want := old1.ID + "," + old2.ID; strings.Join(expired, ",") != want {
			t.Errorf("expired %v, want %s", expired, want)
		}
		for _, j := range []Job{pending, recent, queued} {
			getJob(t, db, j)
		}
		for _, j := range []Job{old1, old2} {
			if _, err := db.GetJob(ctx, k.AccountID, j.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired job still there: %v", err)
			}
		}
		if err := db.RecordDelivery(ctx, leased(t, db, pending), false, "receiver answered 500", time.Time{}, true); err != nil {
			t.Fatal(err)
		}
		js, err := db.ExpireJobs(ctx, cutoff, 10)
		if err != nil || len(js) != 1 || js[0].ID != pending.ID {
			t.Errorf("ExpireJobs once the delivery failed = %v, %v; want the job", js, err)
		}
	})
}

// TestDeliveriesPerAccount checks that one account's many due webhooks do
// not crowd out another's from the list of due deliveries.
func TestDeliveriesPerAccount(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		a, b := newAccount(t, db, "a"), newAccount(t, db, "b")
		finish := func(k Key) Job {
			j := newJob(t, db, k, "https://example.com/h")
			claim(t, db)
			if err := db.SucceedJob(ctx, getJob(t, db, j), audio(10), 0); err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Second)
			return j
		}
		a1, a2, a3 := finish(a), finish(a), finish(a)
		b1 := finish(b)
		tests := []struct {
			perAccount, limit int
			want              []Job
		}{
			{1, 10, []Job{a1, b1}},
			{2, 10, []Job{a1, b1, a2}},
			{2, 2, []Job{a1, b1}},
			{3, 10, []Job{a1, b1, a2, a3}},
		}
		for _, tt := range tests {
			js, err := db.ClaimDeliveries(ctx, testOwner, time.Minute, tt.perAccount, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.w.ExecContext(ctx, `UPDATE jobs SET delivery_lease_owner = '', delivery_lease_until = NULL`); err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, j := range js {
				got = append(got, j.ID)
			}
			for _, j := range tt.want {
				want = append(want, j.ID)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("ClaimDeliveries(%d per account, limit %d) = %v, want %v", tt.perAccount, tt.limit, got, want)
			}
		}
	})
}

// TestQueryPlans checks that the queries the runner repeats use an index,
// and neither sort nor scan whole tables, however many jobs pile up. Two may
// sort a short list: the claim, the heads of the accounts with queued jobs;
// due deliveries, the webhooks waiting to go out. (SQLite's plans; the
// indexes are the same on PostgreSQL, whose planner picks by statistics.)
func TestQueryPlans(t *testing.T) {
	{
		db := openTest(t, t.TempDir())
		ctx := context.Background()
		tests := []struct {
			name, query string
			args        []any
			indexes     []string
			sorts       bool
		}{
			{"claim", claimJobQuery, []any{0, "n", 0}, []string{"jobs_queued_account", "jobs_running_account"}, true},
			{"fail interrupted", failInterruptedQuery, []any{"", 0, 0, 0, 0, 1}, []string{"jobs_running"}, false},
			{"requeue interrupted", requeueInterruptedQuery, []any{0, 0}, []string{"jobs_running_lease"}, false},
			{"claim deliveries", claimDeliveriesQuery, []any{"n", 0, 0, 0, 0, 2, 10}, []string{"jobs_pending_delivery_account"}, true},
			{"unfinished jobs", unfinishedJobsQuery, []any{"acct_x", "acct_x"}, []string{"jobs_queued_account", "jobs_running_account"}, false},
			{"account audio", accountAudioQuery, []any{"acct_x"}, []string{"jobs_account_audio"}, false},
			{"expire", expireJobsQuery, []any{0, 100}, []string{"jobs_finished"}, false},
			{"list voices", listVoicesQuery, []any{"acct_x"}, []string{"voices_account_created"}, false},
			{"list pronunciations", listPronunciationsQuery, []any{"acct_x"}, []string{"pronunciation_dictionaries_account_created"}, false},
			{"list phone numbers", listTwilioNumbersQuery, []any{"acct_x"}, []string{"twilio_numbers_account_created"}, false},
			{"list calls", listCallsQuery, []any{"acct_x", 50}, []string{"calls_account_started"}, false},
			{"list calls after", listCallsAfterQuery, []any{"acct_x", 0, 0, "c", 50}, []string{"calls_account_started"}, false},
		}
		// A full scan shows as SCAN and the table or its alias with no index;
		// the CTEs and subqueries are scanned by design.
		fullScan := regexp.MustCompile(`^SCAN (jobs|voices|pronunciation_dictionaries|twilio_numbers|calls|q|j|r)$`)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := db.w.QueryContext(ctx, `EXPLAIN QUERY PLAN `+tt.query, tt.args...)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var plan []string
				for rows.Next() {
					var id, parent, unused int
					var detail string
					if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, detail)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				text := strings.Join(plan, "; ")
				for _, step := range plan {
					if fullScan.MatchString(step) {
						t.Errorf("plan %q scans a whole table", text)
					}
				}
				for _, index := range tt.indexes {
					if !strings.Contains(text, index) {
						t.Errorf("plan %q does not use %s", text, index)
					}
				}
				if !tt.sorts && strings.Contains(text, "TEMP B-TREE") {
					t.Errorf("plan %q sorts", text)
				}
			})
		}
	}
}

// TestJobCharges: a job is charged when it is created, in the same
// transaction, and refunded when it fails, is failed by a crash recovery,
// or is deleted before it succeeds; never when it succeeded.
func TestJobCharges(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		k := newAccount(t, db, "alice")
		const month = "2026-12"
		create := func(chars int64) Job {
			t.Helper()
			j, err := db.CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
				Charged: chars, ChargeMonth: month}, JobLimits{})
			if err != nil {
				t.Fatal(err)
			}
			return j
		}
		usage := func(want, wantReqs int64) {
			t.Helper()
			chars, reqs, err := db.Usage(ctx, k.ID, month)
			if err != nil || chars != want || reqs != wantReqs {
				t.Fatalf("usage %d chars, %d requests, %v; want %d, %d", chars, reqs, err, want, wantReqs)
			}
		}
		failed := create(100)
		usage(100, 1)
		if got := getJob(t, db, failed); got.Charged != 100 || got.ChargeMonth != month {
			t.Fatalf("job charge %d %q", got.Charged, got.ChargeMonth)
		}
		claim(t, db)
		if err := db.FailJob(ctx, getJob(t, db, failed), errors.New("engine broke")); err != nil {
			t.Fatal(err)
		}
		usage(0, 1)
		if got := getJob(t, db, failed); got.Charged != 0 {
			t.Fatalf("failed job still charged %d", got.Charged)
		}

		succeeded := create(30)
		claim(t, db)
		if err := db.SucceedJob(ctx, getJob(t, db, succeeded), audio(10), 0); err != nil {
			t.Fatal(err)
		}
		queued := create(50)
		usage(80, 3)
		if _, err := db.DeleteJob(ctx, k.AccountID, queued.ID); err != nil {
			t.Fatal(err)
		}
		usage(30, 3)
		if _, err := db.DeleteJob(ctx, k.AccountID, succeeded.ID); err != nil {
			t.Fatal(err)
		}
		usage(30, 3) // delivered work stays paid

		// A job that a crash interrupted on its last attempt fails, refunded;
		// one with attempts left goes back to the queue, still charged.
		last := create(7)
		claim(t, db)
		if err := db.RetryJob(ctx, getJob(t, db, last), errors.New("first attempt failed")); err != nil {
			t.Fatal(err)
		}
		claim(t, db) // its second attempt
		again := create(5)
		claim(t, db) // its first
		usage(42, 5)
		if _, err := db.RequeueRunning(ctx, 2); err != nil {
			t.Fatal(err)
		}
		usage(35, 5)
		if got := getJob(t, db, last); got.Status != JobFailed || got.Charged != 0 {
			t.Fatalf("interrupted job on its last attempt: %s, charged %d", got.Status, got.Charged)
		}
		if got := getJob(t, db, again); got.Status != JobQueued || got.Charged != 5 {
			t.Fatalf("interrupted job with attempts left: %s, charged %d", got.Status, got.Charged)
		}
		// A bad month is refused.
		if _, err := db.CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav",
			Charged: 1, ChargeMonth: "soon"}, JobLimits{}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad charge month: %v", err)
		}
	})
}
