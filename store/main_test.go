package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/internal/testinfra"
)

// shared holds what lives as long as the test binary: the PostgreSQL
// server every test that needs one shares, started by the first.
var shared struct {
	bin  *testinfra.Binary
	once sync.Once
	pg   *testinfra.Postgres
}

func TestMain(m *testing.M) {
	// The durability test re-executes this binary as the process it kills.
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	shared.bin = testinfra.NewBinary()
	code := m.Run()
	if !shared.bin.Close() && code == 0 {
		code = 1
	}
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		code = 1
	}
	os.Exit(code)
}

// postgresServer is the test binary's PostgreSQL, started on first use.
func postgresServer() *testinfra.Postgres {
	shared.once.Do(func() { shared.pg = testinfra.StartPostgres(shared.bin) })
	return shared.pg
}

// testBackend is a fresh, empty store of one kind for one test.
type testBackend struct {
	name string // "sqlite" or "postgres"
	url  string
	dir  string // the SQLite file's directory; empty for PostgreSQL
}

// backends returns a fresh store of each kind: a SQLite file in a new
// temporary directory, and a new database on the binary's PostgreSQL.
// Every store test runs against each, as a subtest named for it.
func backends(t testing.TB) []testBackend {
	t.Helper()
	dir := t.TempDir()
	return []testBackend{
		{name: "sqlite", url: "sqlite:" + filepath.Join(dir, FileName), dir: dir},
		{name: "postgres", url: postgresServer().NewDatabase()},
	}
}

// forBackends runs f as a subtest for each back end.
func forBackends(t *testing.T, f func(t *testing.T, b testBackend)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// open opens the store and closes it when the test ends. Opening again
// gives a second DB on the same data, as a second process or node.
func (b testBackend) open(t testing.TB) *DB {
	t.Helper()
	db, err := OpenURL(context.Background(), b.url)
	if err != nil {
		t.Fatalf("OpenURL(%s): %v", b.name, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// openWith opens the store with migs in place of the embedded migrations.
func (b testBackend) openWith(ctx context.Context, migs []migration) (*DB, error) {
	return openURL(ctx, b.url, migs)
}

// openTest opens the SQLite store in dir and closes it when the test ends.
func openTest(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// fakeClock is a settable clock for the timing logic of last_used_at.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func useFakeClock(db *DB) *fakeClock {
	c := &fakeClock{t: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)}
	db.now = c.now
	return c
}
