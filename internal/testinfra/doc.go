// Package testinfra starts the real servers that multi-node tests need, on
// free loopback ports, in a test's temporary directory: PostgreSQL (Debian's
// postgresql, initdb'd afresh), redis-server and nginx. Each helper waits
// until its server answers, stops it in t.Cleanup, and fails the test if
// any process of it is left behind: every server runs in a process group
// of its own, which must be empty after the stop. Redis and PostgreSQL can
// be stopped and started again on the same port and data, to test outages;
// nginx can be reloaded with new upstreams. StartProcess runs a process of
// the test's own (a `parley serve` node) under the same rules, and can
// kill it as `kill -9` does.
//
// The servers come from Debian packages that scripts/deps.sh --test
// installs (postgresql, redis-server, nginx). A helper whose binary is
// missing fails the test, saying so: tests that need these servers are
// not skipped.
//
// PostgreSQL refuses to run as root. When the test runs as root (CI does),
// initdb and postgres run as the postgres user that Debian's package
// creates, through the child process's credentials; the temporary
// directories on the way are made traversable for it. PostgreSQL starts
// without durability (fsync, synchronous_commit and full_page_writes off)
// and with small buffers, which is what tests need and what keeps start-up
// near a second.
package testinfra
