// Package store owns Parley's persistent state in one SQLite file under the
// data directory: accounts, API keys (stored only as hashes) and per-key
// monthly usage, plus the numbered schema migrations that let later releases
// add saved voices and async jobs without losing data.
//
// The database runs in WAL mode with synchronous=FULL, so a write is durable
// once the call that made it returns, even if the process is killed right
// after. Several processes (the server and a `parley keys` command, say) may
// open the same file at once.
package store
