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
	b backend
	// SQLite: two pools share the file. All writes go through w, which
	// has exactly one connection: SQLite admits one writer at a time
	// anyway, so queueing writers in Go is cheaper than letting them spin
	// on the busy handler. w's transactions begin IMMEDIATE, so a
	// transaction that reads before it writes never fails halfway with
	// SQLITE_BUSY when it upgrades its lock, a failure busy_timeout cannot
	// help with (it matters when another process writes the same file).
	// Reads go through r, several query_only connections that in WAL mode
	// neither block nor wait for the writer.
	//
	// PostgreSQL: w and r are one pool of pgPoolSize connections. Writers
	// are not serialised, so every transaction that reads before it writes
	// locks what it read (see forUpdate) or re-checks it in its UPDATE's
	// WHERE, as the comment at each says.
	w   *pool
	r   *pool
	now func() time.Time // a field so tests can move time

	// getKey is prepared once because it runs for every request, and
	// compiling it each time would double Authenticate's cost.
	getKey *sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

// Open opens the SQLite store in dir, creating dir (mode 0700) and the
// database FileName (mode 0600) if needed, and applies any pending
// migrations. It fails with ErrSchemaTooNew if a newer Parley has already
// upgraded the file.
func Open(ctx context.Context, dir string) (*DB, error) {
	migs, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return open(ctx, dir, migs)
}

// OpenURL opens the store that url names: "sqlite:PATH" for the SQLite
// file PATH (its directory created with mode 0700 if needed), or
// "postgres://..." (also "postgresql://") for a PostgreSQL database, in
// the form pgx accepts. Pending migrations are applied either way.
func OpenURL(ctx context.Context, url string) (*DB, error) {
	migs, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return openURL(ctx, url, migs)
}

func openURL(ctx context.Context, url string, migs []migration) (*DB, error) {
	kind, target, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return openPostgres(ctx, target, migs)
	}
	return openFile(ctx, target, migs)
}

// ParseURL splits a store URL into its kind, "sqlite" or "postgres", and
// what the back end opens: the SQLite file's path, or the whole
// postgres:// URL. It fails with ErrInvalid for anything else.
func ParseURL(url string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("%w: store URL %q names no file", ErrInvalid, url)
		}
		return "sqlite", path, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return "postgres", url, nil
	}
	return "", "", fmt.Errorf("%w: store URL must be sqlite:PATH or postgres://..., not %q", ErrInvalid, redact(url))
}

// SQLiteURL is the store URL of the SQLite database in the data directory
// dir, the default store.
func SQLiteURL(dir string) string { return "sqlite:" + filepath.Join(dir, FileName) }

// redact hides a password that a malformed URL may carry, for an error
// message.
func redact(url string) string {
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "...@" + url[i+1:]
		}
		return "...@" + url[i+1:]
	}
	return url
}

func open(ctx context.Context, dir string, migs []migration) (*DB, error) {
	return openFile(ctx, filepath.Join(dir, FileName), migs)
}

func openFile(ctx context.Context, path string, migs []migration) (*DB, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: creating data dir: %w", err)
	}
	file, err := filepath.Abs(path)
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
	wp := &pool{db: w, b: sqliteBackend}
	if err := migrate(ctx, wp, migs); err != nil {
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
	return &DB{b: sqliteBackend, w: wp, r: &pool{db: r, b: sqliteBackend}, now: time.Now, getKey: getKey}, nil
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
		errs := []error{db.getKey.Close()}
		if db.r != db.w {
			errs = append(errs, db.r.db.Close())
		}
		db.closeErr = errors.Join(append(errs, db.w.db.Close())...)
	})
	return db.closeErr
}

// Backend names the kind of database: "sqlite" or "postgres".
func (db *DB) Backend() string { return db.b.String() }

// Shared reports whether several Parley nodes may use the store at once
// (PostgreSQL), rather than one process at a time running jobs and holding
// the data directory (SQLite).
func (db *DB) Shared() bool { return db.b == postgresBackend }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.b.classify(db.r.db.PingContext(ctx)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
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
//
// On PostgreSQL it does nothing: the server checks foreign keys on every
// write, and checksums its pages itself.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.b == postgresBackend {
		return nil
	}
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
