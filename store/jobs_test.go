package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var jobIDFormat = regexp.MustCompile(`^job_[a-z2-7]{20}$`)

func newJob(t testing.TB, db *DB, k Key, webhook string) Job {
	t.Helper()
	j, err := db.CreateJob(context.Background(), Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{"text":"hi"}`), Format: "wav", WebhookURL: webhook})
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

func claim(t testing.TB, db *DB) Job {
	t.Helper()
	j, ok, err := db.ClaimJob(context.Background())
	if err != nil || !ok {
		t.Fatalf("ClaimJob = %v, %v", ok, err)
	}
	return j
}

func TestCreateAndGetJob(t *testing.T) {
	db := openTest(t, t.TempDir())
	clock := useFakeClock(db)
	ctx := context.Background()
	alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")
	in := Job{AccountID: alice.AccountID, KeyID: alice.ID, Request: []byte(`{"text":"héllo","voice":"voice_x"}`), Format: "mp3", WebhookURL: "https://example.com/hook",
		// Set by the store, whatever the caller says:
		ID: "job_mine", Status: JobSucceeded, Attempts: 7, AudioPath: "/etc/passwd", DeliveryStatus: DeliveryDelivered}
	j, err := db.CreateJob(ctx, in)
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
}

func jobsEqual(a, b Job) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.KeyID == b.KeyID && a.Status == b.Status &&
		string(a.Request) == string(b.Request) && a.Format == b.Format && a.WebhookURL == b.WebhookURL &&
		a.AudioPath == b.AudioPath && a.Error == b.Error && a.Attempts == b.Attempts &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && timesEqual(a.FinishedAt, b.FinishedAt) &&
		a.DeliveryStatus == b.DeliveryStatus && a.DeliveryAttempts == b.DeliveryAttempts &&
		timesEqual(a.NextDeliveryAt, b.NextDeliveryAt) && a.LastDeliveryError == b.LastDeliveryError
}

func TestCreateJobRejects(t *testing.T) {
	db := openTest(t, t.TempDir())
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
			if _, err := db.CreateJob(ctx, tt.j); !errors.Is(err, tt.want) {
				t.Errorf("CreateJob error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, ok, err := db.ClaimJob(ctx); ok || err != nil {
		t.Errorf("rejected creations queued a job (%v)", err)
	}
}

func TestClaimOrder(t *testing.T) {
	db := openTest(t, t.TempDir())
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
	if err := db.RetryJob(ctx, first.ID, errors.New("engine busy")); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		j, ok, err := db.ClaimJob(ctx)
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
}

// TestConcurrentClaims claims through two stores on one file at once: every
// job must be claimed exactly once.
func TestConcurrentClaims(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	dbs := []*DB{openTest(t, dir), openTest(t, dir)}
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
				j, ok, err := dbs[i%2].ClaimJob(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
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
}

func TestFinishJob(t *testing.T) {
	db := openTest(t, t.TempDir())
	clock := useFakeClock(db)
	ctx := context.Background()
	k := newAccount(t, db, "k")
	tests := []struct {
		name         string
		webhook      string
		audio        string
		err          error
		wantStatus   string
		wantAudio    string
		wantError    string
		wantDelivery string
	}{
		{"success", "", "jobs/x.wav", nil, JobSucceeded, "jobs/x.wav", "", DeliveryNone},
		{"success with webhook", "https://example.com/h", "jobs/y.mp3", nil, JobSucceeded, "jobs/y.mp3", "", DeliveryPending},
		{"failure", "", "ignored.wav", errors.New("engine crashed"), JobFailed, "", "engine crashed", DeliveryNone},
		{"failure with webhook", "http://127.0.0.1/h", "", errors.New("voice deleted"), JobFailed, "", "voice deleted", DeliveryPending},
		{"long error clipped", "", "", errors.New(strings.Repeat("é", maxErrorLen)), JobFailed, "", strings.Repeat("é", maxErrorLen/2), DeliveryNone},
		{"invalid UTF-8 error", "", "", errors.New("bad \xff byte"), JobFailed, "", "bad \uFFFD byte", DeliveryNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJob(t, db, k, tt.webhook)
			claim(t, db)
			clock.advance(time.Minute)
			if err := db.FinishJob(ctx, j.ID, tt.audio, tt.err); err != nil {
				t.Fatal(err)
			}
			got := getJob(t, db, j)
			now := clock.now()
			want := j
			want.Status, want.AudioPath, want.Error, want.Attempts = tt.wantStatus, tt.wantAudio, tt.wantError, 1
			want.UpdatedAt, want.FinishedAt, want.DeliveryStatus = now, &now, tt.wantDelivery
			if tt.wantDelivery == DeliveryPending {
				want.NextDeliveryAt = &now
			}
			if !jobsEqual(got, want) {
				t.Errorf("finished job = %+v\nwant %+v", got, want)
			}
			if err := db.FinishJob(ctx, j.ID, tt.audio, tt.err); !errors.Is(err, ErrNotFound) {
				t.Errorf("finishing twice: error = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestJobTransitionsNeedRunning(t *testing.T) {
	db := openTest(t, t.TempDir())
	ctx := context.Background()
	k := newAccount(t, db, "k")
	done := newJob(t, db, k, "")
	claim(t, db)
	if err := db.FinishJob(ctx, done.ID, "", errors.New("x")); err != nil {
		t.Fatal(err)
	}
	queued := newJob(t, db, k, "")
	transitions := []struct {
		name string
		do   func(id string) error
	}{
		{"finish", func(id string) error { return db.FinishJob(ctx, id, "jobs/a.wav", nil) }},
		{"retry", func(id string) error { return db.RetryJob(ctx, id, errors.New("x")) }},
		{"release", func(id string) error { return db.ReleaseJob(ctx, id) }},
	}
	for _, tr := range transitions {
		for _, id := range []string{done.ID, queued.ID, "job_aaaaaaaaaaaaaaaaaaaa"} {
			if err := tr.do(id); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s of %s: error = %v, want ErrNotFound", tr.name, id, err)
			}
		}
	}
	running := claim(t, db)
	if running.ID != queued.ID {
		t.Fatalf("claimed %s, want %s", running.ID, queued.ID)
	}
	for _, bad := range []string{"", "/abs/x.wav", "../x.wav", "jobs/../../x.wav"} {
		if err := db.FinishJob(ctx, running.ID, bad, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("FinishJob with audio path %q: error = %v, want ErrInvalid", bad, err)
		}
	}
	if got := getJob(t, db, running); got.Status != JobRunning {
		t.Errorf("rejected finishes changed the job to %s", got.Status)
	}
}

func TestReleaseJobRefundsAttempt(t *testing.T) {
	db := openTest(t, t.TempDir())
	ctx := context.Background()
	k := newAccount(t, db, "k")
	j := newJob(t, db, k, "")
	for attempt := 1; attempt <= 3; attempt++ {
		if c := claim(t, db); c.Attempts != 1 {
			t.Fatalf("claim %d: attempt %d, want 1 (released attempts do not count)", attempt, c.Attempts)
		}
		if err := db.ReleaseJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := getJob(t, db, j); got.Status != JobQueued || got.Attempts != 0 {
		t.Errorf("released job = %s, %d attempts; want queued, 0", got.Status, got.Attempts)
	}
}

func TestRequeueRunning(t *testing.T) {
	db := openTest(t, t.TempDir())
	clock := useFakeClock(db)
	ctx := context.Background()
	k := newAccount(t, db, "k")
	const maxAttempts = 3
	finished := newJob(t, db, k, "")
	claim(t, db)
	if err := db.FinishJob(ctx, finished.ID, "jobs/f.wav", nil); err != nil {
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
			if err := db.RetryJob(ctx, j.ID, errors.New("flaky")); err != nil {
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
			if got.Status != JobQueued || got.Attempts != attempts || got.FinishedAt != nil {
				t.Errorf("job with %d attempts: %+v, want queued", attempts, got)
			}
		default:
			wantDelivery := DeliveryNone
			if j.WebhookURL != "" {
				wantDelivery = DeliveryPending
			}
			if got.Status != JobFailed || got.Error != errInterrupted.Error() || !timesEqual(got.FinishedAt, &now) || got.DeliveryStatus != wantDelivery {
				t.Errorf("job with %d attempts: %+v, want failed (interrupted), delivery %s", attempts, got, wantDelivery)
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
}

func TestDeliveries(t *testing.T) {
	db := openTest(t, t.TempDir())
	clock := useFakeClock(db)
	ctx := context.Background()
	k := newAccount(t, db, "k")
	finish := func(hook string) Job {
		j := newJob(t, db, k, hook)
		claim(t, db)
		if err := db.FinishJob(ctx, j.ID, "jobs/"+j.ID+".wav", nil); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Second)
		return j
	}
	a, b, c := finish("https://a/"), finish("https://b/"), finish("https://c/")
	finish("") // no webhook: never due
	start := clock.now()

	due := func(now time.Time, limit int) []string {
		t.Helper()
		js, err := db.DueDeliveries(ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(js))
		for i, j := range js {
			ids[i] = j.ID
			if j.DeliveryStatus != DeliveryPending {
				t.Errorf("due job %s has delivery %s", j.ID, j.DeliveryStatus)
			}
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
	if err := db.RecordDelivery(ctx, a.ID, false, "HTTP 500", start.Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordDelivery(ctx, b.ID, true, "", time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordDelivery(ctx, c.ID, false, "connection refused", time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	check("a backing off", due(start, 10))
	check("a due again", due(start.Add(time.Minute), 10), a.ID)

	if err := db.RecordDelivery(ctx, a.ID, true, "", time.Time{}, false); err != nil {
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
		if err := db.RecordDelivery(ctx, tt.j.ID, true, "", time.Time{}, false); !errors.Is(err, ErrNotFound) {
			t.Errorf("recording a finished delivery: error = %v, want ErrNotFound", err)
		}
	}
	check("none left", due(start.Add(time.Hour), 10))
}

// TestQueryPlans checks that the runner's queries, which run every poll,
// use an index and no sort, however many finished jobs pile up.
func TestQueryPlans(t *testing.T) {
	db := openTest(t, t.TempDir())
	ctx := context.Background()
	tests := []struct {
		name, query string
		args        []any
		index       string
	}{
		{"claim", claimJobQuery, []any{0}, "jobs_queued"},
		{"fail interrupted", failInterruptedQuery, []any{"", 0, 0, 0, 1}, "jobs_running"},
		{"requeue interrupted", requeueInterruptedQuery, []any{0}, "jobs_running"},
		{"due deliveries", dueDeliveriesQuery, []any{0, 10}, "jobs_pending_delivery"},
		{"list voices", listVoicesQuery, []any{"acct_x"}, "voices_account_created"},
	}
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
			fullScan := false
			for _, step := range plan {
				fullScan = fullScan || step == "SCAN jobs" || step == "SCAN voices"
			}
			if !strings.Contains(text, tt.index) || strings.Contains(text, "TEMP B-TREE") || fullScan {
				t.Errorf("plan %q: want it to use %s without a sort or full scan", text, tt.index)
			}
		})
	}
}
