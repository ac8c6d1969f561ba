package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/plan"
)

// Key is an API key as stored: everything but its secret.
type Key struct {
	ID         string // public lookup id, the part between "pk_" and the secret
	AccountID  string
	Name       string
	Plan       string
	CreatedAt  time.Time
	RevokedAt  *time.Time // nil while the key is valid
	LastUsedAt *time.Time // nil until first used; recorded at most once a minute
}

// A key reads pk_<id>_<secret>. The id, 10 characters (50 bits), finds the row
// without scanning and is safe to show; the secret, 32 characters (160 bits)
// from crypto/rand, is what authenticates. Both use the lowercase base32
// alphabet, so keys survive shells, URLs and double-click selection.
const (
	keyPrefix     = "pk_"
	keyIDLen      = 10
	keySecretLen  = 32
	keyLen        = len(keyPrefix) + keyIDLen + 1 + keySecretLen
	accountPrefix = "acct_"
	accountIDLen  = 16
	maxNameLen    = 200
	// touchInterval bounds how stale last_used_at may be. Writing it on every
	// request would cost a synced write per request; once a minute per key
	// is enough to tell live keys from dead ones.
	touchInterval = time.Minute
	// createAttempts bounds retries when a random id is already taken, which
	// at 50 bits is rare enough that a second collision means a broken RNG.
	createAttempts = 3
)

const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// randomString returns n characters of lowercase base32 from crypto/rand.
// Each byte is masked to 5 bits; 256 is a multiple of 32, so there is no bias.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error: it crashes the program instead
	for i := range b {
		b[i] = base32Alphabet[b[i]&31]
	}
	return string(b)
}

func isBase32(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// parseKey returns the id of a well-formed key.
func parseKey(key string) (id string, ok bool) {
	if len(key) != keyLen || !strings.HasPrefix(key, keyPrefix) || key[len(keyPrefix)+keyIDLen] != '_' {
		return "", false
	}
	id = key[len(keyPrefix) : len(keyPrefix)+keyIDLen]
	if !isBase32(id) || !isBase32(key[len(keyPrefix)+keyIDLen+1:]) {
		return "", false
	}
	return id, true
}

// hashKey is the stored form of a key. A plain SHA-256 is right here, unlike
// for passwords: the key holds 160 random bits, so there is no dictionary to
// slow down and a salt or a slow KDF would only make every request slower.
func hashKey(key string) [sha256.Size]byte {
	return sha256.Sum256([]byte(key))
}

func checkName(name string) error {
	if len(name) > maxNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("%w: name must be valid UTF-8 of at most %d bytes", ErrInvalid, maxNameLen)
	}
	return nil
}

// CreateKey creates a key on the named plan, in a new account of its own, and
// returns the key's secret. The secret is not stored and cannot be shown
// again.
func (db *DB) CreateKey(ctx context.Context, name, planName string) (string, Key, error) {
	return db.createKey(ctx, "", name, planName)
}

// CreateKeyForAccount creates a key that shares an existing account (and so
// its saved voices) with other keys. It returns ErrNotFound if there is no
// such account.
func (db *DB) CreateKeyForAccount(ctx context.Context, accountID, name, planName string) (string, Key, error) {
	if accountID == "" {
		return "", Key{}, fmt.Errorf("%w: empty account id", ErrInvalid)
	}
	return db.createKey(ctx, accountID, name, planName)
}

func (db *DB) createKey(ctx context.Context, accountID, name, planName string) (string, Key, error) {
	if _, ok := plan.Lookup(planName); !ok {
		return "", Key{}, fmt.Errorf("%w %q (plans: %s)", ErrUnknownPlan, planName, strings.Join(plan.Names(), ", "))
	}
	if err := checkName(name); err != nil {
		return "", Key{}, err
	}
	for range createAttempts {
		secret, k, err := db.tryCreateKey(ctx, accountID, name, planName)
		if !errors.Is(err, errIDTaken) {
			return secret, k, err
		}
	}
	return "", Key{}, fmt.Errorf("store: no free key id after %d attempts", createAttempts)
}

var errIDTaken = errors.New("id taken")

func (db *DB) tryCreateKey(ctx context.Context, accountID, name, planName string) (string, Key, error) {
	now := db.now().UTC().Truncate(time.Millisecond)
	id := randomString(keyIDLen)
	secret := keyPrefix + id + "_" + randomString(keySecretLen)
	hash := hashKey(secret)

	// The inserts cannot conflict with another writer's but by the ids
	// (ON CONFLICT), and the account read for a shared account cannot
	// vanish before the commit: accounts are never deleted.
	err := db.inTx(ctx, func(tx *txn) error {
		if accountID == "" {
			accountID = accountPrefix + randomString(accountIDLen)
			res, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				accountID, name, now.UnixMilli())
			if err != nil {
				return fmt.Errorf("store: creating account: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errIDTaken
			}
		} else {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, accountID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: account %q", ErrNotFound, accountID)
			}
			if err != nil {
				return fmt.Errorf("store: creating key: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, account_id, name, plan, secret_hash, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, accountID, name, planName, hash[:], now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: creating key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errIDTaken
		}
		return nil
	})
	if err != nil {
		return "", Key{}, err
	}
	return secret, Key{ID: id, AccountID: accountID, Name: name, Plan: planName, CreatedAt: now}, nil
}

// Authenticate returns the key whose secret is key. It returns ErrUnknownKey
// for anything but a correct secret, whatever was wrong with it, and
// ErrRevoked for a correct secret of a revoked key.
func (db *DB) Authenticate(ctx context.Context, key string) (Key, error) {
	id, ok := parseKey(key)
	if !ok {
		return Key{}, ErrUnknownKey
	}
	k, stored, err := db.keyWithHash(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Key{}, ErrUnknownKey
	}
	if err != nil {
		return Key{}, err
	}
	// The id is public; only the secret must not leak through timing, and
	// comparing hashes in constant time guarantees that.
	got := hashKey(key)
	if subtle.ConstantTimeCompare(got[:], stored) != 1 {
		return Key{}, ErrUnknownKey
	}
	if k.RevokedAt != nil {
		return Key{}, ErrRevoked
	}
	db.touch(ctx, &k)
	return k, nil
}

// touch records that k was used, unless that was recorded less than
// touchInterval ago. It is best effort, and its errors are dropped on purpose:
// last_used_at only informs `keys list`, and refusing a valid key because the
// stamp could not be written (disk full, another process holding the write
// lock past the busy timeout) would turn bookkeeping into an outage.
func (db *DB) touch(ctx context.Context, k *Key) {
	now := db.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchInterval {
		return
	}
	ms := now.UnixMilli()
	// The condition makes concurrent requests for one key write at most
	// once: PostgreSQL re-checks it on the row a concurrent update left.
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ?
WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`, ms, k.ID, ms-touchInterval.Milliseconds())
	if err != nil {
		return
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		t := time.UnixMilli(ms).UTC()
		k.LastUsedAt = &t
	}
}

// GetKey returns the key with the given public id, or ErrNotFound.
func (db *DB) GetKey(ctx context.Context, id string) (Key, error) {
	k, _, err := db.keyWithHash(ctx, id)
	return k, err
}

const (
	keyColumns  = `id, account_id, name, plan, created_at, revoked_at, last_used_at`
	getKeyQuery = `SELECT ` + keyColumns + `, secret_hash FROM api_keys WHERE id = ?`
)

// keyWithHash returns the key with its stored hash.
func (db *DB) keyWithHash(ctx context.Context, id string) (Key, []byte, error) {
	var hash []byte
	k, err := scanKey(&row{r: db.getKey.QueryRowContext(ctx, id), b: db.b}, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, nil, fmt.Errorf("%w: key %q", ErrNotFound, id)
	}
	if err != nil {
		return Key{}, nil, fmt.Errorf("store: reading key: %w", err)
	}
	return k, hash, nil
}

// ListKeys returns every key, revoked ones included, oldest first.
func (db *DB) ListKeys(ctx context.Context) ([]Key, error) {
	keys, err := queryAll(ctx, db.r, func(s scanner) (Key, error) { return scanKey(s) }, `SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: listing keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the key with the given id; Authenticate refuses it from
// then on. Revoking a revoked key keeps its first revocation time. It returns
// ErrNotFound for an unknown id.
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	// SQLite and PostgreSQL count a matched row as changed even when
	// COALESCE keeps the old value, so one statement tells "revoked" from
	// "no such key".
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`,
		db.now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store: revoking key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: revoking key: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: key %q", ErrNotFound, id)
	}
	return nil
}

type scanner interface {
	Scan(dest ...any) error
}

// scanKey reads the keyColumns of a row, then any extra columns into extra.
func scanKey(s scanner, extra ...any) (Key, error) {
	var (
		k                 Key
		created           int64
		revoked, lastUsed sql.NullInt64
	)
	dest := append([]any{&k.ID, &k.AccountID, &k.Name, &k.Plan, &created, &revoked, &lastUsed}, extra...)
	if err := s.Scan(dest...); err != nil {
		return Key{}, err
	}
	k.CreatedAt = time.UnixMilli(created).UTC()
	k.RevokedAt = optionalTime(revoked)
	k.LastUsedAt = optionalTime(lastUsed)
	return k, nil
}

func optionalTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}
