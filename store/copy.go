package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// table is one table of the schema as Copy moves it: its columns, and the
// primary key that identifies a row when source and copy are compared.
type table struct {
	name    string
	columns []string
	key     []string
}

// blobColumns are the columns of bytes. None is nullable, and SQLite may
// return an empty one as NULL: normalize makes it empty bytes on both sides.
var blobColumns = map[string]bool{"api_keys.secret_hash": true, "job_audio.data": true, "settings.value": true, "twilio_numbers.auth_token": true}

// normalize gives a row's values the same Go types whichever back end
// returned them.
func (t table) normalize(vals []any) {
	for i, v := range vals {
		if !blobColumns[t.name+"."+t.columns[i]] {
			continue
		}
		switch b := v.(type) {
		case nil:
			vals[i] = []byte{}
		case []byte:
			if b == nil {
				vals[i] = []byte{}
			}
		case string:
			vals[i] = []byte(b)
		}
	}
}

// tables lists every table of the current schema (schema_migrations
// aside, which each store keeps for itself) in the order foreign keys need:
// a row's parents before it. A test checks it against the schema, so that a
// migration that adds a column or a table must add it here too.
var tables = []table{
	{"accounts", []string{"id", "name", "created_at"}, []string{"id"}},
	{"api_keys", []string{"id", "account_id", "name", "plan", "secret_hash", "created_at", "revoked_at", "last_used_at"}, []string{"id"}},
	{"usage", []string{"key_id", "month", "characters", "requests"}, []string{"key_id", "month"}},
	{"voices", []string{"id", "account_id", "name", "source", "description", "profile", "ref_text", "created_at"}, []string{"id"}},
	{"jobs", []string{"id", "account_id", "key_id", "status", "request", "format", "webhook_url", "audio_path", "error", "attempts",
		"created_at", "updated_at", "finished_at", "delivery_status", "delivery_attempts", "next_delivery_at", "last_delivery_error",
		"audio_bytes", "charged", "charge_month", "lease_owner", "lease_until", "delivery_lease_owner", "delivery_lease_until"}, []string{"id"}},
	{"job_audio", []string{"job_id", "seq", "data"}, []string{"job_id", "seq"}},
	{"settings", []string{"name", "value", "updated_at"}, []string{"name"}},
	{"pronunciation_dictionaries", []string{"id", "account_id", "name", "language", "entries", "created_at"}, []string{"id"}},
	{"twilio_numbers", []string{"id", "account_id", "key_id", "phone_number", "account_sid", "auth_token", "token_last4", "settings", "created_at"}, []string{"id"}},
	{"calls", []string{"id", "account_id", "key_id", "transport", "number_id", "call_sid", "from_number", "to_number",
		"started_at", "ended_at", "turns", "turn_metrics", "end_reason"}, []string{"id"}},
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Replace lets Copy write into a store that already holds data, which
	// it deletes first (in the same transaction). Without it such a
	// target is refused with ErrNotEmpty.
	Replace bool
	// Settings are added to the copy's settings (name → value), such as the
	// server secret, which a SQLite installation keeps in a file beside
	// its database. They are not in the source, so the comparison leaves
	// them out.
	Settings map[string][]byte
}

// CopyReport is what Copy moved, table by table, in dependency order.
type CopyReport struct {
	Tables []TableReport
}

// TableReport counts one table's rows in the source and in the copy; Copy
// has compared each row's hash too.
type TableReport struct {
	Name         string
	SourceRows   int64
	CopiedRows   int64
	VerifiedRows int64 // rows of the copy whose hash matched the source's
}

// ErrNotEmpty is returned by Copy for a target that already holds data,
// unless CopyOptions.Replace.
var ErrNotEmpty = errors.New("store: the target store already holds data")

// Copy copies every row of every table of from into to, which must be at
// the same schema version (both opened by this binary), and verifies the
// copy before committing it: it counts the rows of each table on both
// sides and compares every row by a SHA-256 of its values, keyed by its
// primary key. The source is read in one read-only transaction (one
// snapshot, so a server writing to it meanwhile cannot tear the copy, though
// its later writes are not copied: stop it first), and the copy is written
// and checked in one transaction of the target: it lands whole, verified,
// or not at all.
func Copy(ctx context.Context, from, to *DB, opt CopyOptions) (CopyReport, error) {
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return CopyReport{}, err
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return CopyReport{}, err
	}
	if fv != tv {
		return CopyReport{}, fmt.Errorf("%w: source at schema version %d, target at %d", ErrInvalid, fv, tv)
	}
	srcOpts := &sql.TxOptions{ReadOnly: true}
	if from.b == postgresBackend {
		srcOpts.Isolation = sql.LevelRepeatableRead
	}
	src, err := from.r.BeginTx(ctx, srcOpts)
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: reading the source: %w", err)
	}
	defer src.Rollback()
	dst, err := to.w.BeginTx(ctx, nil)
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: writing the target: %w", err)
	}
	defer dst.Rollback()

	if err := prepareTarget(ctx, dst, opt.Replace); err != nil {
		return CopyReport{}, err
	}
	var rep CopyReport
	for _, t := range tables {
		hashes, n, err := copyTable(ctx, src, dst, t)
		if err != nil {
			return CopyReport{}, err
		}
		tr := TableReport{Name: t.name, SourceRows: n, CopiedRows: n}
		if t.name == "settings" {
			if err := addSettings(ctx, to, dst, opt.Settings); err != nil {
				return CopyReport{}, err
			}
		}
		verified, err := verifyTable(ctx, dst, t, hashes, opt.Settings)
		if err != nil {
			return CopyReport{}, err
		}
		tr.VerifiedRows = verified
		rep.Tables = append(rep.Tables, tr)
	}
	if err := dst.Commit(); err != nil {
		return CopyReport{}, fmt.Errorf("store: committing the copy: %w", err)
	}
	return rep, nil
}

// prepareTarget refuses a target with data, or empties it with replace.
func prepareTarget(ctx context.Context, dst *txn, replace bool) error {
	var held []string
	for _, t := range tables {
		var n int64
		if err := dst.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return fmt.Errorf("store: counting the target's %s: %w", t.name, err)
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d rows in %s", n, t.name))
		}
	}
	if len(held) == 0 {
		return nil
	}
	if !replace {
		return fmt.Errorf("%w (%s)", ErrNotEmpty, strings.Join(held, ", "))
	}
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := dst.ExecContext(ctx, `DELETE FROM `+tables[i].name); err != nil {
			return fmt.Errorf("store: emptying the target's %s: %w", tables[i].name, err)
		}
	}
	return nil
}

// copyTable copies t's rows, in key order, and returns the hash of each
// source row by its key, and how many there were.
func copyTable(ctx context.Context, src, dst *txn, t table) (map[string][sha256.Size]byte, int64, error) {
	cols := strings.Join(t.columns, ", ")
	rows, err := src.QueryContext(ctx, `SELECT `+cols+` FROM `+t.name+` ORDER BY `+strings.Join(t.key, ", "))
	if err != nil {
		return nil, 0, fmt.Errorf("store: reading %s: %w", t.name, err)
	}
	defer rows.Close()
	insert, err := dst.tx.PrepareContext(ctx, dst.b.bind(`INSERT INTO `+t.name+` (`+cols+`) VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ")+`)`))
	if err != nil {
		return nil, 0, fmt.Errorf("store: copying %s: %w", t.name, dst.b.classify(err))
	}
	defer insert.Close()
	hashes := map[string][sha256.Size]byte{}
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, fmt.Errorf("store: reading %s: %w", t.name, err)
		}
		t.normalize(vals)
		key, sum, err := rowHash(t, vals)
		if err != nil {
			return nil, 0, err
		}
		hashes[key] = sum
		if _, err := insert.ExecContext(ctx, vals...); err != nil {
			return nil, 0, fmt.Errorf("store: copying a row of %s: %w", t.name, dst.b.classify(err))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: reading %s: %w", t.name, err)
	}
	return hashes, n, nil
}

// addSettings inserts the extra settings into the copy.
func addSettings(ctx context.Context, to *DB, dst *txn, settings map[string][]byte) error {
	for name, value := range settings {
		if err := checkSetting(name, value); err != nil {
			return err
		}
		if _, err := dst.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)`,
			name, value, to.now().UnixMilli()); err != nil {
			return fmt.Errorf("store: adding setting %q: %w", name, err)
		}
	}
	return nil
}

// verifyTable reads t back from the copy and compares it with the source's
// hashes: the same keys, each row's hash equal. Settings added by the copy
// are left out. It returns how many rows matched.
func verifyTable(ctx context.Context, dst *txn, t table, want map[string][sha256.Size]byte, added map[string][]byte) (int64, error) {
	rows, err := dst.QueryContext(ctx, `SELECT `+strings.Join(t.columns, ", ")+` FROM `+t.name)
	if err != nil {
		return 0, fmt.Errorf("store: verifying %s: %w", t.name, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var matched int64
	seen := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fmt.Errorf("store: verifying %s: %w", t.name, err)
		}
		t.normalize(vals)
		key, sum, err := rowHash(t, vals)
		if err != nil {
			return 0, err
		}
		if t.name == "settings" {
			if _, ok := added[vals[0].(string)]; ok {
				continue
			}
		}
		seen++
		src, ok := want[key]
		switch {
		case !ok:
			return 0, fmt.Errorf("store: verifying %s: the copy has a row (%s) the source has not", t.name, key)
		case src != sum:
			return 0, fmt.Errorf("store: verifying %s: row %s differs from the source's", t.name, key)
		}
		matched++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: verifying %s: %w", t.name, err)
	}
	if seen != len(want) {
		return 0, fmt.Errorf("store: verifying %s: the copy has %d rows, the source %d", t.name, seen, len(want))
	}
	return matched, nil
}

// rowHash returns a row's primary key, as text, and the SHA-256 of all its
// values in a form that does not depend on the back end: each value typed
// (integer, text, bytes, NULL) and length-prefixed, so that no two rows
// encode alike.
func rowHash(t table, vals []any) (string, [sha256.Size]byte, error) {
	h := sha256.New()
	var key []string
	for i, v := range vals {
		var (
			tag  byte
			data []byte
		)
		switch v := v.(type) {
		case nil:
			tag = 'n'
		case int64:
			tag, data = 'i', binary.BigEndian.AppendUint64(nil, uint64(v))
		case string:
			tag, data = 's', []byte(v)
		case []byte:
			tag, data = 'b', v
		case time.Time:
			// Neither back end returns times: the store keeps Unix
			// milliseconds. Reaching here means a column of a type the
			// copy does not know.
			return "", [sha256.Size]byte{}, fmt.Errorf("store: %s.%s holds a time, which the copy does not expect", t.name, t.columns[i])
		default:
			return "", [sha256.Size]byte{}, fmt.Errorf("store: %s.%s holds a %T, which the copy does not expect", t.name, t.columns[i], v)
		}
		h.Write([]byte{tag})
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(data))))
		h.Write(data)
		for _, k := range t.key {
			if k == t.columns[i] {
				key = append(key, fmt.Sprint(v))
			}
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return strings.Join(key, "/"), sum, nil
}
