// Package store owns Parley's persistent state: accounts, API keys (stored
// only as hashes), per-key monthly usage, saved voices, async synthesis jobs
// with their audio and webhook delivery state, Twilio numbers (their auth
// tokens sealed by package phone) and the records of agent calls, and
// server settings (the fingerprint of the server secret, and on a shared
// store the secret itself), plus the numbered schema migrations that let each release extend
// the schema without losing data.
//
// Two back ends sit behind one DB (OpenURL): a SQLite file (modernc.org/sqlite)
// in the data directory, for one machine, and PostgreSQL (pgx), which several
// nodes share. Queries are written once, with ? placeholders rebound for
// PostgreSQL (conn.go); the migrations are written once, in SQLite's dialect,
// and translated for PostgreSQL by a small, tested set of rewrites
// (dialect.go). Every transaction that reads before it writes says next to
// it how it stays correct where writers are not serialised: PostgreSQL's
// row locks (FOR UPDATE, SKIP LOCKED for claims), or a re-check in the
// UPDATE's WHERE. Copy moves a whole store from one back end to the other,
// verified row by row.
//
// SQLite runs in WAL mode with synchronous=FULL, so a write is durable once
// the call that made it returns, even if the process is killed right after.
// Several processes (the server and a `parley keys` command, say) may open
// the same file at once. PostgreSQL's durability is the server's (postgres.go).
// A PostgreSQL that cannot be reached makes every method fail with an error
// that matches ErrUnavailable.
package store
