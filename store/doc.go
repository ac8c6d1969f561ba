// Package store owns Parley's persistent state in one SQLite file under the
// data directory: accounts, API keys (stored only as hashes), per-key monthly
// usage, saved voices, and async synthesis jobs with their webhook delivery
// state, plus the numbered schema migrations that let each release extend the
// schema without losing data.
//
// The database runs in WAL mode with synchronous=FULL, so a write is durable
// once the call that made it returns, even if the process is killed right
// after. Several processes (the server and a `parley keys` command, say) may
// open the same file at once.
package store
