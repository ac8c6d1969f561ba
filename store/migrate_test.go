package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// withExtra returns the real migrations followed by test-only ones, standing
// in for a newer binary.
func withExtra(t *testing.T, extra ...string) []migration {
	t.Helper()
	migs, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range extra {
		migs = append(migs, migration{version: len(migs) + 1, name: "test", sql: body})
	}
	return migs
}

// Stands in for a migration of a later release: a new table tied to
// accounts, and a new column on an existing one.
const laterMigration = `
CREATE TABLE favourites (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL
) STRICT;
ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT '';
`

func TestLoadMigrations(t *testing.T) {
	embedded, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	if len(embedded) == 0 || embedded[0].name != "init" {
		t.Fatalf("embedded migrations = %+v, want init first", embedded)
	}

	file := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"ordered", []string{"0002_b.sql", "0001_a.sql", "0003_c.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "without gaps"},
		{"starts at 2", []string{"0002_b.sql"}, "without gaps"},
		{"duplicate version", []string{"0001_a.sql", "0001_b.sql"}, "without gaps"},
		{"bad name", []string{"0001_a.sql", "2_b.sql"}, "NNNN_name.sql"},
		{"not sql", []string{"0001_a.txt"}, "NNNN_name.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["m/"+f] = file
			}
			migs, err := loadMigrations(fsys, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range migs {
				if m.version != i+1 || m.sql != "SELECT 1;" {
					t.Errorf("migration %d = %+v", i, m)
				}
			}
		})
	}
}

// tableCountQuery counts the tables named ? in db's schema.
func tableCountQuery(db *DB) string {
	if db.Backend() == "postgres" {
		return `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	return `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`
}

func TestFreshDatabase(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		want := len(withExtra(t))
		if v, err := db.SchemaVersion(ctx); err != nil || v != want {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, want)
		}
		for _, table := range []string{"schema_migrations", "accounts", "api_keys", "usage", "voices", "jobs", "job_audio", "settings"} {
			var n int
			if err := db.r.QueryRowContext(ctx, tableCountQuery(db), table).Scan(&n); err != nil || n != 1 {
				t.Errorf("table %s: count %d, %v", table, n, err)
			}
		}
	})
}

// TestPragmasOnEveryConnection holds every connection of both pools at once,
// so each pragma is checked on connections the pool opened after the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	{
		db := openTest(t, t.TempDir())
		ctx := context.Background()
		pools := []struct {
			name      string
			pool      *sql.DB
			queryOnly int
		}{
			{"writer", db.w.db, 0},
			{"reader", db.r.db, 1},
		}
		for _, p := range pools {
			n := p.pool.Stats().MaxOpenConnections
			conns := make([]*sql.Conn, n)
			for i := range conns {
				c, err := p.pool.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns[i] = c
			}
			for i, c := range conns {
				var (
					journal                   string
					sync, fk, busy, queryOnly int
				)
				row := c.QueryRowContext(ctx, `SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys, pragma_busy_timeout, pragma_query_only`)
				if err := row.Scan(&journal, &sync, &fk, &busy, &queryOnly); err != nil {
					t.Fatal(err)
				}
				if journal != "wal" || sync != 2 || fk != 1 || busy != int(busyTimeout.Milliseconds()) || queryOnly != p.queryOnly {
					t.Errorf("%s connection %d: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d query_only=%d",
						p.name, i, journal, sync, fk, busy, queryOnly)
				}
			}
		}
	}
}

func TestUpgradeToNewerSchema(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		old := be.open(t)
		secret, k, err := old.CreateKey(ctx, "before upgrade", "pro")
		if err != nil {
			t.Fatal(err)
		}
		if err := old.AddUsage(ctx, k.ID, "2025-01", 1234); err != nil {
			t.Fatal(err)
		}
		oldVersion, err := old.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}

		newer := withExtra(t, laterMigration)
		// Opening twice shows the new step runs once: its CREATE TABLE would fail
		// the second time.
		for range 2 {
			db, err := be.openWith(ctx, newer)
			if err != nil {
				t.Fatalf("open with newer binary: %v", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != oldVersion+1 {
				t.Errorf("SchemaVersion = %d, %v; want %d", v, err, oldVersion+1)
			}
			if got, err := db.Authenticate(ctx, secret); err != nil || got.ID != k.ID {
				t.Errorf("Authenticate after upgrade = %+v, %v", got, err)
			}
			if chars, reqs, err := db.Usage(ctx, k.ID, "2025-01"); err != nil || chars != 1234 || reqs != 1 {
				t.Errorf("Usage after upgrade = %d, %d, %v; want 1234, 1", chars, reqs, err)
			}
			if _, err := db.w.ExecContext(ctx, `INSERT INTO favourites (id, account_id, name) VALUES ('f1', ?, 'f') ON CONFLICT (id) DO NOTHING`, k.AccountID); err != nil {
				t.Errorf("new table unusable: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestNewerSchemaIsRefused(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		newer, err := be.openWith(ctx, withExtra(t, laterMigration))
		if err != nil {
			t.Fatal(err)
		}
		want, err := newer.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := newer.Close(); err != nil {
			t.Fatal(err)
		}

		db, err := OpenURL(ctx, be.url)
		if !errors.Is(err, ErrSchemaTooNew) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("Open of a newer database: error = %v, want ErrSchemaTooNew", err)
		}
		// The refusal must leave the file as the newer binary left it.
		db, err = be.openWith(ctx, withExtra(t, laterMigration))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, err := db.SchemaVersion(ctx); err != nil || v != want {
			t.Errorf("SchemaVersion after refusal = %d, %v; want %d", v, err, want)
		}
	})
}

func TestFailedMigrationRollsBack(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		broken := withExtra(t, `CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);`)
		if db, err := be.openWith(ctx, broken); err == nil {
			db.Close()
			t.Fatal("open with a failing migration succeeded")
		}

		db := be.open(t)
		if v, err := db.SchemaVersion(ctx); err != nil || v != len(broken)-1 {
			t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(broken)-1)
		}
		var n int
		if err := db.r.QueryRowContext(ctx, tableCountQuery(db), "half_done").Scan(&n); err != nil || n != 0 {
			t.Errorf("half-applied migration left its table: count %d, %v", n, err)
		}
	})
}

// TestConcurrentOpen opens four stores on one fresh database at once, as a
// server and a `parley keys` command might (SQLite), or nodes starting
// together (PostgreSQL, where the advisory lock serialises the migrations),
// then writes through all of them.
func TestConcurrentOpen(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		var (
			dbs  [4]*DB
			errs [4]error
			wg   sync.WaitGroup
		)
		for i := range dbs {
			wg.Go(func() { dbs[i], errs[i] = OpenURL(ctx, be.url) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		var applied int
		if err := dbs[0].r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if want := len(withExtra(t)); applied != want {
			t.Errorf("schema_migrations has %d rows, want %d", applied, want)
		}

		secret, k, err := dbs[0].CreateKey(ctx, "shared", "pro")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dbs[1].Authenticate(ctx, secret); err != nil {
			t.Errorf("key created by one store unknown to the other: %v", err)
		}
		const perStore = 25
		for _, db := range dbs {
			wg.Go(func() {
				for range perStore {
					if err := db.AddUsage(ctx, k.ID, "2025-06", 3); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if chars, reqs, err := dbs[1].Usage(ctx, k.ID, "2025-06"); err != nil || chars != 3*4*perStore || reqs != 4*perStore {
			t.Errorf("Usage = %d, %d, %v; want %d, %d", chars, reqs, err, 3*4*perStore, 4*perStore)
		}
	})
}

// TestUpgradeFromRelease1 opens a data dir of the first release, which had
// only migration 1, with this binary, and finds the old data intact and the
// new tables working with it.
func TestUpgradeFromRelease1(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	release1 := withExtra(t)[:1]
	old, err := open(ctx, dir, release1)
	if err != nil {
		t.Fatal(err)
	}
	secret, k, err := old.CreateKey(ctx, "from release 1", "pro")
	if err != nil {
		t.Fatal(err)
	}
	revokedSecret, revoked, err := old.CreateKeyForAccount(ctx, k.AccountID, "revoked", "free")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.RevokeKey(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	usage := map[string]int64{"2025-01": 1234, "2025-02": 99}
	for month, chars := range usage {
		if err := old.AddUsage(ctx, k.ID, month, chars); err != nil {
			t.Fatal(err)
		}
	}
	oldKeys, err := old.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := old.SchemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("release 1 database at version %d, %v", v, err)
	}
	for _, table := range []string{"voices", "jobs"} {
		var n int
		if err := old.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = ?`, table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("release 1 database already has table %s (%d, %v)", table, n, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openTest(t, dir)
	if v, err := db.SchemaVersion(ctx); err != nil || v != len(withExtra(t)) {
		t.Errorf("SchemaVersion after upgrade = %d, %v; want %d", v, err, len(withExtra(t)))
	}
	keys, err := db.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(oldKeys) {
		t.Fatalf("ListKeys after upgrade = %+v, want %+v", keys, oldKeys)
	}
	for i := range keys {
		if !keysEqual(keys[i], oldKeys[i]) {
			t.Errorf("key %d after upgrade = %+v, want %+v", i, keys[i], oldKeys[i])
		}
	}
	if got, err := db.Authenticate(ctx, secret); err != nil || got.ID != k.ID {
		t.Errorf("Authenticate after upgrade = %+v, %v", got, err)
	}
	if _, err := db.Authenticate(ctx, revokedSecret); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked key after upgrade: error = %v, want ErrRevoked", err)
	}
	for month, chars := range usage {
		if got, reqs, err := db.Usage(ctx, k.ID, month); err != nil || got != chars || reqs != 1 {
			t.Errorf("Usage(%s) after upgrade = %d, %d, %v; want %d, 1", month, got, reqs, err, chars)
		}
	}

	v, err := db.CreateVoice(ctx, Voice{AccountID: k.AccountID, Name: "new", Source: VoiceFromDescription, Profile: []byte(`{}`)}, 1)
	if err != nil {
		t.Fatalf("CreateVoice for an account of release 1: %v", err)
	}
	if got, err := db.GetVoice(ctx, k.AccountID, v.ID); err != nil || got.ID != v.ID {
		t.Errorf("GetVoice = %+v, %v", got, err)
	}
	j, err := db.CreateJob(ctx, Job{AccountID: k.AccountID, KeyID: revoked.ID, Request: []byte(`{}`), Format: "wav"}, JobLimits{})
	if err != nil {
		t.Fatalf("CreateJob for a key of release 1: %v", err)
	}
	if got, err := db.GetJob(ctx, k.AccountID, j.ID); err != nil || got.Status != JobQueued {
		t.Errorf("GetJob = %+v, %v", got, err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}
