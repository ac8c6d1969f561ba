package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/parley-voice/parley/store"
)

// Runner synthesises a job's request into an encoded audio file written to
// w. The HTTP layer implements it. Run must return soon after ctx is
// cancelled; an error fails the attempt.
type Runner interface {
	Run(ctx context.Context, j store.Job, w io.Writer) error
}

// Manager runs queued jobs on a bounded pool of workers and delivers their
// webhooks. Its methods are safe for concurrent use.
type Manager struct {
	cfg       Config
	db        *store.DB
	runner    Runner
	log       *slog.Logger
	client    *http.Client
	ownClient bool   // client was made here, so Close may drop its connections
	dir       string // where audio files go

	// ctx is cancelled by Close: it stops running jobs, webhooks in flight
	// and the loops.
	ctx    context.Context
	cancel context.CancelFunc
	// The wake channels carry "look at the store now" hints; they are
	// buffered and sent to without blocking, so a burst of hints costs one
	// look per sleeper.
	wakeWorkers  chan struct{}
	wakeDelivery chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	// attempts and deliveries cancel the work in progress on a job, by job
	// id, when the job is deleted.
	attempts   map[string]context.CancelCauseFunc
	deliveries map[string]context.CancelCauseFunc
	wg         sync.WaitGroup // the workers, the delivery loop and the janitor
	closeOnce  sync.Once
}

var (
	// errDeleted is the cause given when a deleted job's work is
	// cancelled, so that a Runner reporting context.Cause says why.
	errDeleted = errors.New("jobs: job deleted")
	// errNoRoom stops a runner writing audio past the account's cap.
	errNoRoom = errors.New("jobs: no room left under the account's audio cap")
)

const (
	// jobsDirName is the directory under the data directory holding the
	// audio files of jobs.
	jobsDirName = "jobs"
	// storeTimeout bounds a store write made after Close cancelled the
	// Manager's context: recording what already happened must not be cut
	// short, but must not hang shutdown either.
	storeTimeout = 10 * time.Second
	// maxResponseDrain is how much of a receiver's answer is read so the
	// connection can be reused; the answer itself is not used.
	maxResponseDrain = 64 << 10
	// expireBatch is how many expired jobs one statement deletes, so that
	// a large expiry does not hold the store's write lock for long.
	expireBatch = 256
	// queueFullRetry is the Retry-After of a submission refused for the
	// queue cap: a place frees as soon as one of the account's jobs
	// finishes, which takes seconds.
	queueFullRetry = 10 * time.Second
)

// New returns a Manager for the jobs in db, with their audio under
// cfg.DataDir. It also recovers from a crash of the previous run: jobs left
// running go back to the queue (or fail, past MaxAttempts), and half-written
// audio files and those of jobs that no longer exist are removed. Only one
// Manager may run per data directory. Nothing runs until Start.
func New(cfg Config, db *store.DB, r Runner) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || r == nil {
		return nil, errors.New("jobs: a store and a Runner are required")
	}
	cfg = cfg.withDefaults()
	dir := filepath.Join(cfg.DataDir, jobsDirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("jobs: creating audio directory: %w", err)
	}
	temps, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	for _, t := range temps {
		if err := os.Remove(t); err != nil {
			return nil, fmt.Errorf("jobs: removing a half-written audio file: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if _, err := db.RequeueRunning(ctx, cfg.MaxAttempts); err != nil {
		return nil, fmt.Errorf("jobs: recovering interrupted jobs: %w", err)
	}
	if err := removeOrphans(ctx, db, dir); err != nil {
		return nil, err
	}

	m := &Manager{
		cfg:          cfg,
		db:           db,
		runner:       r,
		log:          cfg.Logger,
		client:       cfg.HTTPClient,
		dir:          dir,
		wakeWorkers:  make(chan struct{}, max(cfg.Workers, 1)),
		wakeDelivery: make(chan struct{}, 1),
		attempts:     map[string]context.CancelCauseFunc{},
		deliveries:   map[string]context.CancelCauseFunc{},
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.client == nil {
		m.client, m.ownClient = defaultClient(cfg), true
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// removeOrphans removes the audio files in dir of jobs that no longer
// exist: a crash between deleting a job and removing its audio leaves one.
func removeOrphans(ctx context.Context, db *store.DB, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("jobs: listing audio files: %w", err)
	}
	for _, e := range entries {
		id, _, ok := strings.Cut(e.Name(), ".")
		if !ok || !strings.HasPrefix(id, "job_") || !e.Type().IsRegular() {
			continue
		}
		exists, err := db.JobExists(ctx, id)
		if err != nil {
			return fmt.Errorf("jobs: removing audio of deleted jobs: %w", err)
		}
		if !exists {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("jobs: removing audio of a deleted job: %w", err)
			}
		}
	}
	return nil
}

// Start starts the workers, the delivery loop and the janitor that deletes
// expired jobs. Close stops them. Calls after the first, or after Close, do
// nothing.
func (m *Manager) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.closed {
		return
	}
	m.started = true
	m.wg.Add(m.cfg.Workers + 1)
	for range m.cfg.Workers {
		go m.worker()
	}
	go m.deliveryLoop()
	if m.cfg.Retention > 0 {
		m.wg.Add(1)
		go m.janitor()
	}
}

// Submit queues j (see store.DB.CreateJob for the fields it takes) and wakes
// a worker. The job is durable when Submit returns, so the caller may
// acknowledge it. j.WebhookURL, if set, must be an absolute http or https URL
// (ErrWebhookURL), not naming a private address unless AllowPrivateWebhooks.
// A job of an account at MaxUnfinishedPerAccount or AudioCapPerAccount is
// refused with a *LimitError.
func (m *Manager) Submit(ctx context.Context, j store.Job) (store.Job, error) {
	if err := checkWebhookURL(j.WebhookURL, m.cfg.AllowPrivateWebhooks); err != nil {
		return store.Job{}, err
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return store.Job{}, ErrClosed
	}
	lim := store.JobLimits{MaxUnfinished: max(m.cfg.MaxUnfinishedPerAccount, 0), MaxAudioBytes: max(m.cfg.AudioCapPerAccount, 0)}
	created, err := m.db.CreateJob(ctx, j, lim)
	switch {
	case errors.Is(err, store.ErrQueueFull):
		return store.Job{}, &LimitError{Err: err, Limit: int64(lim.MaxUnfinished), RetryAfter: queueFullRetry}
	case errors.Is(err, store.ErrAudioCap):
		return store.Job{}, &LimitError{Err: err, Limit: lim.MaxAudioBytes, RetryAfter: m.audioRetry(ctx, j.AccountID)}
	case err != nil:
		return store.Job{}, err
	}
	wake(m.wakeWorkers)
	return created, nil
}

// audioRetry is when the account's oldest audio expires, freeing room.
func (m *Manager) audioRetry(ctx context.Context, accountID string) time.Duration {
	_, oldest, err := m.db.AccountAudio(ctx, accountID)
	if err != nil || oldest == nil || m.cfg.Retention < 0 {
		return 0
	}
	return max(oldest.Add(m.cfg.Retention).Sub(m.cfg.Now()), time.Second)
}

func checkWebhookURL(s string, allowPrivate bool) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrWebhookURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme must be http or https", ErrWebhookURL)
	case u.Host == "":
		return fmt.Errorf("%w: no host", ErrWebhookURL)
	}
	// Only an address written out can be judged now; a name is checked
	// when the webhook connects, whatever it resolves to then.
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !allowPrivate && !addressAllowed(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrWebhookURL, ip)
	}
	return nil
}

// Delete deletes the account's job with the given id, whatever its state:
// a queued job will not run, a running one is cancelled, a webhook in flight
// is abandoned, and the audio is removed; a job that had not succeeded is
// refunded its charge. It returns the job as it was. A job of another
// account is store.ErrNotFound, as if it did not exist.
func (m *Manager) Delete(ctx context.Context, accountID, id string) (store.Job, error) {
	j, err := m.db.DeleteJob(ctx, accountID, id)
	if err != nil {
		return store.Job{}, err
	}
	m.mu.Lock()
	cancels := []context.CancelCauseFunc{m.attempts[id], m.deliveries[id]}
	m.mu.Unlock()
	for _, cancel := range cancels {
		if cancel != nil {
			cancel(errDeleted)
		}
	}
	// A worker that finishes the job all the same finds it gone and
	// removes the audio it wrote.
	m.removeAudio(j)
	return j, nil
}

// Expired reports whether j is past its retention: gone for its owner, though
// the janitor may not have deleted it yet.
func (m *Manager) Expired(j store.Job) bool {
	return m.cfg.Retention > 0 && j.FinishedAt != nil && j.DeliveryStatus != store.DeliveryPending &&
		j.FinishedAt.Before(m.cfg.Now().Add(-m.cfg.Retention))
}

// removeAudio removes the audio file of a job that no longer exists. A file
// that cannot be removed is logged: the job is gone either way, and the next
// start removes the file (see removeOrphans).
func (m *Manager) removeAudio(j store.Job) {
	if err := os.Remove(AudioPath(m.cfg.DataDir, j.ID, j.Format)); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Error("jobs: removing the audio of a deleted job", "job", j.ID, "err", err)
	}
}

// janitor deletes expired jobs and their audio every SweepInterval.
func (m *Manager) janitor() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.SweepInterval)
	defer t.Stop()
	for {
		m.expire()
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// expire deletes the jobs past their retention, a batch at a time.
func (m *Manager) expire() {
	cutoff := m.cfg.Now().Add(-m.cfg.Retention)
	for m.ctx.Err() == nil {
		js, err := m.db.ExpireJobs(m.ctx, cutoff, expireBatch)
		if err != nil {
			if m.ctx.Err() == nil {
				m.log.Error("jobs: deleting expired jobs", "err", err)
			}
			return
		}
		for _, j := range js {
			m.removeAudio(j)
		}
		if len(js) < expireBatch {
			return
		}
	}
}

// track records cancel as the way to stop the work on job id in set, until
// the returned function is called.
func (m *Manager) track(set map[string]context.CancelCauseFunc, id string, cancel context.CancelCauseFunc) (untrack func()) {
	m.mu.Lock()
	set[id] = cancel
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(set, id)
		m.mu.Unlock()
	}
}

// Close stops taking jobs, cancels the running ones and the webhooks in
// flight, and waits for all of it to stop. Cancelled jobs go back to the
// queue without losing an attempt, and the next Manager runs them. Close the
// Manager before the store. Later calls wait for the first and return nil.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.closeOnce.Do(func() {
		m.cancel()
		m.wg.Wait()
		if m.ownClient {
			m.client.CloseIdleConnections()
		}
	})
	return nil
}

// DataDir is the data directory the Manager keeps audio under, for serving
// a job's audio from AudioPath.
func (m *Manager) DataDir() string { return m.cfg.DataDir }

// AudioPath is where the audio of the job lives: <dataDir>/jobs/<id>.<format>.
func AudioPath(dataDir, jobID, format string) string {
	return filepath.Join(dataDir, filepath.FromSlash(audioRel(jobID, format)))
}

// audioRel is AudioPath relative to the data directory, as the store keeps
// it.
func audioRel(jobID, format string) string {
	return path.Join(jobsDirName, jobID+"."+format)
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // enough wake-ups pending
	}
}

// storeCtx is for store writes that record what has already happened: they
// go ahead after Close cancels m.ctx.
func (m *Manager) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(m.ctx), storeTimeout)
}

func (m *Manager) worker() {
	defer m.wg.Done()
	for m.ctx.Err() == nil {
		ctx, cancel := m.storeCtx()
		j, ok, err := m.db.ClaimJob(ctx)
		cancel()
		if err != nil {
			m.log.Error("jobs: claiming a job", "err", err)
		}
		if ok {
			m.process(j)
			continue
		}
		select {
		case <-m.ctx.Done():
		case <-m.wakeWorkers:
		case <-time.After(m.cfg.PollInterval):
		}
	}
}

// process runs one attempt of a claimed job and records its outcome.
func (m *Manager) process(j store.Job) {
	ctx, cancel := context.WithCancelCause(m.ctx)
	untrack := m.track(m.attempts, j.ID, cancel)
	rel, size, runErr := m.attempt(ctx, j)
	untrack()
	cancel(nil)
	// The owner sees the job's error: the detail stays in the log.
	shown := runErr
	if runErr != nil && m.ctx.Err() == nil {
		m.log.Warn("jobs: attempt failed", "job", j.ID, "attempt", j.Attempts, "err", runErr)
		shown = errors.New(publicText(runErr))
	}
	sctx, scancel := m.storeCtx()
	defer scancel()
	var err error
	switch {
	case runErr == nil:
		err = m.db.SucceedJob(sctx, j.ID, rel, size, max(m.cfg.AudioCapPerAccount, 0))
		switch {
		case errors.Is(err, store.ErrAudioCap):
			// Other jobs of the account finished first and took the room.
			m.removeAudio(j)
			err = m.db.FailJob(sctx, j.ID, audioCapError{m.cfg.AudioCapPerAccount})
		case errors.Is(err, store.ErrNotFound):
			// Deleted while it ran: the audio has no job any more.
			m.removeAudio(j)
			return
		}
	case m.ctx.Err() != nil:
		// Shutdown cut it short; it is not the job's failure.
		err = m.db.ReleaseJob(sctx, j.ID)
	case errors.Is(runErr, store.ErrAudioCap), j.Attempts >= m.cfg.MaxAttempts:
		// A job past the cap would find no more room by trying again.
		err = m.db.FailJob(sctx, j.ID, shown)
	default:
		err = m.db.RetryJob(sctx, j.ID, shown)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Deleted while it ran (Delete cancelled the attempt): nothing
		// is left to record.
		return
	}
	if j.WebhookURL != "" {
		wake(m.wakeDelivery) // a finished job's webhook is due at once
	}
	if err != nil {
		// The job stays running in the store; the next start queues it
		// again.
		m.log.Error("jobs: recording a job's outcome", "job", j.ID, "attempt", j.Attempts, "run_err", runErr, "err", err)
	}
}

// attempt runs the job into a temporary file and, if that succeeds, moves
// the file to its final name, synced, so a finished job's audio is on disk
// before the store says so. It returns the audio path relative to the data
// directory, and its size. The file may take no more than the room left
// under the account's audio cap.
func (m *Manager) attempt(ctx context.Context, j store.Job) (rel string, size int64, err error) {
	if ctx.Err() != nil {
		return "", 0, ctx.Err()
	}
	room := int64(-1)
	if limit := m.cfg.AudioCapPerAccount; limit > 0 {
		used, _, err := m.db.AccountAudio(ctx, j.AccountID)
		if err != nil {
			return "", 0, fmt.Errorf("jobs: %w", err)
		}
		if room = limit - used; room <= 0 {
			return "", 0, audioCapError{limit}
		}
	}
	f, err := os.CreateTemp(m.dir, "."+j.ID+".*.tmp")
	if err != nil {
		return "", 0, fmt.Errorf("jobs: creating audio file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, m.cfg.JobTimeout)
	defer cancel()
	cw := &cappedWriter{w: bufio.NewWriterSize(f, 64<<10), room: room}
	if err := m.run(rctx, j, cw); err != nil {
		switch {
		case cw.over:
			// The runner may not have kept the writer's error.
			return "", 0, audioCapError{m.cfg.AudioCapPerAccount}
		case errors.Is(rctx.Err(), context.DeadlineExceeded):
			return "", 0, &timeoutError{after: m.cfg.JobTimeout, err: err}
		}
		return "", 0, err
	}
	if err := cw.w.Flush(); err != nil {
		return "", 0, fmt.Errorf("jobs: writing audio file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("jobs: syncing audio file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("jobs: writing audio file: %w", err)
	}
	if err := os.Rename(f.Name(), AudioPath(m.cfg.DataDir, j.ID, j.Format)); err != nil {
		return "", 0, fmt.Errorf("jobs: naming audio file: %w", err)
	}
	if err := syncDir(m.dir); err != nil {
		return "", 0, err
	}
	return audioRel(j.ID, j.Format), cw.n, nil
}

// cappedWriter counts what is written through it and refuses to write past
// room bytes (negative: no limit).
type cappedWriter struct {
	w    *bufio.Writer
	room int64
	n    int64
	over bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.room >= 0 && c.n+int64(len(p)) > c.room {
		c.over = true
		return 0, errNoRoom
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// run calls the Runner, turning a panic into a failed attempt: one bad
// request must not take down the server, let alone again at every restart.
func (m *Manager) run(ctx context.Context, j store.Job, w io.Writer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("jobs: runner panicked", "job", j.ID, "panic", p, "stack", string(debug.Stack()))
			// The panic value stays in the log: the job's error is shown
			// to its owner.
			err = errors.New("internal error while synthesising")
		}
	}()
	return m.runner.Run(ctx, j, w)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("jobs: syncing audio directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jobs: syncing audio directory: %w", err)
	}
	return nil
}
