package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Voice is a saved voice. Profile is the voice's parameters as JSON, written
// and read by the voice package; the store keeps it verbatim.
type Voice struct {
	ID          string // "voice_" and 20 base32 characters
	AccountID   string
	Name        string
	Source      string // VoiceFromDescription or VoiceFromAudio
	Description string // the voice_description it was designed from, if any
	RefText     string // the transcript of its reference audio, if any
	Profile     []byte
	CreatedAt   time.Time
}

// The values of Voice.Source.
const (
	VoiceFromDescription = "description"
	VoiceFromAudio       = "audio"
)

const (
	voicePrefix = "voice_"
	// randomIDLen is the random part of voice and job ids: 100 bits, so ids
	// never collide and cannot be guessed.
	randomIDLen = 20
	// The size bounds keep one request from bloating the database; they are
	// well above what the API accepts.
	maxDescriptionLen = 4 << 10
	maxRefTextLen     = 64 << 10
	maxProfileLen     = 256 << 10
)

func checkVoice(v Voice) error {
	switch {
	case v.AccountID == "":
		return fmt.Errorf("%w: empty account id", ErrInvalid)
	case v.Source != VoiceFromDescription && v.Source != VoiceFromAudio:
		return fmt.Errorf("%w: voice source %q is neither %q nor %q", ErrInvalid, v.Source, VoiceFromDescription, VoiceFromAudio)
	case len(v.Description) > maxDescriptionLen || !utf8.ValidString(v.Description):
		return fmt.Errorf("%w: description must be valid UTF-8 of at most %d bytes", ErrInvalid, maxDescriptionLen)
	case len(v.RefText) > maxRefTextLen || !utf8.ValidString(v.RefText):
		return fmt.Errorf("%w: reference text must be valid UTF-8 of at most %d bytes", ErrInvalid, maxRefTextLen)
	case len(v.Profile) > maxProfileLen || !json.Valid(v.Profile):
		return fmt.Errorf("%w: profile must be JSON of at most %d bytes", ErrInvalid, maxProfileLen)
	}
	return checkName(v.Name)
}

// CreateVoice saves v for v.AccountID and returns it with its ID and
// CreatedAt set. The account may hold at most limit voices: the count and the
// insert share one write transaction, so concurrent creates, from this process
// or another, on this node or another, never exceed it; the one that would gets ErrVoiceLimit. It
// returns ErrNotFound for an unknown account and ErrInvalid for a malformed
// voice.
func (db *DB) CreateVoice(ctx context.Context, v Voice, limit int) (Voice, error) {
	if err := checkVoice(v); err != nil {
		return Voice{}, err
	}
	v.ID = voicePrefix + randomString(randomIDLen)
	v.CreatedAt = db.now().UTC().Truncate(time.Millisecond)

	err := db.inTx(ctx, func(tx *txn) error {
		if err := underAccountLimit(ctx, tx, "voices", v.AccountID, limit, ErrVoiceLimit, "creating voice"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO voices (id, account_id, name, source, description, profile, ref_text, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.AccountID, v.Name, v.Source, v.Description, string(v.Profile), v.RefText, v.CreatedAt.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: creating voice: %w", err)
		}
		return nil
	})
	if err != nil {
		return Voice{}, err
	}
	return v, nil
}

const voiceColumns = `id, account_id, name, source, description, profile, ref_text, created_at`

// GetVoice returns the account's voice with the given id. A voice of another
// account is ErrNotFound, as if it did not exist.
func (db *DB) GetVoice(ctx context.Context, accountID, id string) (Voice, error) {
	v, err := scanVoice(db.r.QueryRowContext(ctx, `SELECT `+voiceColumns+` FROM voices WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Voice{}, fmt.Errorf("%w: voice %q", ErrNotFound, id)
	}
	if err != nil {
		return Voice{}, fmt.Errorf("store: reading voice: %w", err)
	}
	return v, nil
}

// listVoicesQuery is a constant so the test of query plans checks the query
// that runs.
const listVoicesQuery = `SELECT ` + voiceColumns + ` FROM voices WHERE account_id = ? ORDER BY created_at DESC, id DESC`

// ListVoices returns the account's voices, newest first.
func (db *DB) ListVoices(ctx context.Context, accountID string) ([]Voice, error) {
	return db.listVoices(ctx, listVoicesQuery, accountID)
}

// ListAllVoices returns every account's voices, oldest first, for the
// operator's command line.
func (db *DB) ListAllVoices(ctx context.Context) ([]Voice, error) {
	return db.listVoices(ctx, `SELECT `+voiceColumns+` FROM voices ORDER BY created_at, id`)
}

func (db *DB) listVoices(ctx context.Context, query string, args ...any) ([]Voice, error) {
	voices, err := queryAll(ctx, db.r, scanVoice, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing voices: %w", err)
	}
	return voices, nil
}

// DeleteVoice deletes the account's voice with the given id. A voice of
// another account is ErrNotFound and stays.
func (db *DB) DeleteVoice(ctx context.Context, accountID, id string) error {
	return db.deleteOwned(ctx, "voices", "deleting voice", "voice", accountID, id)
}

// CountVoices returns how many voices the account has saved; an unknown
// account has none.
func (db *DB) CountVoices(ctx context.Context, accountID string) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM voices WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting voices: %w", err)
	}
	return n, nil
}

func scanVoice(s scanner) (Voice, error) {
	var (
		v       Voice
		profile string
		created int64
	)
	if err := s.Scan(&v.ID, &v.AccountID, &v.Name, &v.Source, &v.Description, &profile, &v.RefText, &created); err != nil {
		return Voice{}, err
	}
	v.Profile = []byte(profile)
	v.CreatedAt = time.UnixMilli(created).UTC()
	return v, nil
}
