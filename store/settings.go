package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// maxSettingLen bounds a setting's value; settings are fingerprints and
// small flags, not data.
const maxSettingLen = 4096

// Setting returns the value stored under name, or ErrNotFound.
func (db *DB) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no setting %q", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading setting %q: %w", name, err)
	}
	return v, nil
}

// InitSetting stores value under name unless name already has a value, and
// returns the value stored afterwards: value itself, or the one that was
// there. Two processes initialising the same name at once get the same
// answer.
func (db *DB) InitSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := checkSetting(name, value); err != nil {
		return nil, err
	}
	// PostgreSQL: a second insert of the same name waits for the first to
	// commit and then does nothing, and the SELECT, a statement of its
	// own, sees the committed value. So both get the first's.
	var stored []byte
	err := db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO NOTHING`, name, value, db.now().UnixMilli()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("store: setting %q: %w", name, err)
	}
	return stored, nil
}

// SetSetting stores value under name, replacing any value it had.
func (db *DB) SetSetting(ctx context.Context, name string, value []byte) error {
	if err := checkSetting(name, value); err != nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, db.now().UnixMilli()); err != nil {
		return fmt.Errorf("store: setting %q: %w", name, err)
	}
	return nil
}

func checkSetting(name string, value []byte) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w: setting name must be 1 to %d bytes", ErrInvalid, maxNameLen)
	}
	if value == nil || len(value) > maxSettingLen {
		return fmt.Errorf("%w: setting %q must hold 0 to %d bytes", ErrInvalid, name, maxSettingLen)
	}
	return nil
}

// HoldsSignedData reports whether the store holds anything made with the
// server secret: a saved voice (its clone prompt), a job (its webhook), a
// Twilio number (its sealed auth token), or a key that has been used (a
// server may have handed out its webhook signing secret). Keys created but never used do not count: `parley keys
// create` before the first `parley serve` is how installations begin.
func (db *DB) HoldsSignedData(ctx context.Context) (bool, error) {
	var any bool
	err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM voices) OR EXISTS (SELECT 1 FROM jobs)
OR EXISTS (SELECT 1 FROM twilio_numbers) OR EXISTS (SELECT 1 FROM api_keys WHERE last_used_at IS NOT NULL)`).Scan(&any)
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return any, nil
}
