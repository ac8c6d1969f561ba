package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
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

	mu        sync.Mutex
	started   bool
	closed    bool
	wg        sync.WaitGroup // the workers and the delivery loop
	closeOnce sync.Once
}

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
)

// New returns a Manager for the jobs in db, with their audio under
// cfg.DataDir. It also recovers from a crash of the previous run: jobs left
// running go back to the queue (or fail, past MaxAttempts), and half-written
// audio files are removed. Only one Manager may run per data directory.
// Nothing runs until Start.
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

	m := &Manager{
		cfg:          cfg,
		db:           db,
		runner:       r,
		log:          cfg.Logger,
		client:       cfg.HTTPClient,
		dir:          dir,
		wakeWorkers:  make(chan struct{}, max(cfg.Workers, 1)),
		wakeDelivery: make(chan struct{}, 1),
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.client == nil {
		m.client, m.ownClient = defaultClient(), true
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Start starts the workers and the delivery loop. Close stops them. Calls
// after the first, or after Close, do nothing.
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
}

// Submit queues j (see store.DB.CreateJob for the fields it takes) and wakes
// a worker. The job is durable when Submit returns, so the caller may
// acknowledge it. j.WebhookURL, if set, must be an absolute http or https URL.
func (m *Manager) Submit(ctx context.Context, j store.Job) (store.Job, error) {
	if err := checkWebhookURL(j.WebhookURL); err != nil {
		return store.Job{}, err
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return store.Job{}, ErrClosed
	}
	j, err := m.db.CreateJob(ctx, j)
	if err != nil {
		return store.Job{}, err
	}
	wake(m.wakeWorkers)
	return j, nil
}

func checkWebhookURL(s string) error {
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
	return nil
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
	rel, runErr := m.attempt(j)
	if runErr != nil && m.ctx.Err() == nil {
		// The owner sees the job's error: the detail stays in the log.
		m.log.Warn("jobs: attempt failed", "job", j.ID, "attempt", j.Attempts, "err", runErr)
		runErr = errors.New(publicText(runErr))
	}
	ctx, cancel := m.storeCtx()
	defer cancel()
	var err error
	switch {
	case runErr == nil:
		err = m.db.FinishJob(ctx, j.ID, rel, nil)
	case m.ctx.Err() != nil:
		// Shutdown cut it short; it is not the job's failure.
		err = m.db.ReleaseJob(ctx, j.ID)
	case j.Attempts >= m.cfg.MaxAttempts:
		err = m.db.FinishJob(ctx, j.ID, "", runErr)
	default:
		err = m.db.RetryJob(ctx, j.ID, runErr)
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
// directory.
func (m *Manager) attempt(j store.Job) (rel string, err error) {
	if m.ctx.Err() != nil {
		return "", m.ctx.Err()
	}
	f, err := os.CreateTemp(m.dir, "."+j.ID+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("jobs: creating audio file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	ctx, cancel := context.WithTimeout(m.ctx, m.cfg.JobTimeout)
	defer cancel()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := m.run(ctx, j, bw); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", &timeoutError{after: m.cfg.JobTimeout, err: err}
		}
		return "", err
	}
	if err := bw.Flush(); err != nil {
		return "", fmt.Errorf("jobs: writing audio file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("jobs: syncing audio file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("jobs: writing audio file: %w", err)
	}
	if err := os.Rename(f.Name(), AudioPath(m.cfg.DataDir, j.ID, j.Format)); err != nil {
		return "", fmt.Errorf("jobs: naming audio file: %w", err)
	}
	if err := syncDir(m.dir); err != nil {
		return "", err
	}
	return audioRel(j.ID, j.Format), nil
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
