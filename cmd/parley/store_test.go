package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// call makes one authenticated API request on a node's handler.
func call(t *testing.T, srv *server.Server, method, path, key string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// TestStoreMigrate moves a single-machine installation (a SQLite data
// directory with its voice-secret) into PostgreSQL with `parley store
// migrate`, and starts a node on the copy: the key, its saved voice and a
// clone prompt issued before the move all work there.
func TestStoreMigrate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, Realtime: realtime.DefaultConfig(), Engine: engine.Config{DisableEspeak: true}}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := srv.Store().CreateKey(ctx, "migrated", "scale")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	code, body := call(t, srv, "POST", "/v1/voices", key, map[string]string{"name": "Narrator", "voice_description": "a deep, slow man"})
	srv.Close()
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("saving a voice: %d %s", code, body)
	}
	var saved struct {
		ID          string `json:"id"`
		ClonePrompt string `json:"voice_clone_prompt"`
	}
	if err := json.Unmarshal(body, &saved); err != nil || saved.ID == "" || saved.ClonePrompt == "" {
		t.Fatalf("saved voice %s: %v", body, err)
	}

	pg := testinfra.StartPostgres(t)
	url := pg.NewDatabase()
	from := "sqlite:" + filepath.Join(dir, store.FileName)

	// A voice-secret that did not sign the data is refused, and nothing is
	// copied.
	wrong := t.TempDir()
	if err := os.WriteFile(filepath.Join(wrong, voice.SecretFile), bytes.Repeat([]byte{1}, voice.SecretSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", "store", "migrate", "--from", from, "--to", url, "--secret", filepath.Join(wrong, voice.SecretFile)); err == nil ||
		!strings.Contains(err.Error(), "not the secret") {
		t.Fatalf("migrate with the wrong secret: %v", err)
	}

	out, _, err := runCmd(t, "", "store", "migrate", "--from", from, "--to", url)
	if err != nil {
		t.Fatalf("store migrate: %v\n%s", err, out)
	}
	for _, want := range []string{"accounts", "api_keys", "voices", "settings", "copied and verified", "the server secret is in the target store"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := runCmd(t, "", "store", "migrate", "--from", from, "--to", url); err == nil || !strings.Contains(err.Error(), "already holds data") {
		t.Errorf("a second migrate into the same store: %v, want a refusal", err)
	}
	if out, _, err := runCmd(t, "", "keys", "list", "--store-url", url); err != nil || !strings.Contains(out, key[3:13]) {
		t.Errorf("keys list --store-url: %v\n%s", err, out)
	}

	// A node on PostgreSQL, with a data directory of its own that holds no
	// secret: it takes the store's.
	cfg.DataDir, cfg.StoreURL = t.TempDir(), url
	node, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("a node on the migrated store: %v", err)
	}
	defer node.Close()
	if _, err := os.Stat(filepath.Join(cfg.DataDir, voice.SecretFile)); !os.IsNotExist(err) {
		t.Errorf("the node wrote a voice-secret file: %v", err)
	}
	if code, body := call(t, node, "GET", "/v1/voices/"+saved.ID, key, nil); code != http.StatusOK {
		t.Errorf("the saved voice on the new store: %d %s", code, body)
	}
	if code, body := call(t, node, "POST", "/v1/audio/speech", key, map[string]string{"text": "Still me.", "voice_clone_prompt": saved.ClonePrompt}); code != http.StatusOK {
		t.Errorf("speaking with a clone prompt issued before the move: %d %s", code, body)
	}
}
