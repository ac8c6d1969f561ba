package store

import (
	"strings"
	"testing"
)

func TestPostgresSchema(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"types", "CREATE TABLE t (a INTEGER NOT NULL, b BLOB, c TEXT) STRICT;", "CREATE TABLE t (a BIGINT NOT NULL, b BYTEA, c TEXT);", ""},
		{"strict without rowid", "CREATE TABLE t (a TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;", "CREATE TABLE t (a TEXT PRIMARY KEY);", ""},
		{"without rowid alone", "CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID;", "CREATE TABLE t (a TEXT PRIMARY KEY);", ""},
		{"json_valid", "profile TEXT NOT NULL CHECK (json_valid(profile)),", "profile TEXT NOT NULL CHECK ((profile::json IS NOT NULL)),", ""},
		{"glob of brackets", "month TEXT CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]')", "month TEXT CHECK (month SIMILAR TO '[0-9][0-9][0-9][0-9]-[01][0-9]')", ""},
		{"comments kept as written", "-- INTEGER and BLOB and STRICT; here\nx INTEGER", "-- INTEGER and BLOB and STRICT; here\nx BIGINT", ""},
		{"a dash pair in a string is not a comment", "CHECK (a <> '--') , b INTEGER", "CHECK (a <> '--') , b BIGINT", ""},
		{"words inside names stay", "CREATE INDEX integer_blobs ON t (myINTEGERx)", "CREATE INDEX integer_blobs ON t (myINTEGERx)", ""},
		{"glob wildcard refused", "CHECK (a GLOB 'x*')", "", "wildcards"},
		{"autoincrement refused", "id INTEGER PRIMARY KEY AUTOINCREMENT", "", "AUTOINCREMENT"},
		{"insert or replace refused", "INSERT OR REPLACE INTO t VALUES (1)", "", "INSERT OR"},
		{"pragma refused", "PRAGMA foreign_keys = ON;", "", "PRAGMA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := postgresSchema(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("postgresSchema(%q)\n= %q, %v\nwant %q", tt.in, got, err, tt.want)
			}
		})
	}
	// Every real migration translates.
	migs, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if _, err := postgresSchema(m.sql); err != nil {
			t.Errorf("migration %d: %v", m.version, err)
		}
	}
}

func TestBind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{"SELECT '?' , ? -- what?\nFROM t WHERE x = ?", "SELECT '?' , $1 -- what?\nFROM t WHERE x = $2"},
		{`SELECT "odd?name" FROM t WHERE a = ?`, `SELECT "odd?name" FROM t WHERE a = $1`},
	}
	for _, tt := range tests {
		if got := postgresBackend.bind(tt.in); got != tt.want {
			t.Errorf("bind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sqliteBackend.bind(tt.in); got != tt.in {
			t.Errorf("SQLite's bind changed %q to %q", tt.in, got)
		}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct{ url, kind, target, wantErr string }{
		{"sqlite:./data/parley.db", "sqlite", "./data/parley.db", ""},
		{"sqlite:///var/lib/parley/parley.db", "sqlite", "/var/lib/parley/parley.db", ""},
		{"postgres://u:p@h:5432/d?sslmode=disable", "postgres", "postgres://u:p@h:5432/d?sslmode=disable", ""},
		{"postgresql://h/d", "postgres", "postgresql://h/d", ""},
		{"sqlite:", "", "", "names no file"},
		{"mysql://u:secret@h/d", "", "", "sqlite:PATH or postgres://"},
		{"./data/parley.db", "", "", "sqlite:PATH or postgres://"},
	}
	for _, tt := range tests {
		kind, target, err := ParseURL(tt.url)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) error = %v, want one about %q without the password", tt.url, err, tt.wantErr)
			}
		case err != nil || kind != tt.kind || target != tt.target:
			t.Errorf("ParseURL(%q) = %q, %q, %v", tt.url, kind, target, err)
		}
	}
}
