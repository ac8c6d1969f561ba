package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/realtime"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs a whole node on loopback and returns its base URL and a key.
func start(t *testing.T) (base, key string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err = srv.Store().CreateKey(ctx, "t", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), key, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadyMetrics(t *testing.T) {
	base, key, _ := start(t)
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz = %d %s", code, body)
	}

	// One generation through the Go client against the real server.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{URL: strings.Replace(base, "http", "ws", 1) + "/v1/realtime", APIKey: key, BinaryMode: true})
	if err != nil {
		t.Fatal(err)
	}
	pcm, done, err := c.Speak(ctx, "Metrics, please.")
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) == 0 || done.TotalChunks == 0 {
		t.Fatalf("Speak: %d bytes, %+v", len(pcm), done)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		"parley_time_to_first_audio_seconds_count 1",
		`parley_generations_total{outcome="done"} 1`,
		"parley_realtime_sessions_total 1",
		`parley_engine_queue{engine="espeak"} 0`,
		`parley_engine_busy{engine="flite"} 0`,
		"parley_characters_total 16",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err == nil {
		t.Fatal("empty data dir accepted")
	}
	if err := (Config{DataDir: "x", ShutdownGrace: -1}).Validate(); err == nil {
		t.Fatal("negative grace accepted")
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	bad := DefaultConfig()
	bad.HTTP.Keepalive = -time.Second
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "httpapi") {
		t.Fatalf("negative SSE keepalive: %v", err)
	}
	bad = DefaultConfig()
	bad.Agent.VAD.Threshold = 2
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "threshold") {
		t.Fatalf("VAD threshold 2: %v", err)
	}
}
