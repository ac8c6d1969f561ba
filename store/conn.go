package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The store's queries are written once, with ? placeholders, in the SQL
// both back ends accept; the few statements that must differ say so next to
// them. pool and txn carry a query to the back end in its own placeholders,
// and mark the errors that mean the database cannot be reached (see
// ErrUnavailable), so that every method of DB reports an outage the same
// way, whatever it was doing.

// backend is the kind of database behind a DB.
type backend int

const (
	sqliteBackend backend = iota
	postgresBackend
)

func (b backend) String() string {
	if b == postgresBackend {
		return "postgres"
	}
	return "sqlite"
}

// forUpdate is the clause that locks the rows a SELECT reads until the
// transaction ends. SQLite has none and needs none: its write transactions
// are serialised (they begin IMMEDIATE), so nothing can change what one
// has read before it commits.
func (b backend) forUpdate() string {
	if b == postgresBackend {
		return " FOR UPDATE"
	}
	return ""
}

// bound caches queries rewritten for PostgreSQL; the store's queries are a
// fixed set of constants, so it stays small.
var bound sync.Map // string -> string

// bind rewrites query's ? placeholders as PostgreSQL's $1, $2, ...;
// question marks inside quoted strings, quoted names and comments stay.
func (b backend) bind(query string) string {
	if b != postgresBackend || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := bound.Load(query); ok {
		return q.(string)
	}
	var (
		out strings.Builder
		n   int
	)
	out.Grow(len(query) + 16)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			out.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			out.WriteString(query[i : i+j])
			i += j - 1
		case c == '?':
			n++
			out.WriteByte('$')
			out.WriteString(strconv.Itoa(n))
		default:
			out.WriteByte(c)
		}
	}
	q := out.String()
	bound.Store(query, q)
	return q
}

// unavailableError marks an error that means the database could not be
// reached: errors.Is(err, ErrUnavailable) holds for it.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string        { return e.err.Error() }
func (e *unavailableError) Unwrap() error        { return e.err }
func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

// classify marks err as ErrUnavailable when it says the database is out of
// reach rather than that the statement was wrong. Only PostgreSQL is ever
// out of reach: SQLite is a file in this process, and its errors (a full
// disk, a lock held past the busy timeout) are reported as they are.
func (b backend) classify(err error) error {
	if err == nil || b != postgresBackend || errors.Is(err, ErrUnavailable) || !unreachable(err) {
		return err
	}
	return &unavailableError{err}
}

// unreachable reports whether a PostgreSQL error means the server could not
// be reached or dropped the connection: a failed connect, a broken or
// closed connection, or the server saying it is shutting down, starting up
// or out of connections. A statement the server refused (a constraint, a
// syntax error) is not, nor is the caller's own cancellation.
func unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"): // connection exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin shutdown, crash shutdown, cannot connect now
			return true
		case pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded)
}

// retryable reports whether a transaction failed only because it ran into
// another (a deadlock, or a serialization failure): run again, it will
// succeed. PostgreSQL resolves a deadlock by failing one of the
// transactions in it; SQLite's serialised writers never deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// pool is a connection pool that speaks the store's SQL.
type pool struct {
	db *sql.DB
	b  backend
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := p.db.ExecContext(ctx, p.b.bind(query), args...)
	return res, p.b.classify(err)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*rows, error) {
	rs, err := p.db.QueryContext(ctx, p.b.bind(query), args...)
	if err != nil {
		return nil, p.b.classify(err)
	}
	return &rows{rs: rs, b: p.b}, nil
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *row {
	return &row{r: p.db.QueryRowContext(ctx, p.b.bind(query), args...), b: p.b}
}

func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, p.b.classify(err)
	}
	return &txn{tx: tx, b: p.b}, nil
}

// txn is a transaction that speaks the store's SQL.
type txn struct {
	tx *sql.Tx
	b  backend
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, t.b.bind(query), args...)
	return res, t.b.classify(err)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*rows, error) {
	rs, err := t.tx.QueryContext(ctx, t.b.bind(query), args...)
	if err != nil {
		return nil, t.b.classify(err)
	}
	return &rows{rs: rs, b: t.b}, nil
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *row {
	return &row{r: t.tx.QueryRowContext(ctx, t.b.bind(query), args...), b: t.b}
}

func (t *txn) Commit() error { return t.b.classify(t.tx.Commit()) }

// Rollback ends the transaction unless it has been committed; deferred
// after BeginTx, it is a no-op once Commit ran.
func (t *txn) Rollback() { _ = t.tx.Rollback() }

type row struct {
	r *sql.Row
	b backend
}

func (r *row) Scan(dest ...any) error { return r.b.classify(r.r.Scan(dest...)) }

type rows struct {
	rs *sql.Rows
	b  backend
}

func (r *rows) Next() bool             { return r.rs.Next() }
func (r *rows) Scan(dest ...any) error { return r.b.classify(r.rs.Scan(dest...)) }
func (r *rows) Err() error             { return r.b.classify(r.rs.Err()) }
func (r *rows) Close() error           { return r.b.classify(r.rs.Close()) }

// The interfaces below let a helper run on the pool or inside a
// transaction alike.
type (
	queryRower interface {
		QueryRowContext(ctx context.Context, query string, args ...any) *row
	}
	querier interface {
		QueryContext(ctx context.Context, query string, args ...any) (*rows, error)
	}
	execer interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
)

// queryAll runs query on q and returns every row, read by scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// deleteOwned deletes the row id of table that belongs to accountID; a
// row of another account, or none, is ErrNotFound (naming it as what) and
// stays. Other errors say op.
func (db *DB) deleteOwned(ctx context.Context, table, op, what, accountID, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, id)
	}
	return nil
}

// maxTxAttempts bounds the runs of a transaction that keeps meeting
// deadlocks; each loser waits a little longer, at random, so that two
// transactions that deadlocked do not meet again.
const maxTxAttempts = 5

// inTx runs f in a write transaction and commits it, running it again
// when PostgreSQL failed it for a deadlock or a serialization failure. f
// must do nothing but database work, since it may run more than once.
func (db *DB) inTx(ctx context.Context, f func(tx *txn) error) error {
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, f)
		if err == nil || !retryable(err) || attempt == maxTxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * time.Duration(1+rand.IntN(10)) * time.Millisecond):
		}
	}
}

func (db *DB) tryTx(ctx context.Context, f func(tx *txn) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: beginning a transaction: %w", err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: committing: %w", err)
	}
	return nil
}
