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

// Pronunciations is a saved pronunciation dictionary. Entries is its
// entries as JSON, written and read by package pronounce; the store keeps
// it verbatim.
type Pronunciations struct {
	ID        string // "pd_" and 20 base32 characters
	AccountID string
	Name      string
	Language  string // a protocol language name, or "" for every language
	Entries   []byte
	CreatedAt time.Time
}

// ErrPronunciationsLimit is returned by CreatePronunciations when the
// account already has as many dictionaries as it may.
var ErrPronunciationsLimit = errors.New("store: pronunciation dictionary limit reached")

const (
	pronunciationsPrefix = "pd_"
	// maxEntriesLen bounds a dictionary's JSON well above what 1,000
	// entries of the API's sizes take.
	maxEntriesLen = 2 << 20
)

func checkPronunciations(d Pronunciations) error {
	switch {
	case d.AccountID == "":
		return fmt.Errorf("%w: empty account id", ErrInvalid)
	case len(d.Entries) > maxEntriesLen || !json.Valid(d.Entries):
		return fmt.Errorf("%w: entries must be JSON of at most %d bytes", ErrInvalid, maxEntriesLen)
	case len(d.Language) > 32 || !utf8.ValidString(d.Language):
		return fmt.Errorf("%w: language %q", ErrInvalid, d.Language)
	}
	return checkName(d.Name)
}

// CreatePronunciations saves d for d.AccountID and returns it with its ID
// and CreatedAt set. The account may hold at most limit dictionaries: the
// count and the insert share one write transaction, so concurrent creates,
// on this node or another, never exceed it; the one that would gets ErrPronunciationsLimit. It
// returns ErrNotFound for an unknown account and ErrInvalid for a
// malformed dictionary.
func (db *DB) CreatePronunciations(ctx context.Context, d Pronunciations, limit int) (Pronunciations, error) {
	if err := checkPronunciations(d); err != nil {
		return Pronunciations{}, err
	}
	d.ID = pronunciationsPrefix + randomString(randomIDLen)
	d.CreatedAt = db.now().UTC().Truncate(time.Millisecond)

	err := db.inTx(ctx, func(tx *txn) error {
		if err := underAccountLimit(ctx, tx, "pronunciation_dictionaries", d.AccountID, limit, ErrPronunciationsLimit, "creating pronunciations"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pronunciation_dictionaries (id, account_id, name, language, entries, created_at)
VALUES (?, ?, ?, ?, ?, ?)`, d.ID, d.AccountID, d.Name, d.Language, string(d.Entries), d.CreatedAt.UnixMilli()); err != nil {
			return fmt.Errorf("store: creating pronunciations: %w", err)
		}
		return nil
	})
	if err != nil {
		return Pronunciations{}, err
	}
	return d, nil
}

const pronunciationsColumns = `id, account_id, name, language, entries, created_at`

// GetPronunciations returns the account's dictionary with the given id. A
// dictionary of another account is ErrNotFound, as if it did not exist.
func (db *DB) GetPronunciations(ctx context.Context, accountID, id string) (Pronunciations, error) {
	d, err := scanPronunciations(db.r.QueryRowContext(ctx,
		`SELECT `+pronunciationsColumns+` FROM pronunciation_dictionaries WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Pronunciations{}, fmt.Errorf("%w: pronunciation dictionary %q", ErrNotFound, id)
	}
	if err != nil {
		return Pronunciations{}, fmt.Errorf("store: reading pronunciations: %w", err)
	}
	return d, nil
}

// listPronunciationsQuery is a constant so the test of query plans checks
// the query that runs.
const listPronunciationsQuery = `SELECT ` + pronunciationsColumns + ` FROM pronunciation_dictionaries WHERE account_id = ? ORDER BY created_at DESC, id DESC`

// ListPronunciations returns the account's dictionaries, newest first.
func (db *DB) ListPronunciations(ctx context.Context, accountID string) ([]Pronunciations, error) {
	out, err := queryAll(ctx, db.r, scanPronunciations, listPronunciationsQuery, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: listing pronunciations: %w", err)
	}
	return out, nil
}

// DeletePronunciations deletes the account's dictionary with the given id.
// A dictionary of another account is ErrNotFound and stays.
func (db *DB) DeletePronunciations(ctx context.Context, accountID, id string) error {
	return db.deleteOwned(ctx, "pronunciation_dictionaries", "deleting pronunciations", "pronunciation dictionary", accountID, id)
}

func scanPronunciations(s scanner) (Pronunciations, error) {
	var (
		d       Pronunciations
		entries string
		created int64
	)
	if err := s.Scan(&d.ID, &d.AccountID, &d.Name, &d.Language, &entries, &created); err != nil {
		return Pronunciations{}, err
	}
	d.Entries = []byte(entries)
	d.CreatedAt = time.UnixMilli(created).UTC()
	return d, nil
}
