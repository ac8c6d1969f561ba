package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/models"
	"go.uber.org/goleak"
)

// modelServer serves files by URL path on loopback and records the
// requests, as Hugging Face would serve the catalogue (ranges included,
// through http.ServeContent).
type modelServer struct {
	*httptest.Server
	files map[string][]byte
	mu    sync.Mutex
	paths []string
}

func newModelServer(t *testing.T, files map[string][]byte) *modelServer {
	s := &modelServer{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		b, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *modelServer) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func TestModelsListShowsTheCatalogue(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, "", "models", "list", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAME", "LICENCE", "en_US-lessac-medium", "de_DE-thorsten-medium", "kokoro-q8", "CC0 1.0", "63.2 MB", "available",
		filepath.Join(dir, "models")} {
		if !strings.Contains(out, want) {
			t.Errorf("models list lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCmd(t, "", "models", "list", "--json", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	var entries []modelJSON
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("models list --json: %v\n%s", err, out)
	}
	if len(entries) != len(models.Builtin().Models()) {
		t.Fatalf("%d entries, catalogue has %d", len(entries), len(models.Builtin().Models()))
	}
	for _, e := range entries {
		if e.Name == "" || e.Engine == "" || e.SizeBytes <= 0 || e.Licence == "" || e.Status != "available" {
			t.Fatalf("entry %+v", e)
		}
	}
}

// TestModelsPullListRmEndToEnd drives the three subcommands through run
// against a catalogue file and a loopback server holding its files.
func TestModelsPullListRmEndToEnd(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	data := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	weights := make([]byte, 2_000_000)
	for i := range weights {
		weights[i] = byte(r.UintN(256))
	}
	config := []byte(`{"language": {"code": "xx_XX"}, "audio": {"quality": "low"}, "num_speakers": 1}`)
	const name = "xx_XX-test-low"
	file := func(path string, b []byte) models.File {
		sum := sha256.Sum256(b)
		return models.File{Path: path, Repo: "test/voices", Revision: "c0ffee", Source: "xx/" + path, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	}
	m := models.Model{Name: name, Engine: models.EnginePiper, Language: "xx_XX", Quality: "low", Speakers: 1, Licence: "CC0 1.0",
		Files: []models.File{file(name+".onnx.json", config), file(name+".onnx", weights)}}
	catData, err := json.Marshal(map[string]any{"models": []models.Model{m}})
	if err != nil {
		t.Fatal(err)
	}
	catFile := filepath.Join(t.TempDir(), "catalogue.json")
	if err := os.WriteFile(catFile, catData, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newModelServer(t, map[string][]byte{
		"/test/voices/resolve/c0ffee/xx/" + name + ".onnx.json": config,
		"/test/voices/resolve/c0ffee/xx/" + name + ".onnx":      weights,
	})

	out, errOut, err := runCmd(t, "", "models", "pull", name, "--data", data, "--catalogue", catFile, "--catalogue-url", srv.URL)
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "installed "+name+" (2.0 MB, sha256 verified)") {
		t.Errorf("pull output %q", out)
	}
	// Not a terminal: plain progress lines, one per tenth, ending at 100%.
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) < 2 || len(lines) > 11 || !strings.HasPrefix(lines[len(lines)-1], name+": 100% (2.0 MB of 2.0 MB)") || strings.Contains(errOut, "\r") {
		t.Errorf("progress on stderr:\n%s", errOut)
	}
	got, err := os.ReadFile(filepath.Join(data, "models", name+".onnx"))
	if err != nil || !bytes.Equal(got, weights) {
		t.Fatalf("installed model: %d bytes, %v", len(got), err)
	}

	out, _, err = runCmd(t, "", "models", "list", "--data", data, "--catalogue", catFile)
	if err != nil || !strings.Contains(out, name) || !strings.Contains(out, "installed") {
		t.Fatalf("list after pull: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, "", "models", "rm", name, "--data", data, "--catalogue", catFile)
	if err != nil || !strings.Contains(out, "removed "+name) {
		t.Fatalf("rm: %v\n%s", err, out)
	}
	if des, err := os.ReadDir(filepath.Join(data, "models")); err != nil || len(des) != 0 {
		t.Fatalf("models directory after rm: %v, %v", des, err)
	}
	out, _, _ = runCmd(t, "", "models", "list", "--data", data, "--catalogue", catFile)
	if !strings.Contains(out, "available") || strings.Contains(out, "installed") {
		t.Fatalf("list after rm:\n%s", out)
	}
	if _, _, err := runCmd(t, "", "models", "rm", name, "--data", data, "--catalogue", catFile); !errors.Is(err, models.ErrNotInstalled) {
		t.Fatalf("second rm: %v", err)
	}
}

// TestModelsPullBuiltinRefusesTamperedFile pulls a real catalogue voice
// from a loopback mirror (PARLEY_MODELS_URL) that serves a config of the
// right size but the wrong bytes: the pinned digest refuses it.
func TestModelsPullBuiltinRefusesTamperedFile(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	m, _ := models.Builtin().Lookup("en_US-lessac-medium")
	cfg := m.Files[0]
	srv := newModelServer(t, map[string][]byte{
		"/" + cfg.Repo + "/resolve/" + cfg.Revision + "/" + cfg.Source: bytes.Repeat([]byte("x"), int(cfg.Size)),
	})
	t.Setenv(envModelsURL, srv.URL)
	data := t.TempDir()
	_, _, err := runCmd(t, "", "models", "pull", "en_US-lessac-medium", "--data", data)
	var de *models.DigestError
	if !errors.As(err, &de) {
		t.Fatalf("pull of a tampered config: %v", err)
	}
	for _, want := range []string{"en_US-lessac-medium.onnx.json", "sha256 mismatch", cfg.SHA256} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if reqs := srv.requested(); len(reqs) != 1 || reqs[0] != "/rhasspy/piper-voices/resolve/1162a9173d0ce503555aed757976b7a9912eae4c/en/en_US/lessac/medium/en_US-lessac-medium.onnx.json" {
		t.Fatalf("requests %q", reqs)
	}
	err = filepath.WalkDir(filepath.Join(data, "models"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("file left after a refused pull: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestModelsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"models"},
		{"models", "frob"},
		{"models", "list", "extra"},
		{"models", "pull", "--data", dir},
		{"models", "pull", "xx_XX-nobody-medium", "--data", dir},
		{"models", "rm", "--data", dir},
		{"models", "rm", "../etc", "--data", dir},
		{"models", "list", "--catalogue", filepath.Join(dir, "missing.json")},
		{"models", "pull", "kokoro", "--data", dir, "--catalogue-url", "ftp://example.com/"},
	} {
		if _, _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("parley %v succeeded", args)
		}
	}
}

func TestProgressBarOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := newProgressBar(&buf, true)
	now := time.Unix(0, 0)
	b.now = func() time.Time { return now }
	b.begin()
	for _, done := range []int64{0, 25_000_000, 50_000_000, 100_000_000} {
		now = now.Add(time.Second)
		b.update(models.Progress{Model: "m", Done: done, Total: 100_000_000})
	}
	b.end()
	out := buf.String()
	for _, want := range []string{"\r\033[Km [", "]  50%  50.0 MB / 100.0 MB  16.7 MB/s", "100%  100.0 MB / 100.0 MB  25.0 MB/s\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal bar lacks %q:\n%q", want, out)
		}
	}
}
