package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// migrationFiles holds the schema history. A file is named NNNN_name.sql and
// numbered from 1 without gaps. Files are never edited once released: a change
// to the schema is a new file, so every database walks the same path.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema history.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// loadMigrations reads the .sql files of dir in fsys, ordered by version.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: reading migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("store: migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits always parse
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: reading migration %s: %w", e.Name(), err)
		}
		migs = append(migs, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations must be numbered 1, 2, 3, ... without gaps; found %d at position %d", m.version, i+1)
		}
	}
	return migs, nil
}

// migrateLock is the PostgreSQL advisory lock that migrating nodes take, so
// that nodes starting at once on a fresh database apply each step once. Its
// value is arbitrary and only has to be the same in every Parley.
const migrateLock = 7_061_756_110_400_771

// migrate brings the database to the last of migs. Each step runs in its own
// transaction, which re-reads the version under a lock (SQLite: w's
// transactions begin IMMEDIATE; PostgreSQL: an advisory lock held until the
// transaction ends), so two processes opening a fresh database at once apply
// every step exactly once. PostgreSQL runs DDL inside transactions too, so
// a step that fails leaves nothing behind on either.
func migrate(ctx context.Context, w *pool, migs []migration) error {
	for {
		done, err := migrateStep(ctx, w, migs)
		if err != nil || done {
			return err
		}
	}
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT;`

// migrateStep applies the next pending migration in its own transaction, or
// reports that there is none.
func migrateStep(ctx context.Context, w *pool, migs []migration) (done bool, err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migrating: %w", err)
	}
	defer tx.Rollback() // a no-op once committed

	if w.b == postgresBackend {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrateLock)); err != nil {
			return false, fmt.Errorf("store: migrating: %w", err)
		}
	}
	create, err := w.b.schema(createSchemaMigrations)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return false, fmt.Errorf("store: creating schema_migrations: %w", err)
	}
	cur, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	switch {
	case cur > len(migs):
		return false, fmt.Errorf("%w: the database is at schema version %d and this binary knows versions up to %d; run a newer parley", ErrSchemaTooNew, cur, len(migs))
	case cur == len(migs):
		return true, nil
	}
	m := migs[cur]
	body, err := w.b.schema(m.sql)
	if err != nil {
		return false, fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("store: recording migration %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: committing migration %d: %w", m.version, err)
	}
	return false, nil
}

// schema is a migration's SQL for this back end.
func (b backend) schema(sqlText string) (string, error) {
	if b == postgresBackend {
		return postgresSchema(sqlText)
	}
	return sqlText, nil
}

// schemaVersion is the number of the last migration applied.
func schemaVersion(ctx context.Context, q queryRower) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: reading schema version: %w", err)
	}
	return v, nil
}
