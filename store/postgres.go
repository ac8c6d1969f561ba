package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL's durability is the server's: a write is durable once the
// statement or transaction that made it has returned, provided the server
// runs with its defaults (fsync on, synchronous_commit on); with
// synchronous_commit off (as the tests run it) a server crash may lose the
// last commits, though no other node or process can, since all of them
// only ever see what the server has committed. The store's own bounds
// (sizes, limits, counts) are enforced in the statements, and hold across
// nodes: see each transaction's comment for how it stays correct when
// writers are not serialised.

const (
	// pgPoolSize bounds a node's connections: requests that need the
	// store past it wait for a free one. A node's work is short queries,
	// so a few connections serve many sessions, and many nodes fit in
	// PostgreSQL's default max_connections (100).
	pgPoolSize = 16
	// pgConnectTimeout bounds the connection of a new session to the
	// server when the URL sets none: an unreachable server must turn into
	// ErrUnavailable in seconds, not after the operating system's TCP
	// timeout.
	pgConnectTimeout = 5 * time.Second
	// pgIdleTime closes idle connections after a while, so that a node
	// past a burst gives its connections back.
	pgIdleTime = 5 * time.Minute
)

// openPostgres opens the PostgreSQL database at url and migrates it.
func openPostgres(ctx context.Context, url string, migs []migration) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("%w: store URL: %v", ErrInvalid, errors.Unwrap(err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	sdb := stdlib.OpenDB(*cfg)
	sdb.SetMaxOpenConns(pgPoolSize)
	sdb.SetMaxIdleConns(pgPoolSize)
	sdb.SetConnMaxIdleTime(pgIdleTime)
	p := &pool{db: sdb, b: postgresBackend}
	if err := p.b.classify(sdb.PingContext(ctx)); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: connecting to %s: %w", describe(cfg), err)
	}
	if err := migrate(ctx, p, migs); err != nil {
		sdb.Close()
		return nil, err
	}
	// database/sql prepares the statement again on whichever connection
	// runs it, so it survives the pool replacing connections after an
	// outage.
	getKey, err := sdb.PrepareContext(ctx, p.b.bind(getKeyQuery))
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: preparing statements: %w", p.b.classify(err))
	}
	return &DB{b: postgresBackend, w: p, r: p, now: time.Now, getKey: getKey}, nil
}

// describe names a PostgreSQL database for messages, without its
// password.
func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
