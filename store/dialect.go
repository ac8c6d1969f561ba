package store

import (
	"fmt"
	"regexp"
	"strings"
)

// The migrations are written once, in SQLite's dialect, and applied to
// SQLite as written, so that installations made before PostgreSQL was
// supported walk the same steps they always did. For PostgreSQL they go
// through postgresSchema, which rewrites the few things the two spell
// differently. It knows only what the migrations use, and refuses what it
// does not know rather than guess:
//
//	SQLite                              PostgreSQL
//	INTEGER                             BIGINT (times are Unix milliseconds)
//	BLOB                                BYTEA
//	) STRICT; / ) STRICT, WITHOUT ROWID;   );  (PostgreSQL's types are strict)
//	json_valid(x)                       (x::json IS NOT NULL)  (a malformed value fails the cast)
//	x GLOB '[0-9]-...'                  x SIMILAR TO '[0-9]-...'  (brackets and literals only)
//
// Everything else in the migrations (CREATE TABLE and INDEX, partial
// indexes, ALTER TABLE ADD COLUMN with CHECK and DEFAULT, DROP INDEX,
// REFERENCES ... ON DELETE CASCADE, comments) is the same in both.

var (
	// Words are matched outside quoted strings and comments only: see
	// mapCode.
	pgWords = []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile(`\bINTEGER\b`), "BIGINT"},
		{regexp.MustCompile(`\bBLOB\b`), "BYTEA"},
		{regexp.MustCompile(`\)\s*STRICT\s*,\s*WITHOUT\s+ROWID\s*;`), ");"},
		{regexp.MustCompile(`\)\s*WITHOUT\s+ROWID\s*,\s*STRICT\s*;`), ");"},
		{regexp.MustCompile(`\)\s*STRICT\s*;`), ");"},
		{regexp.MustCompile(`\)\s*WITHOUT\s+ROWID\s*;`), ");"},
		{regexp.MustCompile(`\bjson_valid\s*\(\s*([a-z_][a-z0-9_]*)\s*\)`), "($1::json IS NOT NULL)"},
	}
	globExpr = regexp.MustCompile(`\bGLOB\s+'([^']*)'`)
	// Left over after the rewrites, these mean a migration uses SQLite
	// that the translation does not know.
	sqliteOnly = regexp.MustCompile(`(?i)\b(STRICT|WITHOUT\s+ROWID|GLOB|PRAGMA|AUTOINCREMENT|json_valid|json_extract|INSERT\s+OR|REPLACE\s+INTO|datetime|strftime|julianday|unixepoch)\b`)
	// globLiteral is a GLOB pattern that SIMILAR TO reads the same way:
	// bracket expressions and characters that are literal in both.
	globLiteral = regexp.MustCompile(`^(\[[0-9a-zA-Z-]+\]|[0-9a-zA-Z:. -])*$`)
)

// postgresSchema rewrites a migration written for SQLite into
// PostgreSQL's dialect, or says what it cannot rewrite.
func postgresSchema(sqlText string) (string, error) {
	var bad error
	out := mapCode(sqlText, func(code string) string {
		for _, w := range pgWords {
			code = w.re.ReplaceAllString(code, w.repl)
		}
		code = globExpr.ReplaceAllStringFunc(code, func(m string) string {
			pat := globExpr.FindStringSubmatch(m)[1]
			if !globLiteral.MatchString(pat) && bad == nil {
				bad = fmt.Errorf("store: GLOB pattern %q has wildcards the PostgreSQL translation does not handle", pat)
			}
			return "SIMILAR TO '" + pat + "'"
		})
		if m := sqliteOnly.FindString(code); m != "" && bad == nil {
			bad = fmt.Errorf("store: %q has no PostgreSQL translation", m)
		}
		return code
	})
	return out, bad
}

// mapCode applies f to the parts of sqlText that are SQL code, leaving
// comments as they are. Quoted strings ('...') go to f with the code
// around them, so that a rewrite may read a GLOB's pattern.
func mapCode(sqlText string, f func(string) string) string {
	var (
		out         strings.Builder
		start       int
		quoted      bool
		commentFrom = -1
	)
	for i := 0; i < len(sqlText); i++ {
		switch {
		case commentFrom >= 0:
			if sqlText[i] == '\n' {
				out.WriteString(sqlText[commentFrom : i+1])
				commentFrom, start = -1, i+1
			}
		case sqlText[i] == '\'':
			quoted = !quoted
		case !quoted && strings.HasPrefix(sqlText[i:], "--"):
			out.WriteString(f(sqlText[start:i]))
			commentFrom = i
		}
	}
	if commentFrom >= 0 {
		out.WriteString(sqlText[commentFrom:])
	} else {
		out.WriteString(f(sqlText[start:]))
	}
	return out.String()
}
