package testinfra

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Postgres is a PostgreSQL server of one test, with trust authentication
// for the superuser postgres on loopback only.
type Postgres struct {
	t    testing.TB
	bin  string // the directory of postgres, initdb, pg_isready, psql
	dir  string // owned by the server's user; data in dir/data
	port int
	cred *syscall.Credential // nil: the test's own user

	mu  sync.Mutex
	p   *proc
	dbs atomic.Int64
}

// StartPostgres initialises a cluster in a temporary directory, starts it
// on a free loopback port and stops it when the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	pg := &Postgres{t: t, bin: postgresBin(t)}
	pg.cred, pg.dir = postgresDir(t)
	initdb := exec.Command(filepath.Join(pg.bin, "initdb"), "-D", pg.data(), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = pg.dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("testinfra: initdb: %v\n%s", err, out)
	}
	var err error
	for range 3 {
		if pg.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = pg.start(); err == nil || !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		t.Fatalf("testinfra: postgres: %v\n%s", err, tail(pg.log()))
	}
	t.Cleanup(func() {
		if err := pg.stop(); err != nil {
			t.Error(err)
		}
	})
	return pg
}

// postgresBin finds the newest PostgreSQL of Debian's layout
// (/usr/lib/postgresql/VERSION/bin), or postgres on PATH.
func postgresBin(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d
		}
	}
	return filepath.Dir(lookBin(t, "postgres", "postgresql"))
}

func pgVersion(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

// postgresDir makes the server's directory. As root, the server runs as
// the postgres user: the directory is its, and the test's temporary
// directories above it become traversable (not readable) by others.
func postgresDir(t testing.TB) (*syscall.Credential, string) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "pg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		return nil, dir
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("testinfra: PostgreSQL refuses to run as root and there is no postgres user (%v); install Debian's postgresql: scripts/deps.sh --test", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Clean(os.TempDir())
	for d := base; strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, dir
}

func (pg *Postgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *Postgres) log() string { return filepath.Join(pg.dir, "postgres.log") }

// URL is the postgres:// URL of the database "postgres".
func (pg *Postgres) URL() string { return pg.url("postgres") }

func (pg *Postgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, db)
}

// NewDatabase creates an empty database and returns its URL, so that the
// tests sharing a server do not share tables.
func (pg *Postgres) NewDatabase() string {
	pg.t.Helper()
	name := fmt.Sprintf("test_%d", pg.dbs.Add(1))
	pg.PSQL(pg.URL(), "CREATE DATABASE "+name)
	return pg.url(name)
}

// PSQL runs sql with psql against the database at url and returns its
// unaligned, tuples-only output; an error fails the test.
func (pg *Postgres) PSQL(url, sql string) string {
	pg.t.Helper()
	out, err := pg.psql(url, sql)
	if err != nil {
		pg.t.Fatalf("testinfra: psql %q: %v", sql, err)
	}
	return out
}

func (pg *Postgres) psql(url, sql string) (string, error) {
	cmd := exec.Command(filepath.Join(pg.bin, "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// Stop shuts the server down (fast shutdown: sessions are cut), as an
// outage. The data stays for Start.
func (pg *Postgres) Stop() {
	pg.t.Helper()
	if err := pg.stop(); err != nil {
		pg.t.Fatal(err)
	}
}

// Start starts a stopped server again on the same port and data.
func (pg *Postgres) Start() {
	pg.t.Helper()
	if err := pg.start(); err != nil {
		pg.t.Fatalf("testinfra: postgres: %v\n%s", err, tail(pg.log()))
	}
}

func (pg *Postgres) start() error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.p != nil {
		return errors.New("already running")
	}
	p, err := startProc("postgres", pg.log(), pg.dir, pg.cred, nil, filepath.Join(pg.bin, "postgres"),
		"-D", pg.data(),
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(pg.port),
		"-c", "unix_socket_directories=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=100",
		"-c", "logging_collector=off", "-c", "log_min_messages=warning")
	if err != nil {
		return err
	}
	ready := func() error {
		cmd := exec.Command(filepath.Join(pg.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-U", "postgres", "-t", "1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		return cmd.Run()
	}
	if err := waitReady(p, 60*time.Second, ready); err != nil {
		_ = p.stop(syscall.SIGKILL, 0)
		return err
	}
	pg.p = p
	return nil
}

func (pg *Postgres) stop() error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.p == nil {
		return nil
	}
	err := pg.p.stop(syscall.SIGINT, 30*time.Second)
	pg.p = nil
	return err
}
