package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// monthLayout is the format of usage months: the calendar month in UTC, as
// plan quotas are counted.
const monthLayout = "2006-01"

// Month returns the usage month ("YYYY-MM") that t falls in, in UTC.
func Month(t time.Time) string {
	return t.UTC().Format(monthLayout)
}

func checkMonth(month string) error {
	if _, err := time.Parse(monthLayout, month); err != nil || len(month) != len(monthLayout) {
		return fmt.Errorf("%w: month %q is not YYYY-MM", ErrInvalid, month)
	}
	return nil
}

// AddUsage counts one request of chars characters against the key in month
// ("YYYY-MM", see Month). See Charge.
func (db *DB) AddUsage(ctx context.Context, keyID, month string, chars int64) error {
	return db.Charge(ctx, keyID, month, chars, 1)
}

// chargeQuery adds characters and requests to a key's month. Selecting from
// api_keys makes an unknown key insert nothing, which is how we tell it
// apart without depending on the driver's error codes. The existing row's
// columns are named with the table: PostgreSQL finds a bare name ambiguous
// beside excluded's.
const chargeQuery = `INSERT INTO usage (key_id, month, characters, requests)
SELECT id, ?, ?, ? FROM api_keys WHERE id = ?
ON CONFLICT (key_id, month) DO UPDATE SET characters = usage.characters + excluded.characters, requests = usage.requests + excluded.requests`

// Charge adds chars characters and requests requests to the key's usage in
// month ("YYYY-MM", see Month): a request is charged segment by segment as
// it is spoken, counting the request with its first segment. It is one
// atomic upsert, durable when it returns, so concurrent calls never lose
// counts, from one node or many. Revoked keys still count: a generation may finish after its key
// is revoked. It returns ErrNotFound for an unknown key.
func (db *DB) Charge(ctx context.Context, keyID, month string, chars, requests int64) error {
	if err := checkMonth(month); err != nil {
		return err
	}
	if chars < 0 || requests < 0 {
		return fmt.Errorf("%w: negative usage %d characters, %d requests", ErrInvalid, chars, requests)
	}
	res, err := db.w.ExecContext(ctx, chargeQuery, month, chars, requests, keyID)
	if err != nil {
		return fmt.Errorf("store: adding usage: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: adding usage: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: key %q", ErrNotFound, keyID)
	}
	return nil
}

// Usage returns the characters and requests counted against the key in month.
// A key or month with nothing counted, unknown keys included, reports zeros.
func (db *DB) Usage(ctx context.Context, keyID, month string) (chars, requests int64, err error) {
	if err := checkMonth(month); err != nil {
		return 0, 0, err
	}
	err = db.r.QueryRowContext(ctx, `SELECT characters, requests FROM usage WHERE key_id = ? AND month = ?`,
		keyID, month).Scan(&chars, &requests)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: reading usage: %w", err)
	}
	return chars, requests, nil
}

// AccountUsage returns the characters and requests counted against all of an
// account's keys in month. An unknown account reports zeros.
func (db *DB) AccountUsage(ctx context.Context, accountID, month string) (chars, requests int64, err error) {
	if err := checkMonth(month); err != nil {
		return 0, 0, err
	}
	err = db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(u.characters), 0), COALESCE(SUM(u.requests), 0)
FROM api_keys k JOIN usage u ON u.key_id = k.id
WHERE k.account_id = ? AND u.month = ?`, accountID, month).Scan(&chars, &requests)
	if err != nil {
		return 0, 0, fmt.Errorf("store: reading account usage: %w", err)
	}
	return chars, requests, nil
}

// Charge is one key's usage to add to a month, for ChargeMany.
type Charge struct {
	KeyID, Month    string
	Chars, Requests int64
}

// ChargeMany adds every charge in one transaction, durable when it
// returns: the group commit of many sessions' segments. Charges of keys
// that do not exist are skipped (a key is never deleted, only revoked, so
// there are none in practice). The rows are written in key and month
// order, so that two nodes' group commits on PostgreSQL lock them in the
// same order and cannot deadlock (a deadlock would still be retried).
func (db *DB) ChargeMany(ctx context.Context, charges []Charge) error {
	for _, c := range charges {
		if err := checkMonth(c.Month); err != nil {
			return err
		}
		if c.Chars < 0 || c.Requests < 0 {
			return fmt.Errorf("%w: negative usage %d characters, %d requests", ErrInvalid, c.Chars, c.Requests)
		}
	}
	sorted := slices.Clone(charges)
	slices.SortFunc(sorted, func(a, b Charge) int { return cmp.Or(cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Month, b.Month)) })
	err := db.inTx(ctx, func(tx *txn) error {
		for _, c := range sorted {
			if _, err := tx.ExecContext(ctx, chargeQuery, c.Month, c.Chars, c.Requests, c.KeyID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: adding usage: %w", err)
	}
	return nil
}
