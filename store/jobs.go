package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"
	"unicode/utf8"
)

// Job is an async synthesis job and the delivery state of its webhook.
type Job struct {
	ID        string // "job_" and 20 base32 characters
	AccountID string
	KeyID     string // the key that submitted it; its webhooks are signed with a secret derived from it
	Status    string // JobQueued, JobRunning, JobSucceeded or JobFailed
	// Request is the synthesis request as JSON, written and read by the HTTP
	// layer; the store keeps it verbatim.
	Request    []byte
	Format     string // audio container, also the audio file's extension
	WebhookURL string // empty for none
	AudioPath  string // relative to the data directory; set once succeeded
	Error      string // why the last attempt failed
	Attempts   int    // attempts started, the running one included
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time // nil until succeeded or failed

	DeliveryStatus    string     // DeliveryNone, DeliveryPending, DeliveryDelivered or DeliveryFailed
	DeliveryAttempts  int        // webhook POSTs made
	NextDeliveryAt    *time.Time // when the pending delivery is due; nil unless pending
	LastDeliveryError string     // why the last failed POST failed, kept after a later success
}

// The values of Job.Status.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobSucceeded = "succeeded"
	JobFailed    = "failed"
)

// The values of Job.DeliveryStatus.
const (
	DeliveryNone      = "none" // no webhook, or the job has not finished
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

const (
	jobPrefix     = "job_"
	maxRequestLen = 1 << 20
	maxFormatLen  = 16
	maxURLLen     = 2048
	// maxErrorLen bounds stored error messages, which can quote a receiver's
	// answer or a long chain of wrapped errors.
	maxErrorLen = 1024
)

// checkFormat admits lowercase letters and digits only, because the format
// becomes the extension of a file name.
func checkFormat(f string) error {
	if f == "" || len(f) > maxFormatLen {
		return fmt.Errorf("%w: format must be 1 to %d characters", ErrInvalid, maxFormatLen)
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return fmt.Errorf("%w: format %q may hold only lowercase letters and digits", ErrInvalid, f)
		}
	}
	return nil
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence, and
// replaces invalid UTF-8, so any error message can be stored.
func clip(s string, n int) string {
	s = string([]rune(s)) // invalid bytes become U+FFFD
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func errorText(err error) string {
	return clip(err.Error(), maxErrorLen)
}

const jobColumns = `id, account_id, key_id, status, request, format, webhook_url, audio_path, error, attempts,
created_at, updated_at, finished_at, delivery_status, delivery_attempts, next_delivery_at, last_delivery_error`

// CreateJob queues j and returns it with its ID, status and times set. Only
// AccountID, KeyID, Request, Format and WebhookURL are taken from j. It
// returns ErrNotFound unless KeyID is a key of AccountID, and ErrInvalid for
// a request that is not JSON or a format that is not a plain lowercase word.
func (db *DB) CreateJob(ctx context.Context, j Job) (Job, error) {
	switch {
	case len(j.Request) > maxRequestLen || !json.Valid(j.Request):
		return Job{}, fmt.Errorf("%w: request must be JSON of at most %d bytes", ErrInvalid, maxRequestLen)
	case len(j.WebhookURL) > maxURLLen || !utf8.ValidString(j.WebhookURL):
		return Job{}, fmt.Errorf("%w: webhook URL must be valid UTF-8 of at most %d bytes", ErrInvalid, maxURLLen)
	}
	if err := checkFormat(j.Format); err != nil {
		return Job{}, err
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	j = Job{
		ID:             jobPrefix + randomString(randomIDLen),
		AccountID:      j.AccountID,
		KeyID:          j.KeyID,
		Status:         JobQueued,
		Request:        j.Request,
		Format:         j.Format,
		WebhookURL:     j.WebhookURL,
		CreatedAt:      now,
		UpdatedAt:      now,
		DeliveryStatus: DeliveryNone,
	}
	// Selecting from api_keys makes a key of another account insert nothing,
	// which a foreign key alone would not catch.
	res, err := db.w.ExecContext(ctx, `INSERT INTO jobs (id, account_id, key_id, status, request, format, webhook_url, created_at, updated_at)
SELECT ?, account_id, id, ?, ?, ?, ?, ?, ? FROM api_keys WHERE id = ? AND account_id = ?`,
		j.ID, j.Status, string(j.Request), j.Format, j.WebhookURL, now.UnixMilli(), now.UnixMilli(), j.KeyID, j.AccountID)
	if err != nil {
		return Job{}, fmt.Errorf("store: creating job: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Job{}, fmt.Errorf("store: creating job: %w", err)
	}
	if n == 0 {
		return Job{}, fmt.Errorf("%w: key %q of account %q", ErrNotFound, j.KeyID, j.AccountID)
	}
	return j, nil
}

// GetJob returns the account's job with the given id. A job of another
// account is ErrNotFound, as if it did not exist.
func (db *DB) GetJob(ctx context.Context, accountID, id string) (Job, error) {
	j, err := scanJob(db.r.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("%w: job %q", ErrNotFound, id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("store: reading job: %w", err)
	}
	return j, nil
}

// The runner's queries are constants so the test of query plans checks the
// queries that run.
const (
	claimJobQuery = `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?
WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1)
RETURNING ` + jobColumns
	failInterruptedQuery = `UPDATE jobs SET status = 'failed', error = ?, updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE ? END
WHERE status = 'running' AND attempts >= ?`
	requeueInterruptedQuery = `UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'`
	dueDeliveriesQuery      = `SELECT ` + jobColumns + ` FROM jobs
WHERE delivery_status = 'pending' AND next_delivery_at <= ? ORDER BY next_delivery_at, id LIMIT ?`
)

// ClaimJob moves the oldest queued job to running and counts the attempt, in
// one statement, so two claimers never get the same job. It reports false
// when the queue is empty.
func (db *DB) ClaimJob(ctx context.Context) (Job, bool, error) {
	j, err := scanJob(db.w.QueryRowContext(ctx, claimJobQuery, db.now().UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("store: claiming job: %w", err)
	}
	return j, true, nil
}

// FinishJob ends a running job: succeeded with its audio at audioPath
// (relative to the data directory) when jobErr is nil, failed with jobErr's
// message otherwise. A job with a webhook URL has its delivery due at once.
// It returns ErrNotFound unless the job is running.
func (db *DB) FinishJob(ctx context.Context, id string, audioPath string, jobErr error) error {
	status, msg := JobSucceeded, ""
	if jobErr != nil {
		status, msg, audioPath = JobFailed, errorText(jobErr), ""
	} else if !filepath.IsLocal(audioPath) {
		return fmt.Errorf("%w: audio path %q is not a relative path inside the data directory", ErrInvalid, audioPath)
	}
	now := db.now().UnixMilli()
	return db.transition(ctx, "finishing", "running", id, `UPDATE jobs SET status = ?, audio_path = ?, error = ?, updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE ? END
WHERE id = ? AND status = 'running'`, status, audioPath, msg, now, now, now, id)
}

// RetryJob puts a running job whose attempt failed back in the queue, with
// the failure recorded. It returns ErrNotFound unless the job is running.
func (db *DB) RetryJob(ctx context.Context, id string, jobErr error) error {
	return db.transition(ctx, "retrying", "running", id, `UPDATE jobs SET status = 'queued', error = ?, updated_at = ?
WHERE id = ? AND status = 'running'`, errorText(jobErr), db.now().UnixMilli(), id)
}

// ReleaseJob puts a running job back in the queue without counting its
// attempt, for a job cut short by a shutdown rather than by its own failure.
// It returns ErrNotFound unless the job is running.
func (db *DB) ReleaseJob(ctx context.Context, id string) error {
	return db.transition(ctx, "releasing", "running", id, `UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), updated_at = ?
WHERE id = ? AND status = 'running'`, db.now().UnixMilli(), id)
}

// transition runs query, an UPDATE of job id that matches only while the job
// is in the state from, and reports ErrNotFound if it matched nothing.
func (db *DB) transition(ctx context.Context, what, from, id, query string, args ...any) error {
	res, err := db.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s job %q: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s job %q: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: no job %q that is %s", ErrNotFound, id, from)
	}
	return nil
}

// errInterrupted is the error recorded for a job whose last attempt a crash
// cut short.
var errInterrupted = errors.New("the server stopped during the job's last attempt")

// RequeueRunning recovers from a crash: jobs left running, which nothing runs
// any more, go back to the queue, except those that have already started
// maxAttempts attempts, which fail (with their webhook due), so a job that
// crashes the server cannot do so forever. It returns how many were queued
// again. Call it before starting workers, and from one process only.
func (db *DB) RequeueRunning(ctx context.Context, maxAttempts int) (int, error) {
	if maxAttempts < 1 {
		return 0, fmt.Errorf("%w: maxAttempts %d is less than 1", ErrInvalid, maxAttempts)
	}
	now := db.now().UnixMilli()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: requeueing jobs: %w", err)
	}
	defer tx.Rollback() // a no-op once committed
	if _, err := tx.ExecContext(ctx, failInterruptedQuery, errInterrupted.Error(), now, now, now, maxAttempts); err != nil {
		return 0, fmt.Errorf("store: requeueing jobs: %w", err)
	}
	res, err := tx.ExecContext(ctx, requeueInterruptedQuery, now)
	if err != nil {
		return 0, fmt.Errorf("store: requeueing jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: requeueing jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: requeueing jobs: %w", err)
	}
	return int(n), nil
}

// DueDeliveries returns up to limit jobs whose webhook is pending and due at
// now, the longest-waiting first.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Job, error) {
	rows, err := db.r.QueryContext(ctx, dueDeliveriesQuery, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing deliveries: %w", err)
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing deliveries: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing deliveries: %w", err)
	}
	return jobs, nil
}

// RecordDelivery counts one webhook POST for a job whose delivery is
// pending. ok means the receiver accepted it: the delivery is done. Otherwise
// errMsg is recorded and the delivery is due again at next, or, with giveUp,
// failed for good. It returns ErrNotFound unless the delivery is pending.
func (db *DB) RecordDelivery(ctx context.Context, id string, ok bool, errMsg string, next time.Time, giveUp bool) error {
	var (
		status  = DeliveryPending
		nextAt  any
		lastErr any // nil keeps the previous error
	)
	switch {
	case ok:
		status = DeliveryDelivered
	case giveUp:
		status, lastErr = DeliveryFailed, clip(errMsg, maxErrorLen)
	default:
		nextAt, lastErr = next.UnixMilli(), clip(errMsg, maxErrorLen)
	}
	return db.transition(ctx, "recording delivery of", "awaiting delivery", id, `UPDATE jobs SET delivery_attempts = delivery_attempts + 1, updated_at = ?,
delivery_status = ?, next_delivery_at = ?, last_delivery_error = COALESCE(?, last_delivery_error)
WHERE id = ? AND delivery_status = 'pending'`, db.now().UnixMilli(), status, nextAt, lastErr, id)
}

func scanJob(s scanner) (Job, error) {
	var (
		j                          Job
		request                    string
		created, updated           int64
		finished, nextDeliveryTime sql.NullInt64
	)
	err := s.Scan(&j.ID, &j.AccountID, &j.KeyID, &j.Status, &request, &j.Format, &j.WebhookURL, &j.AudioPath, &j.Error, &j.Attempts,
		&created, &updated, &finished, &j.DeliveryStatus, &j.DeliveryAttempts, &nextDeliveryTime, &j.LastDeliveryError)
	if err != nil {
		return Job{}, err
	}
	j.Request = []byte(request)
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.UpdatedAt = time.UnixMilli(updated).UTC()
	j.FinishedAt = optionalTime(finished)
	j.NextDeliveryAt = optionalTime(nextDeliveryTime)
	return j, nil
}
