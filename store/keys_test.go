package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/plan"
)

var keyFormat = regexp.MustCompile(`^pk_([a-z2-7]{10})_[a-z2-7]{32}$`)

func TestCreateKeyEveryPlan(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		for _, p := range plan.Names() {
			t.Run(p, func(t *testing.T) {
				secret, k, err := db.CreateKey(ctx, "key for "+p, p)
				if err != nil {
					t.Fatalf("CreateKey: %v", err)
				}
				m := keyFormat.FindStringSubmatch(secret)
				if m == nil {
					t.Fatalf("secret %q does not match %v", secret, keyFormat)
				}
				want := Key{ID: m[1], AccountID: k.AccountID, Name: "key for " + p, Plan: p, CreatedAt: clock.now()}
				if !keysEqual(k, want) {
					t.Errorf("created key = %+v, want %+v", k, want)
				}
				if !strings.HasPrefix(k.AccountID, accountPrefix) {
					t.Errorf("account id %q lacks prefix %q", k.AccountID, accountPrefix)
				}
				got, err := db.Authenticate(ctx, secret)
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				want.LastUsedAt = ptr(clock.now())
				if !keysEqual(got, want) {
					t.Errorf("authenticated key = %+v, want %+v", got, want)
				}
			})
		}
	})
}

func TestCreateKeyRejects(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		tests := []struct {
			name, keyName, plan string
			want                error
		}{
			{"unknown plan", "k", "platinum", ErrUnknownPlan},
			{"empty plan", "k", "", ErrUnknownPlan},
			{"plan in wrong case", "k", "Free", ErrUnknownPlan},
			{"name too long", strings.Repeat("n", maxNameLen+1), "free", ErrInvalid},
			{"name not UTF-8", "\xff\xfe", "free", ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, _, err := db.CreateKey(ctx, tt.keyName, tt.plan); !errors.Is(err, tt.want) {
					t.Errorf("CreateKey(%q, %q) error = %v, want %v", tt.keyName, tt.plan, err, tt.want)
				}
			})
		}
		keys, err := db.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 0 {
			t.Errorf("rejected creations left %d keys", len(keys))
		}
	})
}

func TestAuthenticateFailures(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		good, k, err := db.CreateKey(ctx, "good", "pro")
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := db.CreateKey(ctx, "other", "pro")
		if err != nil {
			t.Fatal(err)
		}
		revoked, rk, err := db.CreateKey(ctx, "revoked", "pro")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeKey(ctx, rk.ID); err != nil {
			t.Fatal(err)
		}
		secretOf := func(s string) string { return s[len(keyPrefix)+keyIDLen+1:] }
		// flip changes the last character of s to another valid one.
		flip := func(s string) string {
			last := s[len(s)-1]
			repl := byte('a')
			if last == 'a' {
				repl = 'b'
			}
			return s[:len(s)-1] + string(repl)
		}

		tests := []struct {
			name, key string
			want      error
		}{
			{"empty", "", ErrUnknownKey},
			{"prefix only", keyPrefix, ErrUnknownKey},
			{"wrong prefix", "sk_" + good[len(keyPrefix):], ErrUnknownKey},
			{"no prefix", good[len(keyPrefix):], ErrUnknownKey},
			{"upper case", strings.ToUpper(good), ErrUnknownKey},
			{"right id wrong secret", flip(good), ErrUnknownKey},
			{"right id, another key's secret", keyPrefix + k.ID + "_" + secretOf(other), ErrUnknownKey},
			{"unknown id", keyPrefix + "aaaaaaaaaa_" + secretOf(good), ErrUnknownKey},
			{"truncated", good[:len(good)-1], ErrUnknownKey},
			{"trailing character", good + "a", ErrUnknownKey},
			{"trailing newline", good + "\n", ErrUnknownKey},
			{"leading space", " " + good, ErrUnknownKey},
			{"separator replaced", strings.Replace(good, "_"+secretOf(good), "-"+secretOf(good), 1), ErrUnknownKey},
			{"character outside alphabet", good[:len(good)-1] + "1", ErrUnknownKey},
			{"SQL in id", keyPrefix + "'or'1'='1_" + secretOf(good), ErrUnknownKey},
			{"very long", strings.Repeat(good, 100_000), ErrUnknownKey},
			{"revoked", revoked, ErrRevoked},
			{"revoked with wrong secret", flip(revoked), ErrUnknownKey},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.Authenticate(ctx, tt.key)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Authenticate error = %v, want %v", err, tt.want)
				}
				if got != (Key{}) {
					t.Errorf("failed Authenticate returned key %+v", got)
				}
			})
		}
		// The failures above must not have disturbed the good key.
		if _, err := db.Authenticate(ctx, good); err != nil {
			t.Errorf("good key after failures: %v", err)
		}
	})
}

func TestListGetRevoke(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()

		var created []Key
		for i, p := range []string{"free", "realtime", "scale"} {
			clock.advance(time.Second)
			_, k, err := db.CreateKey(ctx, "key "+string(rune('a'+i)), p)
			if err != nil {
				t.Fatal(err)
			}
			created = append(created, k)
		}
		clock.advance(time.Second)
		revokedAt := clock.now()
		if err := db.RevokeKey(ctx, created[1].ID); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		created[1].RevokedAt = &revokedAt
		clock.advance(time.Hour)
		if err := db.RevokeKey(ctx, created[1].ID); err != nil {
			t.Fatalf("second RevokeKey: %v", err)
		}

		list, err := db.ListKeys(ctx)
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		if len(list) != len(created) {
			t.Fatalf("ListKeys returned %d keys, want %d", len(list), len(created))
		}
		for i := range list {
			if !keysEqual(list[i], created[i]) {
				t.Errorf("ListKeys[%d] = %+v, want %+v", i, list[i], created[i])
			}
			got, err := db.GetKey(ctx, created[i].ID)
			if err != nil {
				t.Fatalf("GetKey: %v", err)
			}
			if !keysEqual(got, created[i]) {
				t.Errorf("GetKey(%s) = %+v, want %+v", created[i].ID, got, created[i])
			}
		}

		for _, id := range []string{"", "aaaaaaaaaa", created[0].ID + "x"} {
			if err := db.RevokeKey(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("RevokeKey(%q) error = %v, want ErrNotFound", id, err)
			}
			if _, err := db.GetKey(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetKey(%q) error = %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestKeysSharingAccount(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		_, first, err := db.CreateKey(ctx, "first", "pro")
		if err != nil {
			t.Fatal(err)
		}
		_, own, err := db.CreateKey(ctx, "own account", "pro")
		if err != nil {
			t.Fatal(err)
		}
		if own.AccountID == first.AccountID {
			t.Errorf("CreateKey reused account %s", own.AccountID)
		}
		secret, second, err := db.CreateKeyForAccount(ctx, first.AccountID, "second", "scale")
		if err != nil {
			t.Fatalf("CreateKeyForAccount: %v", err)
		}
		if second.AccountID != first.AccountID || second.Plan != "scale" || second.ID == first.ID {
			t.Errorf("CreateKeyForAccount = %+v, want a new scale key in account %s", second, first.AccountID)
		}
		if got, err := db.Authenticate(ctx, secret); err != nil || got.AccountID != first.AccountID {
			t.Errorf("Authenticate shared key = %+v, %v", got, err)
		}

		tests := []struct {
			name, account, plan string
			want                error
		}{
			{"unknown account", "acct_nosuchaccount", "pro", ErrNotFound},
			{"empty account", "", "pro", ErrInvalid},
			{"unknown plan", first.AccountID, "gold", ErrUnknownPlan},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, _, err := db.CreateKeyForAccount(ctx, tt.account, "x", tt.plan); !errors.Is(err, tt.want) {
					t.Errorf("CreateKeyForAccount error = %v, want %v", err, tt.want)
				}
			})
		}
	})
}

func TestLastUsedAtIsThrottled(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		secret, k, err := db.CreateKey(ctx, "k", "free")
		if err != nil {
			t.Fatal(err)
		}
		if k.LastUsedAt != nil {
			t.Fatalf("new key has LastUsedAt %v", k.LastUsedAt)
		}
		first := clock.now()
		steps := []struct {
			advance time.Duration
			want    time.Time
		}{
			{0, first},
			{30 * time.Second, first},
			{29 * time.Second, first},
			{time.Second, first.Add(touchInterval)},
			{time.Second, first.Add(touchInterval)},
			{2 * time.Hour, first.Add(touchInterval + time.Second + 2*time.Hour)},
		}
		for i, s := range steps {
			clock.advance(s.advance)
			got, err := db.Authenticate(ctx, secret)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			stored, err := db.GetKey(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range map[string]*time.Time{"returned": got.LastUsedAt, "stored": stored.LastUsedAt} {
				if v == nil || !v.Equal(s.want) {
					t.Errorf("step %d: %s LastUsedAt = %v, want %v", i, name, v, s.want)
				}
			}
		}
	})
}

func TestKeysPersistAndOnlyHashesAreStored(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]Key{}
	for _, p := range plan.Names() {
		s, k, err := db.CreateKey(ctx, p, p)
		if err != nil {
			t.Fatal(err)
		}
		secrets[s] = k
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	var raw []byte
	files, err := filepath.Glob(filepath.Join(dir, FileName+"*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	for s, k := range secrets {
		secretPart := s[len(keyPrefix)+keyIDLen+1:]
		if bytes.Contains(raw, []byte(s)) || bytes.Contains(raw, []byte(secretPart)) {
			t.Errorf("database files contain the secret of key %s", k.ID)
		}
		// Finding the hash shows the search reads the bytes the store wrote.
		if h := sha256.Sum256([]byte(s)); !bytes.Contains(raw, h[:]) {
			t.Errorf("database files lack the hash of key %s", k.ID)
		}
	}

	db = openTest(t, dir)
	for s, want := range secrets {
		got, err := db.Authenticate(ctx, s)
		if err != nil {
			t.Fatalf("Authenticate after reopen: %v", err)
		}
		want.LastUsedAt = got.LastUsedAt
		if !keysEqual(got, want) {
			t.Errorf("after reopen = %+v, want %+v", got, want)
		}
	}
}

func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	openTest(t, dir)
	tests := []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{filepath.Join(dir, FileName), 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != tt.want {
			t.Errorf("%s mode = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func keysEqual(a, b Key) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Name == b.Name && a.Plan == b.Plan &&
		a.CreatedAt.Equal(b.CreatedAt) && timesEqual(a.RevokedAt, b.RevokedAt) && timesEqual(a.LastUsedAt, b.LastUsedAt)
}

func timesEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func ptr[T any](v T) *T { return &v }
