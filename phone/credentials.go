package phone

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/store"
)

// Keys reads API keys by id; *store.DB is the real one.
type Keys interface {
	GetKey(ctx context.Context, id string) (store.Key, error)
}

// Credentials authenticates API keys and the credentials of calls in
// progress. A call's agent has no API key to show (the user's is stored
// only as a hash), so the node issues it a credential for the number's
// key when the call is admitted, and revokes it when the call ends; the
// agent presents it wherever it would present a key: to this node's
// /v1/realtime and at each answer's key check. A credential works only on
// the node that issued it, which is where its agent dials TTS. Anything
// that is not a credential goes to the wrapped Authenticator.
type Credentials struct {
	keys auth.Authenticator
	db   Keys

	mu   sync.Mutex
	live map[string]credential // by id
}

type credential struct {
	secret string
	keyID  string
}

// credentialPrefix starts every credential; no API key starts so
// ("pk_").
const credentialPrefix = "pcc_"

// NewCredentials returns Credentials over keys (the store's keys:
// auth.Keys) and db, which looks up the key a credential stands for.
func NewCredentials(keys auth.Authenticator, db Keys) *Credentials {
	return &Credentials{keys: keys, db: db, live: make(map[string]credential)}
}

var credentialEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: it crashes the program instead
	return strings.ToLower(credentialEncoding.EncodeToString(b))
}

// Issue returns a credential for the key keyID and the function that
// revokes it (idempotent).
func (c *Credentials) Issue(keyID string) (string, func()) {
	id, secret := random(10), random(20)
	c.mu.Lock()
	c.live[id] = credential{secret: secret, keyID: keyID}
	c.mu.Unlock()
	var once sync.Once
	return credentialPrefix + id + "_" + secret, func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.live, id)
			c.mu.Unlock()
		})
	}
}

// Live is how many credentials are issued and not revoked.
func (c *Credentials) Live() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.live)
}

// Authenticate implements auth.Authenticator: a live credential is its
// key's principal, as long as the key is not revoked; anything else is
// the wrapped Authenticator's to judge.
func (c *Credentials) Authenticate(ctx context.Context, key string) (auth.Principal, error) {
	rest, ok := strings.CutPrefix(key, credentialPrefix)
	if !ok {
		return c.keys.Authenticate(ctx, key)
	}
	id, secret, _ := strings.Cut(rest, "_")
	c.mu.Lock()
	cr, ok := c.live[id]
	c.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(cr.secret)) != 1 {
		return auth.Principal{}, auth.ErrUnauthorized
	}
	k, err := c.db.GetKey(ctx, cr.keyID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return auth.Principal{}, auth.ErrUnauthorized
	case err != nil:
		return auth.Principal{}, fmt.Errorf("phone: %w", err)
	case k.RevokedAt != nil:
		return auth.Principal{}, auth.ErrUnauthorized
	}
	return auth.PrincipalOf(k)
}
