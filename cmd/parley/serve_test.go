package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
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
