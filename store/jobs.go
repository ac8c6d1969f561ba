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
	// layer; the store keeps it verbatim until the job finishes, and then
	// replaces it with {}: no attempt will need it again, and the text is
	// the client's, not ours to keep.
	Request    []byte
	Format     string // audio container, also the audio file's extension
	WebhookURL string // empty for none
	AudioPath  string // relative to the data directory; set once succeeded
	AudioBytes int64  // the size of the audio file; set once succeeded
	// Charged is the characters charged to KeyID's usage in ChargeMonth
	// when the job was created; a failed or deleted-before-success job is
	// refunded them, and then holds 0.
	Charged     int64
	ChargeMonth string
	Error       string // why the last attempt failed
	Attempts    int    // attempts started, the running one included
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  *time.Time // nil until succeeded or failed

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
created_at, updated_at, finished_at, delivery_status, delivery_attempts, next_delivery_at, last_delivery_error, audio_bytes,
charged, charge_month`

// purgedRequest replaces the request of a finished job.
const purgedRequest = `{}`

// JobLimits bound an account's jobs when one is created. A zero field is no
// limit.
type JobLimits struct {
	// MaxUnfinished is how many queued and running jobs an account may
	// have; CreateJob returns ErrQueueFull at that many.
	MaxUnfinished int
	// MaxAudioBytes is the audio of succeeded jobs an account may keep;
	// CreateJob returns ErrAudioCap once it holds that much, and
	// SucceedJob refuses a job that would take it past.
	MaxAudioBytes int64
}

// CreateJob queues j and returns it with its ID, status and times set. Only
// AccountID, KeyID, Request, Format, WebhookURL, Charged and ChargeMonth
// are taken from j; Charged characters are added to the key's usage in
// ChargeMonth (with one request) in the same transaction. It
// returns ErrNotFound unless KeyID is a key of AccountID, ErrInvalid for a
// request that is not JSON or a format that is not a plain lowercase word,
// and ErrQueueFull or ErrAudioCap when the account is at one of lim.
func (db *DB) CreateJob(ctx context.Context, j Job, lim JobLimits) (Job, error) {
	switch {
	case len(j.Request) > maxRequestLen || !json.Valid(j.Request):
		return Job{}, fmt.Errorf("%w: request must be JSON of at most %d bytes", ErrInvalid, maxRequestLen)
	case len(j.WebhookURL) > maxURLLen || !utf8.ValidString(j.WebhookURL):
		return Job{}, fmt.Errorf("%w: webhook URL must be valid UTF-8 of at most %d bytes", ErrInvalid, maxURLLen)
	}
	if err := checkFormat(j.Format); err != nil {
		return Job{}, err
	}
	if j.Charged < 0 {
		return Job{}, fmt.Errorf("%w: negative charge %d", ErrInvalid, j.Charged)
	}
	if j.Charged > 0 {
		if err := checkMonth(j.ChargeMonth); err != nil {
			return Job{}, err
		}
	} else {
		j.ChargeMonth = ""
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
		Charged:        j.Charged,
		ChargeMonth:    j.ChargeMonth,
		CreatedAt:      now,
		UpdatedAt:      now,
		DeliveryStatus: DeliveryNone,
	}
	// The limits are read and the job inserted in one transaction, which
	// SQLite serialises with every other writer, so concurrent submissions
	// cannot overshoot them. (PostgreSQL will need the account's row locked
	// first: SELECT ... FROM accounts WHERE id = ? FOR UPDATE.)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, fmt.Errorf("store: creating job: %w", err)
	}
	defer tx.Rollback() // a no-op once committed
	if lim.MaxUnfinished > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, unfinishedJobsQuery, j.AccountID, j.AccountID).Scan(&n); err != nil {
			return Job{}, fmt.Errorf("store: creating job: %w", err)
		}
		if n >= lim.MaxUnfinished {
			return Job{}, fmt.Errorf("%w: %d jobs queued or running, at most %d", ErrQueueFull, n, lim.MaxUnfinished)
		}
	}
	if lim.MaxAudioBytes > 0 {
		used, _, err := accountAudio(ctx, tx, j.AccountID)
		if err != nil {
			return Job{}, fmt.Errorf("store: creating job: %w", err)
		}
		if used >= lim.MaxAudioBytes {
			return Job{}, fmt.Errorf("%w: %d bytes stored, at most %d", ErrAudioCap, used, lim.MaxAudioBytes)
		}
	}
	// Selecting from api_keys makes a key of another account insert nothing,
	// which a foreign key alone would not catch.
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, account_id, key_id, status, request, format, webhook_url, created_at, updated_at, charged, charge_month)
SELECT ?, account_id, id, ?, ?, ?, ?, ?, ?, ?, ? FROM api_keys WHERE id = ? AND account_id = ?`,
		j.ID, j.Status, string(j.Request), j.Format, j.WebhookURL, now.UnixMilli(), now.UnixMilli(), j.Charged, j.ChargeMonth, j.KeyID, j.AccountID)
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
	if j.Charged > 0 {
		if _, err := tx.ExecContext(ctx, chargeQuery, j.ChargeMonth, j.Charged, 1, j.KeyID); err != nil {
			return Job{}, fmt.Errorf("store: charging job: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Job{}, fmt.Errorf("store: creating job: %w", err)
	}
	return j, nil
}

// AccountAudio reports how many bytes of audio the account's succeeded jobs
// hold, and when the oldest of them finished (nil if there is none).
func (db *DB) AccountAudio(ctx context.Context, accountID string) (bytes int64, oldest *time.Time, err error) {
	bytes, oldest, err = accountAudio(ctx, db.r, accountID)
	if err != nil {
		return 0, nil, fmt.Errorf("store: reading account audio: %w", err)
	}
	return bytes, oldest, nil
}

func accountAudio(ctx context.Context, q queryRower, accountID string) (int64, *time.Time, error) {
	var (
		bytes  int64
		oldest sql.NullInt64
	)
	if err := q.QueryRowContext(ctx, accountAudioQuery, accountID).Scan(&bytes, &oldest); err != nil {
		return 0, nil, err
	}
	return bytes, optionalTime(oldest), nil
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
	// claimJobQuery takes the oldest queued job of the account with the
	// fewest running jobs, so that another account's backlog makes a job
	// wait only for the next worker to come free. It steps from one
	// account with queued jobs to the next along jobs_queued_account,
	// rather than read the whole queue, so its cost grows with the number
	// of accounts waiting, not with their backlogs. The outer status test keeps a
	// claimer from taking a job another claimer moved first, where the
	// database does not serialise writers (PostgreSQL, which will also want
	// the job's row locked with FOR UPDATE SKIP LOCKED).
	claimJobQuery = `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?
WHERE status = 'queued' AND id = (
WITH RECURSIVE waiting (account_id) AS (
SELECT MIN(account_id) FROM jobs WHERE status = 'queued'
UNION ALL
SELECT (SELECT MIN(j.account_id) FROM jobs AS j WHERE j.status = 'queued' AND j.account_id > w.account_id)
FROM waiting AS w WHERE w.account_id IS NOT NULL
), head (id, running) AS (
SELECT (SELECT j.id FROM jobs AS j WHERE j.status = 'queued' AND j.account_id = w.account_id ORDER BY j.created_at, j.id LIMIT 1),
(SELECT count(*) FROM jobs AS r WHERE r.status = 'running' AND r.account_id = w.account_id)
FROM waiting AS w WHERE w.account_id IS NOT NULL
)
SELECT q.id FROM head JOIN jobs AS q ON q.id = head.id ORDER BY head.running, q.created_at, q.id LIMIT 1)
RETURNING ` + jobColumns
	failInterruptedQuery = `UPDATE jobs SET status = 'failed', error = ?, request = '` + purgedRequest + `', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE ? END
WHERE status = 'running' AND attempts >= ?`
	requeueInterruptedQuery = `UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'`
	// dueDeliveriesQuery ranks each account's due webhooks and lists every
	// account's first before any account's second, so that an account with
	// many (whose receiver hangs, say) cannot fill the list.
	dueDeliveriesQuery = `SELECT ` + jobColumns + ` FROM (
SELECT ` + jobColumns + `, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY next_delivery_at, id) AS account_rank
FROM jobs WHERE delivery_status = 'pending' AND next_delivery_at <= ?) AS due
WHERE account_rank <= ? ORDER BY account_rank, next_delivery_at, id LIMIT ?`
	unfinishedJobsQuery = `SELECT (SELECT count(*) FROM jobs WHERE status = 'queued' AND account_id = ?) +
(SELECT count(*) FROM jobs WHERE status = 'running' AND account_id = ?)`
	accountAudioQuery = `SELECT COALESCE(SUM(audio_bytes), 0), MIN(finished_at) FROM jobs WHERE audio_bytes > 0 AND account_id = ?`
	// expireJobsQuery deletes finished jobs whose webhook is no longer
	// waiting to be sent, oldest first.
	expireJobsQuery = `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
WHERE finished_at < ? AND delivery_status <> 'pending' ORDER BY finished_at LIMIT ?)
RETURNING ` + jobColumns
)

// ClaimJob moves a queued job to running and counts the attempt, in one
// statement, so two claimers never get the same job: the oldest job of the
// account with the fewest running jobs. It reports false when the queue is
// empty.
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

// SucceedJob ends a running job as succeeded, with its audio, audioBytes
// long, at audioPath (relative to the data directory). A job with a webhook
// URL has its delivery due at once. It returns ErrNotFound unless the job is
// running, and ErrAudioCap, leaving the job running, if its audio would take
// the account's stored audio past audioCap (0: no cap).
func (db *DB) SucceedJob(ctx context.Context, id string, audioPath string, audioBytes, audioCap int64) error {
	if !filepath.IsLocal(audioPath) {
		return fmt.Errorf("%w: audio path %q is not a relative path inside the data directory", ErrInvalid, audioPath)
	}
	if audioBytes < 0 {
		return fmt.Errorf("%w: audio size %d", ErrInvalid, audioBytes)
	}
	// Summing and recording in one transaction makes the cap hold however
	// many workers finish at once. (PostgreSQL: lock the account's row
	// first, as in CreateJob.)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: finishing job %q: %w", id, err)
	}
	defer tx.Rollback() // a no-op once committed
	if audioCap > 0 {
		var account string
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM jobs WHERE id = ? AND status = 'running'`, id).Scan(&account)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no job %q that is running", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("store: finishing job %q: %w", id, err)
		}
		used, _, err := accountAudio(ctx, tx, account)
		if err != nil {
			return fmt.Errorf("store: finishing job %q: %w", id, err)
		}
		if used+audioBytes > audioCap {
			return fmt.Errorf("%w: %d bytes stored and %d more, at most %d", ErrAudioCap, used, audioBytes, audioCap)
		}
	}
	now := db.now().UnixMilli()
	if err := transition(ctx, tx, "finishing", "running", id, `UPDATE jobs SET status = 'succeeded', audio_path = ?, audio_bytes = ?, error = '',
request = '`+purgedRequest+`', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE ? END
WHERE id = ? AND status = 'running'`, audioPath, audioBytes, now, now, now, id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: finishing job %q: %w", id, err)
	}
	return nil
}

// FailJob ends a running job as failed with jobErr's message, and refunds
// what the job was charged. A job with a webhook URL has its delivery due
// at once. It returns ErrNotFound unless the job is running.
func (db *DB) FailJob(ctx context.Context, id string, jobErr error) error {
	now := db.now().UnixMilli()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: failing job %q: %w", id, err)
	}
	defer tx.Rollback() // a no-op once committed
	if err := refundJobs(ctx, tx, `id = ? AND status = 'running'`, id); err != nil {
		return err
	}
	if err := transition(ctx, tx, "failing", "running", id, `UPDATE jobs SET status = 'failed', audio_path = '', audio_bytes = 0, error = ?,
request = '`+purgedRequest+`', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE ? END
WHERE id = ? AND status = 'running'`, errorText(jobErr), now, now, now, id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: failing job %q: %w", id, err)
	}
	return nil
}

// refundJobs gives back to their keys' usage what the jobs matching where
// (a condition on the jobs table, with args) were charged, and sets their
// charge to 0. Usage never goes below 0.
func refundJobs(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	rows, err := tx.QueryContext(ctx, `SELECT key_id, charge_month, SUM(charged) FROM jobs WHERE charged > 0 AND `+where+`
GROUP BY key_id, charge_month`, args...)
	if err != nil {
		return fmt.Errorf("store: refunding jobs: %w", err)
	}
	type refund struct {
		key, month string
		chars      int64
	}
	var refunds []refund
	for rows.Next() {
		var r refund
		if err := rows.Scan(&r.key, &r.month, &r.chars); err != nil {
			rows.Close()
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
		refunds = append(refunds, r)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: refunding jobs: %w", err)
	}
	for _, r := range refunds {
		if _, err := tx.ExecContext(ctx, `UPDATE usage SET characters = CASE WHEN characters > ? THEN characters - ? ELSE 0 END
WHERE key_id = ? AND month = ?`, r.chars, r.chars, r.key, r.month); err != nil {
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
	}
	if len(refunds) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET charged = 0 WHERE charged > 0 AND `+where, args...); err != nil {
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
	}
	return nil
}

// RetryJob puts a running job whose attempt failed back in the queue, with
// the failure recorded. It returns ErrNotFound unless the job is running.
func (db *DB) RetryJob(ctx context.Context, id string, jobErr error) error {
	return transition(ctx, db.w, "retrying", "running", id, `UPDATE jobs SET status = 'queued', error = ?, updated_at = ?
WHERE id = ? AND status = 'running'`, errorText(jobErr), db.now().UnixMilli(), id)
}

// ReleaseJob puts a running job back in the queue without counting its
// attempt, for a job cut short by a shutdown rather than by its own failure.
// It returns ErrNotFound unless the job is running.
func (db *DB) ReleaseJob(ctx context.Context, id string) error {
	return transition(ctx, db.w, "releasing", "running", id, `UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), updated_at = ?
WHERE id = ? AND status = 'running'`, db.now().UnixMilli(), id)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// transition runs query, an UPDATE of job id that matches only while the job
// is in the state from, and reports ErrNotFound if it matched nothing.
func transition(ctx context.Context, e execer, what, from, id, query string, args ...any) error {
	res, err := e.ExecContext(ctx, query, args...)
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
	if err := refundJobs(ctx, tx, `status = 'running' AND attempts >= ?`, maxAttempts); err != nil {
		return 0, err
	}
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
// now, at most perAccount of each account: every account's longest-waiting
// first, then every account's second, and so on.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, perAccount, limit int) ([]Job, error) {
	jobs, err := queryJobs(ctx, db.r, dueDeliveriesQuery, now.UnixMilli(), perAccount, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing deliveries: %w", err)
	}
	return jobs, nil
}

// DeleteJob deletes the account's job with the given id, in any state, and
// returns it as it was; a job deleted before it succeeded is refunded what
// it was charged. The caller removes its audio file. A job of another
// account is ErrNotFound, as if it did not exist.
func (db *DB) DeleteJob(ctx context.Context, accountID, id string) (Job, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, fmt.Errorf("store: deleting job: %w", err)
	}
	defer tx.Rollback() // a no-op once committed
	if err := refundJobs(ctx, tx, `id = ? AND account_id = ? AND status <> 'succeeded'`, id, accountID); err != nil {
		return Job{}, err
	}
	j, err := scanJob(tx.QueryRowContext(ctx, `DELETE FROM jobs WHERE id = ? AND account_id = ? RETURNING `+jobColumns, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("%w: job %q", ErrNotFound, id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("store: deleting job: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Job{}, fmt.Errorf("store: deleting job: %w", err)
	}
	return j, nil
}

// ExpireJobs deletes up to limit jobs that finished before the given time
// and whose webhook is not waiting to be sent, oldest first, and returns
// them. The caller removes their audio files, and calls again while it gets
// limit jobs back.
func (db *DB) ExpireJobs(ctx context.Context, finishedBefore time.Time, limit int) ([]Job, error) {
	jobs, err := queryJobs(ctx, db.w, expireJobsQuery, finishedBefore.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: expiring jobs: %w", err)
	}
	return jobs, nil
}

// JobExists reports whether a job with the given id exists, in any account.
func (db *DB) JobExists(ctx context.Context, id string) (bool, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("store: looking up job: %w", err)
	}
	return n > 0, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryJobs(ctx context.Context, q querier, query string, args ...any) ([]Job, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
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
	return transition(ctx, db.w, "recording delivery of", "awaiting delivery", id, `UPDATE jobs SET delivery_attempts = delivery_attempts + 1, updated_at = ?,
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
		&created, &updated, &finished, &j.DeliveryStatus, &j.DeliveryAttempts, &nextDeliveryTime, &j.LastDeliveryError, &j.AudioBytes,
		&j.Charged, &j.ChargeMonth)
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
