package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testinfra"
)

func TestServeRejectsBadClusterFlags(t *testing.T) {
	_, _, err := runCmd(t, "", "serve", "--data", t.TempDir(), "--trusted-proxies", "10.0.0.0/8,nginx")
	if err == nil || !strings.Contains(err.Error(), `not an IP address or CIDR: "nginx"`) {
		t.Fatalf("--trusted-proxies 10.0.0.0/8,nginx: %v, want the bad entry named", err)
	}
	_, _, err = runCmd(t, "", "serve", "--data", t.TempDir(), "--redis-url", "http://localhost:6379")
	if err == nil || !strings.Contains(err.Error(), "redis URL") {
		t.Fatalf("--redis-url http://...: %v, want a redis URL error", err)
	}
}

// TestServeWithRedis runs `parley serve` with --redis-url (given through
// its environment variable) and --trusted-proxies, and reads the shared
// limits' state from /readyz.
func TestServeWithRedis(t *testing.T) {
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("PARLEY_REDIS_URL", r.URL())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// No espeak-ng worker processes (the test binary is not parley), so
		// espeak-ng runs in process.
		done <- run(ctx, []string{"serve", "--addr", addr, "--data", t.TempDir(), "--trusted-proxies", "127.0.0.1/32", "--espeak-workers", "0", "--espeak-in-process"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve returned early: %v", err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			var m map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if m["redis"] == "up" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz = %v, want redis up", m)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer is a buffer that a server's goroutines write while a test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeConfigFile runs `parley serve --config FILE` with its address,
// data directory, engines, CORS origins and log format from the file (one
// of them overridden by the environment), and sees each take effect: it
// listens where the file says, is ready, answers CORS preflights for the
// file's origin only, and logs as text.
func TestServeConfigFile(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "parley.toml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(`# A node from a file.
addr = %q
data = %q

[http]
cors-origins = ["https://app.example"]

[engine]
# No espeak-ng worker processes (the test binary is not parley), so
# espeak-ng runs in process.
espeak-workers = 0
espeak-in-process = true

[agent]
stt-warm = 0

[log]
format = "json"
`, addr, data)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARLEY_LOG_FORMAT", "text")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr lockedBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--config", file}, strings.NewReader(""), io.Discard, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve returned early: %v\n%s", err, stderr.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %v; log:\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for origin, want := range map[string]int{"https://app.example": http.StatusNoContent, "https://evil.example": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+addr+"/v1/audio/speech", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("preflight from %s: %d, want %d", origin, resp.StatusCode, want)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "voice-secret")); err != nil {
		t.Errorf("the data directory of the file: %v", err)
	}
	if log := stderr.String(); !strings.Contains(log, `msg="parley listening"`) {
		t.Errorf("PARLEY_LOG_FORMAT=text over the file's json: the log is\n%s", log)
	}
}
