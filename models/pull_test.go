package models

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pullEnv is a models directory, a server and a Puller wired together.
type pullEnv struct {
	dir      string
	srv      *fileServer
	cat      *Catalogue
	progress []Progress
}

func (e *pullEnv) puller(t *testing.T, tweak func(*Config)) *Puller {
	t.Helper()
	cfg := Config{
		Dir:          e.dir,
		Catalogue:    e.cat,
		BaseURL:      e.srv.URL,
		RetryDelay:   time.Millisecond,
		StallTimeout: 5 * time.Second,
		Progress:     func(p Progress) { e.progress = append(e.progress, p) },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	p, err := NewPuller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// checkInstalled asserts that m's files are in dir with exactly the
// served content, and that no .part is left.
func (e *pullEnv) checkInstalled(t *testing.T, m Model) {
	t.Helper()
	for _, f := range m.Files {
		got, err := os.ReadFile(filepath.Join(e.dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if want := e.srv.files[urlPath(f)]; !bytes.Equal(got, want) {
			t.Fatalf("%s: %d bytes on disk differ from the %d served", f.Path, len(got), len(want))
		}
		if _, err := os.Stat(filepath.Join(e.dir, filepath.FromSlash(f.Path)) + ".part"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s.part left behind: %v", f.Path, err)
		}
	}
}

// checkProgress asserts that Done never went back and ended at the total.
func (e *pullEnv) checkProgress(t *testing.T, m Model) {
	t.Helper()
	if len(e.progress) == 0 {
		t.Fatal("no progress reported")
	}
	var last int64 = -1
	for i, p := range e.progress {
		if p.Model != m.Name || p.Total != m.Size() {
			t.Fatalf("progress %d: %+v, want model %s total %d", i, p, m.Name, m.Size())
		}
		if p.Done < last {
			t.Fatalf("progress went back from %d to %d at report %d", last, p.Done, i)
		}
		last = p.Done
	}
	if last != m.Size() {
		t.Fatalf("progress ended at %d of %d", last, m.Size())
	}
}

func newPullEnv(t *testing.T, models func(*fileServer) []Model) *pullEnv {
	t.Helper()
	srv := newFileServer(t)
	return &pullEnv{dir: t.TempDir(), srv: srv, cat: testCatalogue(t, models(srv)...)}
}

func TestPullInstallsAndVerifies(t *testing.T) {
	var voice, kokoro Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-test-medium", EnginePiper, piperFiles("xx_XX-test-medium", 1, 700_000))
		kokoro = testModel(s, "kokoro", EngineKokoro, []testFile{
			{path: "kokoro/config.json", content: []byte(`{"vocab": {}}`)},
			{path: "kokoro/voices/af_test.bin", content: randomBytes(2, 5000)},
			{path: "kokoro/model.onnx", content: randomBytes(3, 300_000)},
		})
		return []Model{voice, kokoro}
	})
	p := e.puller(t, nil)
	for _, m := range []Model{voice, kokoro} {
		e.progress = nil
		if err := p.Pull(context.Background(), m.Name); err != nil {
			t.Fatalf("pull %s: %v", m.Name, err)
		}
		e.checkInstalled(t, m)
		e.checkProgress(t, m)
	}
	for _, r := range e.srv.requests() {
		if r.Range != "" || r.Status != http.StatusOK {
			t.Errorf("fresh download sent %+v", r)
		}
	}
	// Installed files are verified and kept: nothing is fetched again.
	e.srv.resetRequests()
	e.progress = nil
	if err := p.Pull(context.Background(), voice.Name); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.requests()); n != 0 {
		t.Fatalf("pull of an installed model made %d requests", n)
	}
	e.checkProgress(t, voice)
}

func TestPullResumesCutDownloadWithRange(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-cut-medium", EnginePiper, piperFiles("xx_XX-cut-medium", 4, 1_000_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	const cut = 400_000
	e.srv.cutAfter[urlPath(onnx)] = cut

	// One attempt only: the cut ends the first pull and keeps the part.
	first := e.puller(t, func(c *Config) { c.Attempts = 1 })
	err := first.Pull(context.Background(), voice.Name)
	if err == nil || !strings.Contains(err.Error(), "interrupted after 400000 of 1000000 bytes") {
		t.Fatalf("cut download: %v", err)
	}
	part := filepath.Join(e.dir, onnx.Path+".part")
	if st, err := os.Stat(part); err != nil || st.Size() != cut {
		t.Fatalf("part after the cut: %v, %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, onnx.Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unfinished file was installed: %v", err)
	}

	e.srv.resetRequests()
	e.progress = nil
	if err := e.puller(t, nil).Pull(context.Background(), voice.Name); err != nil {
		t.Fatalf("resume: %v", err)
	}
	e.checkInstalled(t, voice)
	e.checkProgress(t, voice)
	reqs := e.srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("resume made %d requests (%+v), want 1 for the model (the config is installed)", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Path != urlPath(onnx) || r.Range != "bytes=400000-" || r.Status != http.StatusPartialContent || r.Sent != onnx.Size-cut {
		t.Fatalf("resume request %+v, want Range bytes=400000- answered 206 with %d bytes", r, onnx.Size-cut)
	}
	// The resumed pull counts the part as done before any byte arrives.
	for _, p := range e.progress {
		if p.File == onnx.Path {
			if p.Done != voice.Files[0].Size+cut {
				t.Fatalf("first progress of the resumed file %d, want %d", p.Done, voice.Files[0].Size+cut)
			}
			break
		}
	}
}

func TestPullRetriesACutFromThePart(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-retry-medium", EnginePiper, piperFiles("xx_XX-retry-medium", 5, 600_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	e.srv.cutAfter[urlPath(onnx)] = 250_000
	if err := e.puller(t, nil).Pull(context.Background(), voice.Name); err != nil {
		t.Fatalf("pull with one cut: %v", err)
	}
	e.checkInstalled(t, voice)
	e.checkProgress(t, voice)
	var ranges []string
	for _, r := range e.srv.requests() {
		if r.Path == urlPath(onnx) {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=250000-" {
		t.Fatalf("model requests had ranges %q, want a full request then bytes=250000-", ranges)
	}
}

func TestPullRestartsWhenServerIgnoresRange(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-norange-medium", EnginePiper, piperFiles("xx_XX-norange-medium", 6, 800_000))
		return []Model{voice}
	})
	e.srv.noRange = true
	onnx := voice.Files[1]
	e.srv.cutAfter[urlPath(onnx)] = 300_000
	if err := e.puller(t, func(c *Config) { c.Attempts = 1 }).Pull(context.Background(), voice.Name); err == nil {
		t.Fatal("cut download succeeded")
	}

	e.srv.resetRequests()
	e.progress = nil
	if err := e.puller(t, nil).Pull(context.Background(), voice.Name); err != nil {
		t.Fatalf("pull from a server without ranges: %v", err)
	}
	e.checkInstalled(t, voice)
	e.checkProgress(t, voice)
	reqs := e.srv.requests()
	if len(reqs) != 1 || reqs[0].Range != "bytes=300000-" || reqs[0].Status != http.StatusOK || reqs[0].Sent != onnx.Size {
		t.Fatalf("requests %+v, want one ranged request answered 200 with the whole %d bytes", reqs, onnx.Size)
	}
}

func TestPullRefusesDigestMismatch(t *testing.T) {
	for _, useMD5 := range []bool{false, true} {
		t.Run("md5="+strconv.FormatBool(useMD5), func(t *testing.T) {
			var voice Model
			e := newPullEnv(t, func(s *fileServer) []Model {
				files := piperFiles("xx_XX-bad-medium", 7, 200_000)
				files[1].md5 = useMD5
				voice = testModel(s, "xx_XX-bad-medium", EnginePiper, files)
				return []Model{voice}
			})
			onnx := voice.Files[1]
			// Same size, one byte different: only the digest can tell.
			tampered := bytes.Clone(e.srv.files[urlPath(onnx)])
			tampered[1234] ^= 0xff
			e.srv.files[urlPath(onnx)] = tampered

			err := e.puller(t, nil).Pull(context.Background(), voice.Name)
			var de *DigestError
			if !errors.As(err, &de) || !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("pull of a tampered file: %v", err)
			}
			want, alg := onnx.SHA256, "sha256"
			if useMD5 {
				want, alg = onnx.MD5, "md5"
			}
			if de.File != onnx.Path || de.Want != want || de.Algorithm != alg || de.Got == want || len(de.Got) != len(want) {
				t.Fatalf("digest error %+v", de)
			}
			for _, s := range []string{onnx.Path, want, de.Got} {
				if !strings.Contains(err.Error(), s) {
					t.Fatalf("error %q does not name %s", err, s)
				}
			}
			for _, p := range []string{onnx.Path, onnx.Path + ".part"} {
				if _, err := os.Stat(filepath.Join(e.dir, p)); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("%s left after a refused download: %v", p, err)
				}
			}
			// A mismatch is not retried: another attempt would fetch the same bytes.
			if n := countRequests(e.srv.requests(), urlPath(onnx)); n != 1 {
				t.Fatalf("tampered file requested %d times", n)
			}
		})
	}
}

func TestPullRefusesSizeMismatch(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-long-medium", EnginePiper, piperFiles("xx_XX-long-medium", 8, 100_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	e.srv.files[urlPath(onnx)] = append(bytes.Clone(e.srv.files[urlPath(onnx)]), 0)
	err := e.puller(t, nil).Pull(context.Background(), voice.Name)
	if !errors.Is(err, ErrSizeMismatch) || !strings.Contains(err.Error(), "100001") {
		t.Fatalf("pull of a longer file: %v", err)
	}
	for _, p := range []string{onnx.Path, onnx.Path + ".part"} {
		if _, err := os.Stat(filepath.Join(e.dir, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s left after a refused download: %v", p, err)
		}
	}
}

func TestPullReplacesCorruptInstalledFile(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-fix-medium", EnginePiper, piperFiles("xx_XX-fix-medium", 9, 50_000))
		return []Model{voice}
	})
	p := e.puller(t, nil)
	if err := p.Pull(context.Background(), voice.Name); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, voice.Files[1].Path)
	b, _ := os.ReadFile(path)
	b[0] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv.resetRequests()
	e.progress = nil
	if err := p.Pull(context.Background(), voice.Name); err != nil {
		t.Fatal(err)
	}
	e.checkInstalled(t, voice)
	if n := len(e.srv.requests()); n != 1 {
		t.Fatalf("repair made %d requests, want 1 (the corrupt model only)", n)
	}
}

func TestPullHTTPErrors(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-err-medium", EnginePiper, piperFiles("xx_XX-err-medium", 10, 1000))
		return []Model{voice}
	})
	cfgPath := urlPath(voice.Files[0])
	for _, tc := range []struct {
		code, requests int
	}{
		{http.StatusNotFound, 1},           // permanent: asked once
		{http.StatusServiceUnavailable, 3}, // transient: every attempt
		{http.StatusTooManyRequests, 3},
	} {
		e.srv.resetRequests()
		e.srv.status[cfgPath] = tc.code
		err := e.puller(t, func(c *Config) { c.Attempts = 3 }).Pull(context.Background(), voice.Name)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != tc.code || !strings.Contains(err.Error(), strconv.Itoa(tc.code)) {
			t.Fatalf("%d: %v", tc.code, err)
		}
		if n := countRequests(e.srv.requests(), cfgPath); n != tc.requests {
			t.Fatalf("%d: %d requests, want %d", tc.code, n, tc.requests)
		}
	}
}

func TestPullStallTimesOut(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-stall-medium", EnginePiper, piperFiles("xx_XX-stall-medium", 11, 300_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	e.srv.stall[urlPath(onnx)] = 100_000
	start := time.Now()
	err := e.puller(t, func(c *Config) {
		c.Attempts = 1
		c.StallTimeout = 200 * time.Millisecond
	}).Pull(context.Background(), voice.Name)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("stalled download: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("stall noticed after %v", d)
	}
	if st, err := os.Stat(filepath.Join(e.dir, onnx.Path+".part")); err != nil || st.Size() != 100_000 {
		t.Fatalf("part after a stall: %v, %v", st, err)
	}
}

func TestPullStopsOnCancel(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-cancel-medium", EnginePiper, piperFiles("xx_XX-cancel-medium", 12, 300_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	e.srv.stall[urlPath(onnx)] = 50_000
	ctx, cancel := context.WithCancel(context.Background())
	p := e.puller(t, func(c *Config) {
		c.Progress = func(p Progress) {
			if p.Done >= voice.Files[0].Size+50_000 {
				cancel()
			}
		}
	})
	err := p.Pull(ctx, voice.Name)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "pull again to resume") {
		t.Fatalf("cancelled pull: %v", err)
	}
	if st, err := os.Stat(filepath.Join(e.dir, onnx.Path+".part")); err != nil || st.Size() != 50_000 {
		t.Fatalf("part after cancel: %v, %v", st, err)
	}
}

func TestPullUnknownModel(t *testing.T) {
	p, err := NewPuller(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Pull(context.Background(), "en_XX-nobody-medium"); !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("unknown model: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Dir: "x", BaseURL: "ftp://example.com/"},
		{Dir: "x", BaseURL: "not a url"},
		{Dir: "x", StallTimeout: -1},
		{Dir: "x", Attempts: -1},
	} {
		if _, err := NewPuller(cfg); err == nil {
			t.Errorf("NewPuller(%+v) accepted", cfg)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	for _, tc := range []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/*", 0, -1, true},
		{"bytes */200", 0, 200, false},
		{"items 1-2/3", 0, -1, false},
		{"", 0, -1, false},
	} {
		start, total, ok := parseContentRange(tc.in)
		if start != tc.start || total != tc.total || ok != tc.ok {
			t.Errorf("%q: %d %d %v, want %d %d %v", tc.in, start, total, ok, tc.start, tc.total, tc.ok)
		}
	}
}

func countRequests(reqs []request, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}

func TestPullRefusesConcurrentPullOfTheSameFile(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-busy-medium", EnginePiper, piperFiles("xx_XX-busy-medium", 13, 300_000))
		return []Model{voice}
	})
	onnx := voice.Files[1]
	e.srv.stall[urlPath(onnx)] = 50_000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	first := e.puller(t, func(c *Config) {
		c.Progress = func(p Progress) {
			if p.Done >= voice.Files[0].Size+50_000 {
				once.Do(func() { close(started) })
			}
		}
	})
	done := make(chan error, 1)
	go func() { done <- first.Pull(ctx, voice.Name) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("first pull ended early: %v", err)
	}
	second := e.puller(t, func(c *Config) { c.Progress = nil })
	if err := second.Pull(context.Background(), voice.Name); !errors.Is(err, ErrBusy) {
		t.Fatalf("second pull while the first runs: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("first pull: %v", err)
	}
	// Once the first has stopped, a pull goes ahead and resumes its part.
	e.srv.mu.Lock()
	delete(e.srv.stall, urlPath(onnx))
	e.srv.mu.Unlock()
	if err := second.Pull(context.Background(), voice.Name); err != nil {
		t.Fatal(err)
	}
	e.checkInstalled(t, voice)
}
