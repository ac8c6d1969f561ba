package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"os"
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
	// errLeaseLost is the cause given when an attempt is cancelled because
	// its job was taken back after this node's lease lapsed.
	errLeaseLost = errors.New("jobs: lease on the job lost")
)

const (
	// legacyDirName is the directory under the data directory where older
	// Parleys kept the audio files of jobs.
	legacyDirName = "jobs"
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

// New returns a Manager for the jobs in db. On a store that one process
// uses at a time (SQLite) it also recovers from a crash of the previous
// run: jobs left running go back to the queue (or fail, past MaxAttempts).
// On a shared store (PostgreSQL) other nodes' running jobs are alive, and
// each node's heartbeat takes back only those whose lease has lapsed. It
// moves the audio files that older Parleys kept under DataDir/jobs into the
// store. Nothing runs until Start.
func New(cfg Config, db *store.DB, r Runner) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || r == nil {
		return nil, errors.New("jobs: a store and a Runner are required")
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if !db.Shared() {
		if _, err := db.RequeueRunning(ctx, cfg.MaxAttempts); err != nil {
			return nil, fmt.Errorf("jobs: recovering interrupted jobs: %w", err)
		}
	}
	if cfg.DataDir != "" {
		if err := adoptAudioFiles(ctx, db, cfg.DataDir); err != nil {
			return nil, err
		}
	}

	m := &Manager{
		cfg:          cfg,
		db:           db,
		runner:       r,
		log:          cfg.Logger,
		client:       cfg.HTTPClient,
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

// adoptAudioFiles moves the audio files of jobs that older Parleys kept
// under dataDir/jobs into the store, each in one transaction before its
// file is removed, so a crash halfway leaves every job's audio in one
// place or the other. Files of jobs that no longer exist, and half-written
// ones, are removed; the directory goes once empty.
func adoptAudioFiles(ctx context.Context, db *store.DB, dataDir string) error {
	dir := filepath.Join(dataDir, legacyDirName)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for {
		js, err := db.LegacyAudioJobs(ctx, 64)
		if err != nil {
			return fmt.Errorf("jobs: moving audio files into the store: %w", err)
		}
		for _, j := range js {
			path := filepath.Join(dataDir, filepath.FromSlash(j.AudioPath))
			audio, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				// Lost before the move: the job keeps no audio.
				audio, err = nil, nil
			}
			if err != nil {
				return fmt.Errorf("jobs: moving audio files into the store: %w", err)
			}
			if err := db.AdoptJobAudio(ctx, j.ID, audio); err != nil {
				return fmt.Errorf("jobs: moving audio files into the store: %w", err)
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("jobs: removing a moved audio file: %w", err)
			}
		}
		if len(js) < 64 {
			break
		}
	}
	// What is left belongs to no job: audio of deleted jobs, and files
	// half-written when a crash came.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("jobs: listing audio files: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(e.Name(), "."), ".")
		if exists, err := db.JobExists(ctx, id); err != nil || (exists && !strings.HasPrefix(e.Name(), ".")) {
			// A job's file not yet moved (it failed to read above), or a
			// store that failed: leave it for the next start.
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("jobs: removing audio of a deleted job: %w", err)
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		var pe *os.PathError
		if !errors.As(err, &pe) {
			return fmt.Errorf("jobs: %w", err)
		}
		// Not empty: something we did not recognise; leave it.
	}
	return nil
}

// NodeID is the name of this node in the leases it holds (Config.NodeID),
// as the store shows them.
func (m *Manager) NodeID() string { return m.cfg.NodeID }

// Start starts the workers, the delivery loop, the heartbeat that renews
// this node's leases and takes back lapsed ones, and the janitor that
// deletes expired jobs. Close stops them. Calls after the first, or after Close, do
// nothing.
func (m *Manager) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.closed {
		return
	}
	m.started = true
	m.wg.Add(m.cfg.Workers + 2)
	for range m.cfg.Workers {
		go m.worker()
	}
	go m.deliveryLoop()
	go m.heartbeat()
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
// a queued job will not run, a running one is cancelled (at once on this
// node; on another, its outcome finds the job gone and is dropped), a
// webhook in flight is abandoned, and the audio goes with the job; a job
// that had not succeeded is refunded its charge. It returns the job as it was. A job of another
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
	m.removeAudio(j)
	return j, nil
}

// Expired reports whether j is past its retention: gone for its owner, though
// the janitor may not have deleted it yet.
func (m *Manager) Expired(j store.Job) bool {
	return m.cfg.Retention > 0 && j.FinishedAt != nil && j.DeliveryStatus != store.DeliveryPending &&
		j.FinishedAt.Before(m.cfg.Now().Add(-m.cfg.Retention))
}

// removeAudio removes the file of a deleted job whose audio was never moved
// into the store (see adoptAudioFiles). A file that cannot be removed is
// logged: the job is gone either way, and the next start removes the file.
func (m *Manager) removeAudio(j store.Job) {
	if j.AudioPath == "" || m.cfg.DataDir == "" {
		return
	}
	if err := os.Remove(filepath.Join(m.cfg.DataDir, filepath.FromSlash(j.AudioPath))); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Error("jobs: removing the audio of a deleted job", "job", j.ID, "err", err)
	}
}

// janitor deletes expired jobs and their audio every SweepInterval. Every
// node runs one; the store deletes each job once.
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
		j, ok, err := m.db.ClaimJob(ctx, m.cfg.NodeID, m.cfg.Lease)
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

// process runs one attempt of a claimed job and records its outcome under
// the claim: if the claim was lost meanwhile (the job deleted, or taken back
// after this node's lease lapsed and run by another), nothing is recorded.
func (m *Manager) process(j store.Job) {
	ctx, cancel := context.WithCancelCause(m.ctx)
	untrack := m.track(m.attempts, j.ID, cancel)
	audio, runErr := m.attempt(ctx, j)
	untrack()
	lost := context.Cause(ctx)
	cancel(nil)
	if errors.Is(lost, errLeaseLost) {
		m.log.Warn("jobs: this node's lease on a running job lapsed; another node runs it", "job", j.ID, "attempt", j.Attempts)
		return
	}
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
		err = m.db.SucceedJob(sctx, j, audio, max(m.cfg.AudioCapPerAccount, 0))
		if errors.Is(err, store.ErrAudioCap) {
			// Other jobs of the account finished first and took the room.
			err = m.db.FailJob(sctx, j, audioCapError{m.cfg.AudioCapPerAccount})
		}
	case m.ctx.Err() != nil:
		// Shutdown cut it short; it is not the job's failure.
		err = m.db.ReleaseJob(sctx, j)
	case errors.Is(runErr, store.ErrAudioCap), j.Attempts >= m.cfg.MaxAttempts:
		// A job past the cap would find no more room by trying again.
		err = m.db.FailJob(sctx, j, shown)
	default:
		err = m.db.RetryJob(sctx, j, shown)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Deleted while it ran, or taken back after this node's lease
		// lapsed: the job is no longer this attempt's to record.
		return
	}
	if j.WebhookURL != "" {
		wake(m.wakeDelivery) // a finished job's webhook is due at once
	}
	if err != nil {
		// The job stays running in the store; its lease lapses and a
		// node (this one, if it is alive) takes it back and runs it
		// again.
		m.log.Error("jobs: recording a job's outcome", "job", j.ID, "attempt", j.Attempts, "run_err", runErr, "err", err)
	}
}

// attempt runs the job into memory and returns its audio, which may take no
// more than the room left under the account's audio cap. The runner holds
// the whole file in memory anyway (an encoder completes its header at the
// end), and the store keeps it with the job.
func (m *Manager) attempt(ctx context.Context, j store.Job) ([]byte, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	room := int64(-1)
	if limit := m.cfg.AudioCapPerAccount; limit > 0 {
		used, _, err := m.db.AccountAudio(ctx, j.AccountID)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if room = limit - used; room <= 0 {
			return nil, audioCapError{limit}
		}
	}
	rctx, cancel := context.WithTimeout(ctx, m.cfg.JobTimeout)
	defer cancel()
	cw := &cappedWriter{room: room}
	if err := m.run(rctx, j, cw); err != nil {
		switch {
		case cw.over:
			// The runner may not have kept the writer's error.
			return nil, audioCapError{m.cfg.AudioCapPerAccount}
		case errors.Is(rctx.Err(), context.DeadlineExceeded):
			return nil, &timeoutError{after: m.cfg.JobTimeout, err: err}
		}
		return nil, err
	}
	return cw.buf.Bytes(), nil
}

// cappedWriter keeps what is written through it and refuses to write past
// room bytes (negative: no limit).
type cappedWriter struct {
	buf  bytes.Buffer
	room int64
	over bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.room >= 0 && int64(c.buf.Len()+len(p)) > c.room {
		c.over = true
		return 0, errNoRoom
	}
	return c.buf.Write(p)
}

// heartbeat renews this node's leases every Lease/3, cancels the attempts
// whose lease it finds lost, and takes back the running jobs of nodes whose
// leases lapsed (every node does this; the store requeues each job once).
func (m *Manager) heartbeat() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		m.beat()
	}
}

// beat is one round of the heartbeat.
func (m *Manager) beat() {
	ctx, cancel := context.WithTimeout(m.ctx, m.cfg.Lease/3)
	defer cancel()
	// Only attempts under way before the renewal can be missing from its
	// answer for a lost lease: one claimed meanwhile is simply new.
	m.mu.Lock()
	before := maps.Clone(m.attempts)
	m.mu.Unlock()
	held, err := m.db.RenewLeases(ctx, m.cfg.NodeID, m.cfg.Lease)
	if err != nil {
		if m.ctx.Err() == nil {
			// The leases run on; if the store stays out of reach past
			// them, other nodes run these jobs again.
			m.log.Warn("jobs: renewing leases", "err", err)
		}
		return
	}
	have := make(map[string]bool, len(held))
	for _, id := range held {
		have[id] = true
	}
	for id, cancel := range before {
		if !have[id] {
			cancel(errLeaseLost)
		}
	}
	n, err := m.db.RequeueExpired(ctx, m.cfg.MaxAttempts)
	switch {
	case err != nil && m.ctx.Err() == nil:
		m.log.Warn("jobs: taking back jobs whose lease lapsed", "err", err)
	case n > 0:
		m.log.Warn("jobs: took back jobs whose node stopped renewing their lease", "jobs", n)
		wake(m.wakeWorkers)
	}
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
