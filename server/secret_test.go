package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// TestNewRefusesAnotherVoiceSecret starts a real node, lets it sign data,
// and then restarts it after losing or replacing voice-secret: it must
// refuse, naming the file and the way out, and leave the directory as it
// was; --rotate-voice-secret must let it start, once, with a warning.
func TestNewRefusesAnotherVoiceSecret(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var logs bytes.Buffer
	cfg := Config{DataDir: dir, Realtime: realtime.DefaultConfig(), Engine: engine.Config{DisableEspeak: true},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := srv.Store().CreateKey(ctx, "k", "realtime")
	if err == nil {
		// A server authenticates the key: it may have handed out the
		// key's webhook secret.
		_, err = srv.Store().Authenticate(ctx, key)
	}
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, voice.SecretFile)
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	refused := func(what string) {
		t.Helper()
		srv, err := New(ctx, cfg)
		if err == nil {
			srv.Close()
			t.Fatalf("%s: the server started", what)
		}
		if !errors.Is(err, ErrVoiceSecret) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--rotate-voice-secret") {
			t.Fatalf("%s: %v; want ErrVoiceSecret naming %s and --rotate-voice-secret", what, err, path)
		}
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	refused("voice-secret missing")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused start left a voice-secret behind: %v", err)
	}
	other := bytes.Repeat([]byte{7}, voice.SecretSize)
	if err := os.WriteFile(path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	refused("another voice-secret")

	// Putting the original back is the fix.
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err = New(ctx, cfg)
	if err != nil {
		t.Fatalf("with the original secret restored: %v", err)
	}
	srv.Close()

	// Rotation adopts the new file, once.
	if err := os.WriteFile(path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	rot := cfg
	rot.RotateVoiceSecret = true
	srv, err = New(ctx, rot)
	if err != nil {
		t.Fatalf("--rotate-voice-secret: %v", err)
	}
	srv.Close()
	if !strings.Contains(logs.String(), "voice secret rotated") {
		t.Errorf("no warning logged for the rotation:\n%s", logs.String())
	}
	srv, err = New(ctx, cfg)
	if err != nil {
		t.Fatalf("the start after a rotation: %v", err)
	}
	srv.Close()
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	refused("the secret from before the rotation")
}

// TestLoadSecret covers the starts that must go ahead: a new installation
// (keys created before the first start included) and one upgrading from
// before fingerprints, whose secret is recorded as it is, unless it is
// missing while the store holds signed data.
func TestLoadSecret(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, dir string) *store.DB {
		t.Helper()
		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Run("keys created before the first start", func(t *testing.T) {
		dir := t.TempDir()
		db := open(t, dir)
		if _, _, err := db.CreateKey(ctx, "k", "free"); err != nil {
			t.Fatal(err)
		}
		s, rotated, err := loadSecret(ctx, db, dir, false)
		if err != nil || rotated {
			t.Fatalf("loadSecret = %v, rotated %v", err, rotated)
		}
		fp, err := db.Setting(ctx, secretFingerprint)
		if err != nil || !bytes.Equal(fp, s.Fingerprint()) {
			t.Fatalf("fingerprint recorded: %x, %v", fp, err)
		}
		again, _, err := loadSecret(ctx, db, dir, false)
		if err != nil || !bytes.Equal(again, s) {
			t.Fatalf("second start: %v", err)
		}
	})
	// An installation from before fingerprints: signed data, a secret
	// file, no fingerprint.
	upgrading := func(t *testing.T) (string, *store.DB) {
		t.Helper()
		dir := t.TempDir()
		db := open(t, dir)
		key, _, err := db.CreateKey(ctx, "k", "free")
		if err == nil {
			_, err = db.Authenticate(ctx, key)
		}
		if err == nil {
			_, err = voice.LoadOrCreateSecret(dir)
		}
		if err != nil {
			t.Fatal(err)
		}
		return dir, db
	}
	t.Run("upgrade", func(t *testing.T) {
		dir, db := upgrading(t)
		s, rotated, err := loadSecret(ctx, db, dir, false)
		if err != nil || rotated {
			t.Fatalf("loadSecret = %v, rotated %v", err, rotated)
		}
		if fp, err := db.Setting(ctx, secretFingerprint); err != nil || !bytes.Equal(fp, s.Fingerprint()) {
			t.Fatalf("fingerprint recorded: %x, %v", fp, err)
		}
	})
	t.Run("upgrade with the secret lost", func(t *testing.T) {
		dir, db := upgrading(t)
		if err := os.Remove(filepath.Join(dir, voice.SecretFile)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadSecret(ctx, db, dir, false); !errors.Is(err, ErrVoiceSecret) {
			t.Fatalf("loadSecret = %v, want ErrVoiceSecret", err)
		}
		if _, err := db.Setting(ctx, secretFingerprint); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a fingerprint was recorded for a refused start: %v", err)
		}
		s, rotated, err := loadSecret(ctx, db, dir, true)
		if err != nil || !rotated {
			t.Fatalf("with rotation: %v, rotated %v", err, rotated)
		}
		if fp, err := db.Setting(ctx, secretFingerprint); err != nil || !bytes.Equal(fp, s.Fingerprint()) {
			t.Fatalf("fingerprint after rotation: %x, %v", fp, err)
		}
	})
	t.Run("rotation with nothing to rotate", func(t *testing.T) {
		dir := t.TempDir()
		db := open(t, dir)
		if _, rotated, err := loadSecret(ctx, db, dir, true); err != nil || rotated {
			t.Fatalf("loadSecret = %v, rotated %v; want a plain first start", err, rotated)
		}
	})
	t.Run("fingerprint of a secret file that is gone", func(t *testing.T) {
		// A store whose only signed thing is the fingerprint itself.
		dir := t.TempDir()
		db := open(t, dir)
		if _, _, err := loadSecret(ctx, db, dir, false); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, voice.SecretFile)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadSecret(ctx, db, dir, false); !errors.Is(err, ErrVoiceSecret) {
			t.Fatalf("loadSecret = %v, want ErrVoiceSecret", err)
		}
	})
}
