package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	loadbench "github.com/parley-voice/parley/bench"
	"github.com/parley-voice/parley/server"
)

// benchServer starts a real Parley node on loopback and returns its
// realtime URL and a key of plan realtime.
func benchServer(t *testing.T) (url, key string) {
	t.Helper()
	srv, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), ShutdownGrace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = srv.Close()
	})
	key, _, err = srv.Store().CreateKey(context.Background(), "bench cli test", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	return "ws://" + ln.Addr().String() + "/v1/realtime", key
}

func TestBenchJSON(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	url, key := benchServer(t)
	var stdout, stderr bytes.Buffer
	args := []string{"--url", url, "--key", key, "--sessions", "2", "--generations", "2", "--ramp", "50ms",
		"--one-sentence", "--mode", "binary", "--json"}
	if err := bench(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v; stderr: %s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr with --json: %q", stderr.String())
	}
	var rep loadbench.Report
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("output is not a report: %v", err)
	}
	if dec.More() {
		t.Error("more than one JSON value on stdout")
	}
	if rep.Generations.Completed != 4 || rep.Sessions.Completed != 2 || rep.TTFAFlushMS.N != 4 {
		t.Errorf("report = %+v", rep)
	}
	c := rep.Config
	if c.URL != url || c.Mode != "binary" || !c.OneSentence || c.Sessions != 2 || c.Generations != 2 || c.DurationS != 0 {
		t.Errorf("config echo = %+v", c)
	}
}

func TestBenchHTTPTargets(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	url, key := benchServer(t)
	base := "http://" + strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/v1/realtime")
	tests := []struct {
		target, metrics, wantURL string
		wantServer               bool
	}{
		{"sse", "auto", base + "/v1/audio/speech/stream", true},
		{"http-batch", "", base + "/v1/audio/speech", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"--target", tt.target, "--url", base, "--key", key, "--generations", "1", "--one-sentence",
				"--metrics-url", tt.metrics, "--json"}
			if err := bench(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v; stderr: %s", err, stderr.String())
			}
			var rep loadbench.Report
			dec := json.NewDecoder(&stdout)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rep); err != nil {
				t.Fatalf("output is not a report: %v", err)
			}
			if rep.Config.Target != tt.target || rep.Config.URL != tt.wantURL || rep.Generations.Completed != 1 || rep.TTFAFlushMS.N != 1 {
				t.Errorf("report = %+v", rep)
			}
			if (rep.Server != nil) != tt.wantServer {
				t.Fatalf("server figures %+v with --metrics-url %q", rep.Server, tt.metrics)
			}
			if rep.Server != nil && (rep.Server.MetricsURL != base+"/metrics" || rep.Server.Peak.RSSBytes <= 0) {
				t.Errorf("server figures %+v", rep.Server)
			}
		})
	}
}

func TestBenchFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr error // nil: any error
	}{
		{"no url", []string{"--key", "k"}, loadbench.ErrInvalidConfig},
		{"unknown target", []string{"--url", "ws://h/v1/realtime", "--key", "k", "--target", "grpc"}, loadbench.ErrInvalidConfig},
		{"idle with generations", []string{"--url", "ws://h/v1/realtime", "--key", "k", "--target", "idle", "--generations", "3"}, loadbench.ErrInvalidConfig},
		{"metrics URL not http", []string{"--url", "ws://h/v1/realtime", "--key", "k", "--metrics-url", "ws://h/metrics"}, loadbench.ErrInvalidConfig},
		{"bad mode", []string{"--url", "ws://h/v1/realtime", "--key", "k", "--mode", "hex"}, loadbench.ErrInvalidConfig},
		{"missing corpus", []string{"--url", "ws://h/v1/realtime", "--key", "k", "--corpus", t.TempDir() + "/none.txt"}, nil},
		{"stray argument", []string{"--url", "ws://h/v1/realtime", "--key", "k", "extra"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := bench(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("bench(%q) = %v, want %v", tt.args, err, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("output on a bad command line: %q", stdout.String())
			}
		})
	}
}
