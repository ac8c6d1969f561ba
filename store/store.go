package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the name of the database file inside the data directory. Its
// -wal and -shm companions live beside it and belong to it: back up all three,
// or use SQLite's backup API.
const FileName = "parley.db"

// busyTimeout is how long a write waits for another process (a `parley keys`
// command next to a running server) to release SQLite's write lock.
const busyTimeout = 5 * time.Second

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	// Two pools share the file. All writes go through w, which has exactly
	// one connection: SQLite admits one writer at a time anyway, so queueing
	// writers in Go is cheaper than letting them spin on the busy handler.
	// w's transactions begin IMMEDIATE, so a transaction that reads before it
	// writes never fails halfway with SQLITE_BUSY when it upgrades its lock,
	// a failure busy_timeout cannot help with (it matters when another
	// process writes the same file). Reads go through r, several query_only
	// connections that in WAL mode neither block nor wait for the writer.
	w   *sql.DB
	r   *sql.DB
	now func() time.Time // a field so tests can move time

	// getKey is prepared once because it runs for every request, and
	// compiling it each time would double Authenticate's cost.
	getKey *sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store in dir, creating dir (mode 0700) and the database
// (mode 0600) if needed, and applies any pending migrations. It fails with
// ErrSchemaTooNew if a newer Parley has already upgraded the file.
func Open(ctx context.Context, dir string) (*DB, error) {
	migs, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return open(ctx, dir, migs)
}

func open(ctx context.Context, dir string, migs []migration) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: creating data dir: %w", err)
	}
	file, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Creating the file here rather than letting SQLite do it keeps it private:
	// SQLite would use 0644, and it gives the -wal and -shm files the main
	// file's mode. An empty file is a valid empty database.
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: creating database: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: creating database: %w", err)
	}

	w, err := openPool(ctx, file, true, 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w, migs); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openPool(ctx, file, false, max(4, runtime.GOMAXPROCS(0)))
	if err != nil {
		w.Close()
		return nil, err
	}
	// SQLite syncs the directory when it creates the -wal file, but not for
	// the main file, which we created: sync it so a new database survives a
	// power cut.
	if err := syncDir(filepath.Dir(file)); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	getKey, err := r.PrepareContext(ctx, getKeyQuery)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("store: preparing statements: %w", err)
	}
	return &DB{w: w, r: r, now: time.Now, getKey: getKey}, nil
}

// openPool opens a pool of at most n connections to file, retrying while
// another process holds the file locked. SQLite's busy timeout does not cover
// a connection's set-up: switching a new file to WAL needs an exclusive lock
// and fails at once with SQLITE_BUSY if another process is opening the same
// file, so this waits up to busyTimeout in its place.
func openPool(ctx context.Context, file string, writer bool, n int) (*sql.DB, error) {
	deadline := time.Now().Add(busyTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		db, err := tryOpenPool(ctx, file, writer, n)
		if err == nil || !isBusy(err) || time.Now().Add(delay).After(deadline) {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("store: opening %s: %w", file, ctx.Err())
		case <-time.After(delay):
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	// Extended codes such as SQLITE_BUSY_RECOVERY keep the primary code in
	// the low byte.
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// tryOpenPool opens a pool of at most n connections to file. The pragmas go
// in the DSN so that every connection the pool ever opens gets them, not just
// the first.
func tryOpenPool(ctx context.Context, file string, writer bool, n int) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL syncs the WAL on every commit, so a write is on disk before the
	// call returns. NORMAL, the usual WAL choice, may lose the last commits
	// on power loss, and usage counts are billing data.
	q.Add("_pragma", "synchronous(FULL)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: file, RawQuery: q.Encode()}).String()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", file, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Connections are cheap to keep and costly to reopen (schema parse, page
	// cache), so they live as long as the pool.
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: opening %s: %w", file, err)
	}
	return db, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: syncing data dir: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: syncing data dir: %w", err)
	}
	return nil
}

// Close closes the store. Later calls return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		// The writer goes last: the last connection to close checkpoints the
		// WAL into the main file, which needs the write lock.
		db.closeErr = errors.Join(db.getKey.Close(), db.r.Close(), db.w.Close())
	})
	return db.closeErr
}

// SchemaVersion reports the number of the last migration applied to the
// database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.r)
}

// IntegrityCheck runs SQLite's integrity check over the whole file, and its
// foreign key check, and returns an error listing what they found, if
// anything. It reads every page, so it is for operators and tests, not for
// every start-up.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	fk, err := db.r.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	defer fk.Close()
	for fk.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			index         int
		)
		if err := fk.Scan(&table, &rowid, &parent, &index); err != nil {
			return fmt.Errorf("store: foreign key check: %w", err)
		}
		row := "a row" // WITHOUT ROWID tables report no rowid
		if rowid.Valid {
			row = "row " + strconv.FormatInt(rowid.Int64, 10)
		}
		problems = append(problems, fmt.Sprintf("%s of %s refers to a missing row of %s", row, table, parent))
	}
	if err := fk.Err(); err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: database is damaged: %s", strings.Join(problems, "; "))
	}
	return nil
}
