package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// ErrVoiceSecret is returned by New when the data directory's voice-secret
// is missing or is not the secret the store's data was signed with.
var ErrVoiceSecret = errors.New("server: voice secret does not match the store")

// secretFingerprint names the store setting that holds the fingerprint of
// the secret the store's clone prompts and webhook secrets were made with.
const secretFingerprint = "voice_secret_fingerprint"

// SecretSetting names the store setting that holds the secret itself in a
// store that several nodes share (PostgreSQL), where there is no data
// directory to keep it in. `parley store migrate` puts it there from a
// SQLite installation's voice-secret file.
const SecretSetting = "voice_secret"

// rotationCost is what an operator accepts with --rotate-voice-secret.
const rotationCost = "every voice_clone_prompt issued so far stops working, and every webhook receiver needs its key's new signing secret from GET /v1/webhooks/secret"

// loadSecret returns the server secret and checks it against the
// fingerprint the store keeps, so that a lost or replaced voice-secret
// stops the server instead of silently invalidating every clone prompt and
// webhook secret. It is the one place that knows where the secret lives
// and how it is checked.
//
// A store without a fingerprint (a new installation, or one from before
// fingerprints) records the secret's, unless the secret file is missing
// while the store already holds signed data: creating a new secret then is
// exactly the silent rotation this guards against. With rotate, a missing
// secret is created and a different one adopted; rotated reports that a
// secret other than the store's was adopted.
func loadSecret(ctx context.Context, db *store.DB, dataDir string, rotate bool) (secret voice.Secret, rotated bool, err error) {
	if db.Shared() {
		return loadSharedSecret(ctx, db, rotate)
	}
	path := filepath.Join(dataDir, voice.SecretFile)
	recorded, err := recordedFingerprint(ctx, db)
	if err != nil {
		return nil, false, err
	}
	secret, err = voice.ReadSecret(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		var signed bool
		if signed, err = holdsSigned(ctx, db, recorded); err != nil {
			return nil, false, err
		}
		if signed && !rotate {
			return nil, false, fmt.Errorf("%w: %s is missing, but the store in %s holds voices, jobs or used keys made with it. "+
				"Restore the file from a backup of the data directory. Only if it is lost for good, start once with "+
				"--rotate-voice-secret to make a new one; then %s", ErrVoiceSecret, path, dataDir, rotationCost)
		}
		rotated = signed
		secret, err = voice.LoadOrCreateSecret(dataDir)
	}
	if err != nil {
		return nil, false, err
	}
	return checkFingerprint(ctx, db, secret, recorded, rotate, rotated,
		fmt.Errorf("%w: %s is not the secret that signed the voices, jobs and webhook secrets in the store in %s. "+
			"Put the original file back (from a backup of the data directory). Only to adopt this secret for good, start once with "+
			"--rotate-voice-secret; then %s", ErrVoiceSecret, path, dataDir, rotationCost))
}

// loadSharedSecret returns the secret kept in a shared store, creating it if
// the store has none and holds nothing signed: the first node to start
// creates it (InitSetting: one wins, every node gets the winner's), and
// every node uses it; no file is read or written. A store that holds signed
// data (or a fingerprint) but no secret refuses, as a lost voice-secret
// file does, unless rotate: its secret was lost, or never migrated.
func loadSharedSecret(ctx context.Context, db *store.DB, rotate bool) (secret voice.Secret, rotated bool, err error) {
	recorded, err := recordedFingerprint(ctx, db)
	if err != nil {
		return nil, false, err
	}
	stored, err := db.Setting(ctx, SecretSetting)
	switch {
	case err == nil:
		secret = voice.Secret(stored)
		if len(secret) != voice.SecretSize {
			return nil, false, fmt.Errorf("%w: the store's %s setting holds %d bytes, not a %d-byte secret", ErrVoiceSecret, SecretSetting, len(secret), voice.SecretSize)
		}
	case errors.Is(err, store.ErrNotFound):
		signed, err := holdsSigned(ctx, db, recorded)
		if err != nil {
			return nil, false, err
		}
		if signed && !rotate {
			return nil, false, fmt.Errorf("%w: the store holds voices, jobs or used keys signed with a secret it does not hold. "+
				"If it was copied from a SQLite installation, copy it again with `parley store migrate`, which brings the voice-secret along. "+
				"Only if the secret is lost for good, start once with --rotate-voice-secret to make a new one; then %s", ErrVoiceSecret, rotationCost)
		}
		fresh := make([]byte, voice.SecretSize)
		rand.Read(fresh)
		// Another node starting at once may store its own first; then
		// this one uses that.
		won, err := db.InitSetting(ctx, SecretSetting, fresh)
		if err != nil {
			return nil, false, err
		}
		secret, rotated = voice.Secret(won), signed
	default:
		return nil, false, err
	}
	return checkFingerprint(ctx, db, secret, recorded, rotate, rotated,
		fmt.Errorf("%w: the store's %s is not the secret that signed its voices, jobs and webhook secrets (its fingerprint differs). "+
			"Restore the store from a backup. Only to adopt the stored secret for good, start once with --rotate-voice-secret; then %s",
			ErrVoiceSecret, SecretSetting, rotationCost))
}

// recordedFingerprint returns the secret's fingerprint that the store
// records, or nil if it records none.
func recordedFingerprint(ctx context.Context, db *store.DB) ([]byte, error) {
	fp, err := db.Setting(ctx, secretFingerprint)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return fp, err
}

// holdsSigned reports whether the store holds anything signed with a
// secret: a recorded fingerprint, or signed rows.
func holdsSigned(ctx context.Context, db *store.DB, recorded []byte) (bool, error) {
	if recorded != nil {
		return true, nil
	}
	return db.HoldsSignedData(ctx)
}

// checkFingerprint compares secret with the fingerprint the store records
// (recording it if the store has none) and returns the secret to use. A
// secret that does not match is refused with mismatch, or with rotate
// adopted: its fingerprint replaces the store's, and rotated is true.
func checkFingerprint(ctx context.Context, db *store.DB, secret voice.Secret, recorded []byte, rotate, rotated bool, mismatch error) (voice.Secret, bool, error) {
	fp := secret.Fingerprint()
	if recorded == nil {
		// Another process starting on the same store at once may record
		// first; then its secret must be this one too.
		var err error
		if recorded, err = db.InitSetting(ctx, secretFingerprint, fp); err != nil {
			return nil, false, err
		}
	}
	if bytes.Equal(recorded, fp) {
		return secret, rotated, nil
	}
	if !rotate {
		return nil, false, mismatch
	}
	if err := db.SetSetting(ctx, secretFingerprint, fp); err != nil {
		return nil, false, err
	}
	return secret, true, nil
}

// SecretMatches reports whether secret is the one whose fingerprint db
// recorded; a store that recorded none matches any.
func SecretMatches(ctx context.Context, db *store.DB, secret voice.Secret) (bool, error) {
	recorded, err := db.Setting(ctx, secretFingerprint)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(recorded, secret.Fingerprint()), nil
}
