package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// TwilioNumber is a Twilio phone number whose calls reach the agent.
type TwilioNumber struct {
	ID          string // "tn_" and 20 base32 characters
	AccountID   string
	KeyID       string // the key calls act for
	PhoneNumber string // E.164, unique across accounts
	AccountSID  string // the Twilio account's, "AC" and 32 hex digits
	// AuthToken is the Twilio auth token, sealed by package phone; the
	// store keeps the bytes as they are.
	AuthToken  []byte
	TokenLast4 string
	Settings   []byte // JSON, package phone's
	CreatedAt  time.Time
}

// Call is the record of one agent conversation.
type Call struct {
	ID        string // the agent session's id
	AccountID string
	KeyID     string
	Transport string // "browser" or "twilio"
	// NumberID, CallSID, From and To are a phone call's.
	NumberID, CallSID, From, To string
	StartedAt, EndedAt          time.Time
	Turns                       int
	TurnMetrics                 []byte // JSON array, package agent's
	EndReason                   string
}

var (
	// ErrConflict is returned by CreateTwilioNumber for a phone number
	// that is already registered, by any account.
	ErrConflict = errors.New("store: already registered")
	// ErrNumberLimit is returned by CreateTwilioNumber when the account
	// already has as many numbers as it may.
	ErrNumberLimit = errors.New("store: phone number limit reached")
)

const (
	twilioNumberPrefix = "tn_"
	maxSettingsLen     = 16 << 10
	maxTurnMetricsLen  = 1 << 20
	maxCallFieldLen    = 200
)

var (
	e164      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	twilioSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
)

// ValidPhoneNumber reports whether s is an E.164 number: "+", a country
// code and at most 15 digits in all.
func ValidPhoneNumber(s string) bool { return e164.MatchString(s) }

func checkTwilioNumber(n TwilioNumber) error {
	switch {
	case n.AccountID == "" || n.KeyID == "":
		return fmt.Errorf("%w: empty account or key id", ErrInvalid)
	case !ValidPhoneNumber(n.PhoneNumber):
		return fmt.Errorf("%w: phone number %q is not E.164 (+ and up to 15 digits)", ErrInvalid, n.PhoneNumber)
	case !twilioSID.MatchString(n.AccountSID):
		return fmt.Errorf("%w: Twilio account SID must be AC and 32 hex digits", ErrInvalid)
	case len(n.AuthToken) == 0 || len(n.AuthToken) > 1024 || len(n.TokenLast4) > 16:
		return fmt.Errorf("%w: sealed auth token of 1 to 1024 bytes required", ErrInvalid)
	case len(n.Settings) > maxSettingsLen || !json.Valid(n.Settings):
		return fmt.Errorf("%w: settings must be JSON of at most %d bytes", ErrInvalid, maxSettingsLen)
	}
	return nil
}

// CreateTwilioNumber saves n and returns it with its ID and CreatedAt set.
// The account may hold at most limit numbers (the count and the insert
// share one transaction, under the account's lock, as CreateVoice's). A
// phone number registered already, by this account or another, is
// ErrConflict: the UNIQUE constraint decides, so two nodes registering
// the same number at once cannot both succeed.
func (db *DB) CreateTwilioNumber(ctx context.Context, n TwilioNumber, limit int) (TwilioNumber, error) {
	if err := checkTwilioNumber(n); err != nil {
		return TwilioNumber{}, err
	}
	n.ID = twilioNumberPrefix + randomString(randomIDLen)
	n.CreatedAt = db.now().UTC().Truncate(time.Millisecond)
	err := db.inTx(ctx, func(tx *txn) error {
		if err := underAccountLimit(ctx, tx, "twilio_numbers", n.AccountID, limit, ErrNumberLimit, "creating phone number"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO twilio_numbers (id, account_id, key_id, phone_number, account_sid, auth_token, token_last4, settings, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, n.AccountID, n.KeyID, n.PhoneNumber, n.AccountSID, n.AuthToken, n.TokenLast4, string(n.Settings), n.CreatedAt.UnixMilli())
		switch {
		case uniqueViolation(err):
			return fmt.Errorf("%w: phone number %s", ErrConflict, n.PhoneNumber)
		case err != nil:
			return fmt.Errorf("store: creating phone number: %w", err)
		}
		return nil
	})
	if err != nil {
		return TwilioNumber{}, err
	}
	return n, nil
}

// uniqueViolation reports an INSERT refused by a UNIQUE constraint or
// primary key.
func uniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

const twilioNumberColumns = `id, account_id, key_id, phone_number, account_sid, auth_token, token_last4, settings, created_at`

// GetTwilioNumber returns the account's number with the given id; another
// account's is ErrNotFound.
func (db *DB) GetTwilioNumber(ctx context.Context, accountID, id string) (TwilioNumber, error) {
	return db.twilioNumber(ctx, `SELECT `+twilioNumberColumns+` FROM twilio_numbers WHERE id = ? AND account_id = ?`, id, accountID)
}

// TwilioNumberByPhone returns the number registered for phone, whichever
// account it belongs to, for the webhook of a call to it.
func (db *DB) TwilioNumberByPhone(ctx context.Context, phone string) (TwilioNumber, error) {
	return db.twilioNumber(ctx, `SELECT `+twilioNumberColumns+` FROM twilio_numbers WHERE phone_number = ?`, phone)
}

func (db *DB) twilioNumber(ctx context.Context, query string, args ...any) (TwilioNumber, error) {
	n, err := scanTwilioNumber(db.r.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return TwilioNumber{}, fmt.Errorf("%w: phone number", ErrNotFound)
	}
	if err != nil {
		return TwilioNumber{}, fmt.Errorf("store: reading phone number: %w", err)
	}
	return n, nil
}

// listTwilioNumbersQuery is a constant so the test of query plans checks
// the query that runs.
const listTwilioNumbersQuery = `SELECT ` + twilioNumberColumns + ` FROM twilio_numbers WHERE account_id = ? ORDER BY created_at DESC, id DESC`

// ListTwilioNumbers returns the account's numbers, newest first.
func (db *DB) ListTwilioNumbers(ctx context.Context, accountID string) ([]TwilioNumber, error) {
	out, err := queryAll(ctx, db.r, scanTwilioNumber, listTwilioNumbersQuery, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: listing phone numbers: %w", err)
	}
	return out, nil
}

// DeleteTwilioNumber deletes the account's number with the given id;
// another account's is ErrNotFound and stays. Calls already connected go
// on; their records stay.
func (db *DB) DeleteTwilioNumber(ctx context.Context, accountID, id string) error {
	return db.deleteOwned(ctx, "twilio_numbers", "deleting phone number", "phone number", accountID, id)
}

func scanTwilioNumber(s scanner) (TwilioNumber, error) {
	var (
		n        TwilioNumber
		settings string
		created  int64
	)
	if err := s.Scan(&n.ID, &n.AccountID, &n.KeyID, &n.PhoneNumber, &n.AccountSID, &n.AuthToken, &n.TokenLast4, &settings, &created); err != nil {
		return TwilioNumber{}, err
	}
	n.Settings = []byte(settings)
	n.CreatedAt = time.UnixMilli(created).UTC()
	return n, nil
}

func checkCall(c Call) error {
	switch {
	case c.ID == "" || c.AccountID == "" || c.KeyID == "":
		return fmt.Errorf("%w: empty call, account or key id", ErrInvalid)
	case c.Transport != "browser" && c.Transport != "twilio":
		return fmt.Errorf("%w: transport %q", ErrInvalid, c.Transport)
	case c.EndedAt.Before(c.StartedAt) || c.Turns < 0:
		return fmt.Errorf("%w: a call ends after it starts and has no negative turns", ErrInvalid)
	case len(c.TurnMetrics) > maxTurnMetricsLen || !json.Valid(c.TurnMetrics):
		return fmt.Errorf("%w: turn metrics must be JSON of at most %d bytes", ErrInvalid, maxTurnMetricsLen)
	}
	for _, f := range []string{c.ID, c.NumberID, c.CallSID, c.From, c.To, c.EndReason} {
		if len(f) > maxCallFieldLen {
			return fmt.Errorf("%w: call field longer than %d bytes", ErrInvalid, maxCallFieldLen)
		}
	}
	return nil
}

// CreateCall records a finished conversation. Times are kept to the
// millisecond.
func (db *DB) CreateCall(ctx context.Context, c Call) error {
	if err := checkCall(c); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO calls (id, account_id, key_id, transport, number_id, call_sid, from_number, to_number,
started_at, ended_at, turns, turn_metrics, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.KeyID, c.Transport, c.NumberID, c.CallSID, c.From, c.To,
		c.StartedAt.UnixMilli(), max(c.EndedAt.UnixMilli(), c.StartedAt.UnixMilli()), c.Turns, string(c.TurnMetrics), c.EndReason)
	if err != nil {
		return fmt.Errorf("store: recording call: %w", err)
	}
	return nil
}

// CallCursor is where a page of calls ends: the next page holds the calls
// that started before it.
type CallCursor struct {
	StartedAt time.Time
	ID        string
}

const callColumns = `id, account_id, key_id, transport, number_id, call_sid, from_number, to_number, started_at, ended_at, turns, turn_metrics, end_reason`

// Constants so the test of query plans checks the queries that run.
const (
	listCallsQuery      = `SELECT ` + callColumns + ` FROM calls WHERE account_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`
	listCallsAfterQuery = `SELECT ` + callColumns + ` FROM calls WHERE account_id = ? AND (started_at < ? OR (started_at = ? AND id < ?))
ORDER BY started_at DESC, id DESC LIMIT ?`
)

// ListCalls returns up to limit of the account's calls, newest first,
// starting after the cursor (nil: from the newest). Paging by the last
// row's start, rather than by offset, keeps pages stable while calls are
// added.
func (db *DB) ListCalls(ctx context.Context, accountID string, after *CallCursor, limit int) ([]Call, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", ErrInvalid)
	}
	var (
		rs  *rows
		err error
	)
	if after == nil {
		rs, err = db.r.QueryContext(ctx, listCallsQuery, accountID, limit)
	} else {
		ms := after.StartedAt.UnixMilli()
		rs, err = db.r.QueryContext(ctx, listCallsAfterQuery, accountID, ms, ms, after.ID, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("store: listing calls: %w", err)
	}
	defer rs.Close()
	var out []Call
	for rs.Next() {
		var (
			c                Call
			metrics          string
			started, stopped int64
		)
		if err := rs.Scan(&c.ID, &c.AccountID, &c.KeyID, &c.Transport, &c.NumberID, &c.CallSID, &c.From, &c.To,
			&started, &stopped, &c.Turns, &metrics, &c.EndReason); err != nil {
			return nil, fmt.Errorf("store: listing calls: %w", err)
		}
		c.StartedAt, c.EndedAt = time.UnixMilli(started).UTC(), time.UnixMilli(stopped).UTC()
		c.TurnMetrics = []byte(metrics)
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: listing calls: %w", err)
	}
	return out, nil
}
