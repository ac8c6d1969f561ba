package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
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
	Format     string // audio container: wav, mp3, ...
	WebhookURL string // empty for none
	// AudioPath is where Parley kept a succeeded job's audio, relative to
	// the data directory, before the audio moved into the store (schema
	// version 7); the jobs package moves such files in and clears it.
	AudioPath  string
	AudioBytes int64 // the size of the audio; set once succeeded
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

	// LeaseOwner is the node running the job, and LeaseUntil when its
	// claim lapses unless renewed (RenewLeases): a job running past its
	// lease is taken back (RequeueExpired) and run again elsewhere. Only
	// the claim that set them (the owner and the attempt) can record the
	// job's outcome. Empty and nil unless running.
	LeaseOwner string
	LeaseUntil *time.Time
	// DeliveryLeaseOwner and DeliveryLeaseUntil are the same for the
	// webhook: the node sending it (ClaimDeliveries), until when.
	DeliveryLeaseOwner string
	DeliveryLeaseUntil *time.Time
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

// checkFormat admits lowercase letters and digits only: the format names a
// codec, and was once a file name's extension.
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
charged, charge_month, lease_owner, lease_until, delivery_lease_owner, delivery_lease_until`

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
	// The limits are read and the job inserted in one transaction. SQLite
	// serialises it with every other writer; PostgreSQL needs the
	// account's row locked first, so that concurrent submissions of one
	// account, on any node, count one after another and cannot overshoot
	// the limits. (SucceedJob takes the same lock for the audio cap.)
	err := db.inTx(ctx, func(tx *txn) error {
		if err := lockAccount(ctx, tx, j.AccountID); err != nil {
			return err
		}
		if lim.MaxUnfinished > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, unfinishedJobsQuery, j.AccountID, j.AccountID).Scan(&n); err != nil {
				return fmt.Errorf("store: creating job: %w", err)
			}
			if n >= lim.MaxUnfinished {
				return fmt.Errorf("%w: %d jobs queued or running, at most %d", ErrQueueFull, n, lim.MaxUnfinished)
			}
		}
		if lim.MaxAudioBytes > 0 {
			used, _, err := accountAudio(ctx, tx, j.AccountID)
			if err != nil {
				return fmt.Errorf("store: creating job: %w", err)
			}
			if used >= lim.MaxAudioBytes {
				return fmt.Errorf("%w: %d bytes stored, at most %d", ErrAudioCap, used, lim.MaxAudioBytes)
			}
		}
		// Selecting from api_keys makes a key of another account insert
		// nothing, which a foreign key alone would not catch.
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, account_id, key_id, status, request, format, webhook_url, created_at, updated_at, charged, charge_month)
SELECT ?, account_id, id, ?, ?, ?, ?, ?, ?, ?, ? FROM api_keys WHERE id = ? AND account_id = ?`,
			j.ID, j.Status, string(j.Request), j.Format, j.WebhookURL, now.UnixMilli(), now.UnixMilli(), j.Charged, j.ChargeMonth, j.KeyID, j.AccountID)
		if err != nil {
			return fmt.Errorf("store: creating job: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: creating job: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("%w: key %q of account %q", ErrNotFound, j.KeyID, j.AccountID)
		}
		if j.Charged > 0 {
			if _, err := tx.ExecContext(ctx, chargeQuery, j.ChargeMonth, j.Charged, 1, j.KeyID); err != nil {
				return fmt.Errorf("store: charging job: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	return j, nil
}

// lockAccount locks the account's row until tx ends (PostgreSQL; SQLite's
// write transactions hold the whole database), or reports ErrNotFound.
func lockAccount(ctx context.Context, tx *txn, accountID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`+tx.b.forUpdate(), accountID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: account %q", ErrNotFound, accountID)
	}
	if err != nil {
		return fmt.Errorf("store: locking account: %w", err)
	}
	return nil
}

// underAccountLimit locks the account's row (lockAccount) and checks
// that it holds fewer than limit rows of table, or reports errLimit; count
// errors say op. The count and the insert that follows share tx, so that
// concurrent creates for one account, on any node, count one after
// another.
func underAccountLimit(ctx context.Context, tx *txn, table, accountID string, limit int, errLimit error, op string) error {
	if err := lockAccount(ctx, tx, accountID); err != nil {
		return err
	}
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE account_id = ?`, accountID).Scan(&count); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if count >= limit {
		return fmt.Errorf("%w: the account has %d of %d", errLimit, count, limit)
	}
	return nil
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
	// of accounts waiting, not with their backlogs. The outer status test
	// keeps a claimer from taking a job another claimer moved first.
	claimJobQuery = `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?, lease_owner = ?, lease_until = ?
WHERE status = 'queued' AND id = (` + claimCandidates + `)
RETURNING ` + jobColumns
	claimCandidates = `WITH RECURSIVE waiting (account_id) AS (
SELECT MIN(account_id) FROM jobs WHERE status = 'queued'
UNION ALL
SELECT (SELECT MIN(j.account_id) FROM jobs AS j WHERE j.status = 'queued' AND j.account_id > w.account_id)
FROM waiting AS w WHERE w.account_id IS NOT NULL
), head (id, running) AS (
SELECT (SELECT j.id FROM jobs AS j WHERE j.status = 'queued' AND j.account_id = w.account_id ORDER BY j.created_at, j.id LIMIT 1),
(SELECT count(*) FROM jobs AS r WHERE r.status = 'running' AND r.account_id = w.account_id)
FROM waiting AS w WHERE w.account_id IS NOT NULL
)
SELECT q.id FROM head JOIN jobs AS q ON q.id = head.id WHERE q.status = 'queued' ORDER BY head.running, q.created_at, q.id LIMIT 1`
	// claimJobQueryPostgres is claimJobQuery for PostgreSQL, where claims
	// on several nodes run at once: the candidate's row is locked, and a
	// head another claimer holds is skipped for the next account's rather
	// than waited for. A row that another claimer took in the meantime
	// fails the status test when locked (READ COMMITTED re-reads it) and
	// the next candidate comes up instead. So each job goes to exactly one
	// claimer, and no claimer waits on another.
	claimJobQueryPostgres = `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?, lease_owner = ?, lease_until = ?
WHERE status = 'queued' AND id = (` + claimCandidates + ` FOR UPDATE OF q SKIP LOCKED)
RETURNING ` + jobColumns
	// interruptedCondition, with the time now, picks the running jobs
	// whose lease has lapsed: their node stopped renewing it (it died, or
	// lost the database for longer than the lease). A lease of NULL is a
	// job claimed before leases existed.
	interruptedCondition = `status = 'running' AND (lease_until IS NULL OR lease_until <= ?)`
	failInterruptedQuery = `UPDATE jobs SET status = 'failed', error = ?, request = '` + purgedRequest + `', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE CAST(? AS BIGINT) END, lease_owner = '', lease_until = NULL
WHERE ` + interruptedCondition + ` AND attempts >= ?`
	requeueInterruptedQuery = `UPDATE jobs SET status = 'queued', updated_at = ?, lease_owner = '', lease_until = NULL WHERE ` + interruptedCondition
	// claimDeliveriesQuery leases due webhooks that no node is sending.
	// It ranks each account's and lists every account's first before any
	// account's second, so that an account with many (whose receiver
	// hangs, say) cannot fill the list. The lease test is made again on
	// the row being updated: with PostgreSQL, a node that meets a row
	// another has just leased re-reads it, finds the lease, and leaves it.
	claimDeliveriesQuery = `UPDATE jobs SET delivery_lease_owner = ?, delivery_lease_until = ?
WHERE delivery_status = 'pending' AND (delivery_lease_until IS NULL OR delivery_lease_until <= ?) AND id IN (
SELECT id FROM (
SELECT id, next_delivery_at, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY next_delivery_at, id) AS account_rank
FROM jobs WHERE delivery_status = 'pending' AND next_delivery_at <= ? AND (delivery_lease_until IS NULL OR delivery_lease_until <= ?)) AS due
WHERE account_rank <= ? ORDER BY account_rank, next_delivery_at, id LIMIT ?)
RETURNING ` + jobColumns
	unfinishedJobsQuery = `SELECT (SELECT count(*) FROM jobs WHERE status = 'queued' AND account_id = ?) +
(SELECT count(*) FROM jobs WHERE status = 'running' AND account_id = ?)`
	accountAudioQuery = `SELECT COALESCE(SUM(audio_bytes), 0), MIN(finished_at) FROM jobs WHERE audio_bytes > 0 AND account_id = ?`
	// expireJobsQuery deletes finished jobs whose webhook is no longer
	// waiting to be sent, oldest first; their audio goes with them (ON
	// DELETE CASCADE).
	expireJobsQuery = `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
WHERE finished_at < ? AND delivery_status <> 'pending' ORDER BY finished_at LIMIT ?)
RETURNING ` + jobColumns
)

// ClaimJob moves a queued job to running for owner (a node), leased for
// lease, and counts the attempt, in one statement, so two claimers, on one
// node or several, never get the same job: the oldest job of the account
// with the fewest running jobs. It reports false when there is no job to
// take.
func (db *DB) ClaimJob(ctx context.Context, owner string, lease time.Duration) (Job, bool, error) {
	if owner == "" || lease <= 0 {
		return Job{}, false, fmt.Errorf("%w: a claim needs an owner and a lease", ErrInvalid)
	}
	q := claimJobQuery
	if db.b == postgresBackend {
		q = claimJobQueryPostgres
	}
	now := db.now()
	j, err := scanJob(db.w.QueryRowContext(ctx, q, now.UnixMilli(), owner, now.Add(lease).UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("store: claiming job: %w", err)
	}
	return j, true, nil
}

// RenewLeases extends, to lease from now, the leases that owner holds on
// running jobs and on webhooks being sent, and returns the ids of the jobs
// whose run it still holds: a running job missing from them was taken back
// after its lease lapsed, and its attempt should stop.
func (db *DB) RenewLeases(ctx context.Context, owner string, lease time.Duration) (running []string, err error) {
	until := db.now().Add(lease).UnixMilli()
	err = db.inTx(ctx, func(tx *txn) error {
		running = running[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE jobs SET lease_until = ? WHERE lease_owner = ? AND status = 'running' RETURNING id`, until, owner)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			running = append(running, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET delivery_lease_until = ? WHERE delivery_lease_owner = ? AND delivery_status = 'pending'`, until, owner)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: renewing leases: %w", err)
	}
	return running, nil
}

// claimedBy is the condition that fences a job's outcome to the claim that
// ran it: the job is still running, under the same owner, in the same
// attempt. A node whose lease lapsed while it ran finds the job taken back
// (or run again by another) and records nothing.
const claimedBy = `id = ? AND status = 'running' AND lease_owner = ? AND attempts = ?`

// audioChunk is the size of the rows job audio is stored in: small enough
// that reading one holds little memory and a connection briefly, large
// enough that a long job's audio is a handful of rows.
const audioChunk = 1 << 20

// SucceedJob ends the job, as claimed (its ID, LeaseOwner and Attempts), as
// succeeded with audio, which is stored with it in the same transaction. A
// job with a webhook URL has its delivery due at once. It returns
// ErrNotFound unless the job is still running under that claim, and
// ErrAudioCap, leaving the job running, if its audio would take the
// account's stored audio past audioCap (0: no cap).
func (db *DB) SucceedJob(ctx context.Context, j Job, audio []byte, audioCap int64) error {
	// Summing and recording in one transaction, with the account's row
	// locked on PostgreSQL (as in CreateJob), makes the cap hold however
	// many workers, on however many nodes, finish at once.
	err := db.inTx(ctx, func(tx *txn) error {
		var account string
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM jobs WHERE `+claimedBy, j.ID, j.LeaseOwner, j.Attempts).Scan(&account)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no job %q that is running under this claim", ErrNotFound, j.ID)
		}
		if err != nil {
			return fmt.Errorf("store: finishing job %q: %w", j.ID, err)
		}
		if err := lockAccount(ctx, tx, account); err != nil {
			return err
		}
		if audioCap > 0 {
			used, _, err := accountAudio(ctx, tx, account)
			if err != nil {
				return fmt.Errorf("store: finishing job %q: %w", j.ID, err)
			}
			if used+int64(len(audio)) > audioCap {
				return fmt.Errorf("%w: %d bytes stored and %d more, at most %d", ErrAudioCap, used, len(audio), audioCap)
			}
		}
		now := db.now().UnixMilli()
		// The claim is tested again by the UPDATE: on PostgreSQL it locks
		// the row, so a reaper or a delete that came between the SELECT
		// and here is seen.
		if err := transition(ctx, tx, "finishing", "running under this claim", j.ID, `UPDATE jobs SET status = 'succeeded', audio_path = '', audio_bytes = ?, error = '',
request = '`+purgedRequest+`', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE CAST(? AS BIGINT) END, lease_owner = '', lease_until = NULL
WHERE `+claimedBy, len(audio), now, now, now, j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return insertAudio(ctx, tx, j.ID, audio)
	})
	return err
}

// insertAudio stores audio as job id's, in audioChunk rows.
func insertAudio(ctx context.Context, tx *txn, id string, audio []byte) error {
	for seq := 0; seq == 0 || seq*audioChunk < len(audio); seq++ {
		// Never nil: empty audio is one empty chunk, not NULL.
		chunk := append([]byte{}, audio[seq*audioChunk:min((seq+1)*audioChunk, len(audio))]...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_audio (job_id, seq, data) VALUES (?, ?, ?)`, id, seq, chunk); err != nil {
			return fmt.Errorf("store: storing audio of job %q: %w", id, err)
		}
	}
	return nil
}

// WriteJobAudio writes the audio of job id to w, a row at a time, and
// returns how many bytes it wrote. Each row is read by a statement of its
// own, so a slow reader holds neither a connection nor a snapshot; a job
// deleted halfway ends the audio short with ErrNotFound. A job without
// audio (not succeeded) is ErrNotFound.
func (db *DB) WriteJobAudio(ctx context.Context, id string, w io.Writer) (int64, error) {
	var n int64
	for seq := 0; ; seq++ {
		var data []byte
		err := db.r.QueryRowContext(ctx, `SELECT data FROM job_audio WHERE job_id = ? AND seq = ?`, id, seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			if seq == 0 {
				return 0, fmt.Errorf("%w: no audio for job %q", ErrNotFound, id)
			}
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("store: reading audio of job %q: %w", id, err)
		}
		m, err := w.Write(data)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
}

// LegacyAudioJobs returns up to limit succeeded jobs whose audio is still a
// file under the data directory (AudioPath), from before the audio moved
// into the store.
func (db *DB) LegacyAudioJobs(ctx context.Context, limit int) ([]Job, error) {
	jobs, err := queryJobs(ctx, db.r, `SELECT `+jobColumns+` FROM jobs WHERE audio_path <> '' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing jobs with audio files: %w", err)
	}
	return jobs, nil
}

// AdoptJobAudio stores audio, read from the file at the job's AudioPath, as
// the job's, and clears AudioPath, in one transaction: the caller removes
// the file afterwards. audioBytes becomes the audio's size. It returns
// ErrNotFound unless the job has an AudioPath.
func (db *DB) AdoptJobAudio(ctx context.Context, id string, audio []byte) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := transition(ctx, tx, "adopting audio of", "holding an audio file", id,
			`UPDATE jobs SET audio_path = '', audio_bytes = ? WHERE id = ? AND audio_path <> ''`, len(audio), id); err != nil {
			return err
		}
		return insertAudio(ctx, tx, id, audio)
	})
}

// FailJob ends the job, as claimed, as failed with jobErr's message, and
// refunds what the job was charged. A job with a webhook URL has its
// delivery due at once. It returns ErrNotFound unless the job is still
// running under that claim.
func (db *DB) FailJob(ctx context.Context, j Job, jobErr error) error {
	now := db.now().UnixMilli()
	return db.inTx(ctx, func(tx *txn) error {
		if err := refundJobs(ctx, tx, claimedBy, j.ID, j.LeaseOwner, j.Attempts); err != nil {
			return err
		}
		return transition(ctx, tx, "failing", "running under this claim", j.ID, `UPDATE jobs SET status = 'failed', audio_path = '', audio_bytes = 0, error = ?,
request = '`+purgedRequest+`', updated_at = ?, finished_at = ?,
delivery_status = CASE WHEN webhook_url = '' THEN 'none' ELSE 'pending' END,
next_delivery_at = CASE WHEN webhook_url = '' THEN NULL ELSE CAST(? AS BIGINT) END, lease_owner = '', lease_until = NULL
WHERE `+claimedBy, errorText(jobErr), now, now, now, j.ID, j.LeaseOwner, j.Attempts)
	})
}

// refundJobs gives back to their keys' usage what the jobs matching where
// (a condition on the jobs table, with args) were charged, and sets their
// charge to 0. Usage never goes below 0. On PostgreSQL the jobs' rows are
// locked as they are read, and the condition is checked again on rows
// that a concurrent transaction changed meanwhile, so that two
// transactions ending the same job (a worker failing it, its owner deleting
// it) cannot both refund it: the second finds it no longer matching.
func refundJobs(ctx context.Context, tx *txn, where string, args ...any) error {
	rows, err := tx.QueryContext(ctx, `SELECT key_id, charge_month, charged FROM jobs WHERE charged > 0 AND `+where+tx.b.forUpdate(), args...)
	if err != nil {
		return fmt.Errorf("store: refunding jobs: %w", err)
	}
	type month struct{ key, month string }
	refunds := map[month]int64{}
	var order []month
	for rows.Next() {
		var (
			m     month
			chars int64
		)
		if err := rows.Scan(&m.key, &m.month, &chars); err != nil {
			rows.Close()
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
		if _, ok := refunds[m]; !ok {
			order = append(order, m)
		}
		refunds[m] += chars
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: refunding jobs: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: refunding jobs: %w", err)
	}
	// Usage rows are updated in one order (key, month) in every
	// transaction, so two refunds of several keys cannot deadlock on them.
	slices.SortFunc(order, func(a, b month) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.month, b.month)) })
	for _, m := range order {
		chars := refunds[m]
		if _, err := tx.ExecContext(ctx, `UPDATE usage SET characters = CASE WHEN characters > ? THEN characters - ? ELSE 0 END
WHERE key_id = ? AND month = ?`, chars, chars, m.key, m.month); err != nil {
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
	}
	if len(order) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET charged = 0 WHERE charged > 0 AND `+where, args...); err != nil {
			return fmt.Errorf("store: refunding jobs: %w", err)
		}
	}
	return nil
}

// RetryJob puts the job, as claimed, whose attempt failed back in the
// queue, with the failure recorded. It returns ErrNotFound unless the job
// is still running under that claim.
func (db *DB) RetryJob(ctx context.Context, j Job, jobErr error) error {
	return transition(ctx, db.w, "retrying", "running under this claim", j.ID, `UPDATE jobs SET status = 'queued', error = ?, updated_at = ?, lease_owner = '', lease_until = NULL
WHERE `+claimedBy, errorText(jobErr), db.now().UnixMilli(), j.ID, j.LeaseOwner, j.Attempts)
}

// ReleaseJob puts the job, as claimed, back in the queue without counting
// its attempt, for a job cut short by a shutdown rather than by its own
// failure. It returns ErrNotFound unless the job is still running under
// that claim.
func (db *DB) ReleaseJob(ctx context.Context, j Job) error {
	return transition(ctx, db.w, "releasing", "running under this claim", j.ID, `UPDATE jobs SET status = 'queued',
attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ?, lease_owner = '', lease_until = NULL
WHERE `+claimedBy, db.now().UnixMilli(), j.ID, j.LeaseOwner, j.Attempts)
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

// RequeueRunning recovers a single-process store from a crash: every job
// left running, which nothing runs any more, goes back to the queue, except
// those that have already started maxAttempts attempts, which fail (with
// their webhook due), so a job that crashes the server cannot do so
// forever. It returns how many were queued again. Call it before starting
// workers, and only where one process runs jobs (SQLite): on a shared store
// the other nodes' running jobs are alive, and RequeueExpired is the
// recovery.
func (db *DB) RequeueRunning(ctx context.Context, maxAttempts int) (int, error) {
	// Every lease counts as lapsed: "lapsed before the end of time".
	return db.requeue(ctx, maxAttempts, int64(math.MaxInt64))
}

// RequeueExpired recovers the jobs of nodes that stopped: running jobs
// whose lease has lapsed go back to the queue, or fail past maxAttempts, as
// in RequeueRunning. Every node may call it at any time; a job is requeued
// once however many call it at once.
func (db *DB) RequeueExpired(ctx context.Context, maxAttempts int) (int, error) {
	return db.requeue(ctx, maxAttempts, db.now().UnixMilli())
}

func (db *DB) requeue(ctx context.Context, maxAttempts int, lapsedBy int64) (int, error) {
	if maxAttempts < 1 {
		return 0, fmt.Errorf("%w: maxAttempts %d is less than 1", ErrInvalid, maxAttempts)
	}
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		now := db.now().UnixMilli()
		if err := refundJobs(ctx, tx, interruptedCondition+` AND attempts >= ?`, lapsedBy, maxAttempts); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, failInterruptedQuery, errInterrupted.Error(), now, now, now, lapsedBy, maxAttempts); err != nil {
			return fmt.Errorf("store: requeueing jobs: %w", err)
		}
		res, err := tx.ExecContext(ctx, requeueInterruptedQuery, now, lapsedBy)
		if err != nil {
			return fmt.Errorf("store: requeueing jobs: %w", err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: requeueing jobs: %w", err)
		}
		return nil
	})
	return int(n), err
}

// ClaimDeliveries leases to owner, for lease, up to limit webhooks that are
// pending, due, and not being sent by anyone (their lease lapsed or never
// existed), at most perAccount of each account: every account's
// longest-waiting first, then every account's second, and so on, in that
// order. A node records each with RecordDelivery.
func (db *DB) ClaimDeliveries(ctx context.Context, owner string, lease time.Duration, perAccount, limit int) ([]Job, error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("%w: a claim needs an owner and a lease", ErrInvalid)
	}
	now := db.now()
	ms := now.UnixMilli()
	jobs, err := queryJobs(ctx, db.w, claimDeliveriesQuery, owner, now.Add(lease).UnixMilli(), ms, ms, ms, perAccount, limit)
	if err != nil {
		return nil, fmt.Errorf("store: claiming deliveries: %w", err)
	}
	// RETURNING keeps no order: rank them again, each account's earliest
	// first, then by when they are due.
	slices.SortFunc(jobs, func(a, b Job) int {
		return cmp.Or(a.NextDeliveryAt.Compare(*b.NextDeliveryAt), cmp.Compare(a.ID, b.ID))
	})
	rank := make(map[string]int, len(jobs))
	ranks := make([]int, len(jobs))
	for i, j := range jobs {
		rank[j.AccountID]++
		ranks[i] = rank[j.AccountID]
	}
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ranks[a], ranks[b]) })
	ranked := make([]Job, len(jobs))
	for i, k := range order {
		ranked[i] = jobs[k]
	}
	return ranked, nil
}

// DeleteJob deletes the account's job with the given id, in any state, with
// its audio, and returns it as it was; a job deleted before it succeeded is
// refunded what it was charged. A job of another account is ErrNotFound, as
// if it did not exist.
func (db *DB) DeleteJob(ctx context.Context, accountID, id string) (Job, error) {
	var j Job
	err := db.inTx(ctx, func(tx *txn) error {
		if err := refundJobs(ctx, tx, `id = ? AND account_id = ? AND status <> 'succeeded'`, id, accountID); err != nil {
			return err
		}
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, `DELETE FROM jobs WHERE id = ? AND account_id = ? RETURNING `+jobColumns, id, accountID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: job %q", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("store: deleting job: %w", err)
		}
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	return j, nil
}

// ExpireJobs deletes up to limit jobs that finished before the given time
// and whose webhook is not waiting to be sent, oldest first, with their
// audio, and returns them. The caller calls again while it gets limit jobs
// back. Nodes sweeping at once delete each job once.
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

func queryJobs(ctx context.Context, q querier, query string, args ...any) ([]Job, error) {
	return queryAll(ctx, q, scanJob, query, args...)
}

// RecordDelivery counts one webhook POST of the job, as ClaimDeliveries
// returned it, and gives up its lease. ok means the receiver accepted it:
// the delivery is done. Otherwise errMsg is recorded and the delivery is due
// again at next, or, with giveUp, failed for good. It returns ErrNotFound
// unless the delivery is pending and still leased under that claim (its
// owner, and no POST recorded since).
func (db *DB) RecordDelivery(ctx context.Context, j Job, ok bool, errMsg string, next time.Time, giveUp bool) error {
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
	return transition(ctx, db.w, "recording delivery of", "awaiting delivery under this claim", j.ID, `UPDATE jobs SET delivery_attempts = delivery_attempts + 1, updated_at = ?,
delivery_status = ?, next_delivery_at = ?, last_delivery_error = COALESCE(?, last_delivery_error),
delivery_lease_owner = '', delivery_lease_until = NULL
WHERE id = ? AND delivery_status = 'pending' AND delivery_lease_owner = ? AND delivery_attempts = ?`,
		db.now().UnixMilli(), status, nextAt, lastErr, j.ID, j.DeliveryLeaseOwner, j.DeliveryAttempts)
}

// ReleaseDelivery gives back the lease on a webhook, as ClaimDeliveries
// returned it, that its node will not send after all, so that any node may
// take it at once. It returns ErrNotFound unless the lease is still that
// claim's.
func (db *DB) ReleaseDelivery(ctx context.Context, j Job) error {
	return transition(ctx, db.w, "giving back delivery of", "leased under this claim", j.ID, `UPDATE jobs SET delivery_lease_owner = '', delivery_lease_until = NULL
WHERE id = ? AND delivery_status = 'pending' AND delivery_lease_owner = ? AND delivery_attempts = ?`, j.ID, j.DeliveryLeaseOwner, j.DeliveryAttempts)
}

func scanJob(s scanner) (Job, error) {
	var (
		j                              Job
		request                        string
		created, updated               int64
		finished, nextDeliveryTime     sql.NullInt64
		leaseUntil, deliveryLeaseUntil sql.NullInt64
	)
	err := s.Scan(&j.ID, &j.AccountID, &j.KeyID, &j.Status, &request, &j.Format, &j.WebhookURL, &j.AudioPath, &j.Error, &j.Attempts,
		&created, &updated, &finished, &j.DeliveryStatus, &j.DeliveryAttempts, &nextDeliveryTime, &j.LastDeliveryError, &j.AudioBytes,
		&j.Charged, &j.ChargeMonth, &j.LeaseOwner, &leaseUntil, &j.DeliveryLeaseOwner, &deliveryLeaseUntil)
	if err != nil {
		return Job{}, err
	}
	j.Request = []byte(request)
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.UpdatedAt = time.UnixMilli(updated).UTC()
	j.FinishedAt = optionalTime(finished)
	j.NextDeliveryAt = optionalTime(nextDeliveryTime)
	j.LeaseUntil = optionalTime(leaseUntil)
	j.DeliveryLeaseUntil = optionalTime(deliveryLeaseUntil)
	return j, nil
}
