//go:build e2e

package realtime_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nodeClient runs tests/node/SCRIPT (a client written with the npm `ws`
// package; `make test-deps` installs it) with node and args, for at most
// timeout, and returns what it printed.
func nodeClient(t *testing.T, timeout time.Duration, script string, args ...string) []byte {
	t.Helper()
	dir, err := filepath.Abs("../tests/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err != nil {
		t.Fatalf("npm package ws is not installed (run make test-deps): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node client %s: %v\n%s", script, err, out)
	}
	return out
}

// TestNodeWSInterop runs a client written with the npm `ws` package (see
// tests/node/interop.mjs) against the server, in JSON and binary modes.
func TestNodeWSInterop(t *testing.T) {
	h := newHarness(t)
	for _, mode := range []string{"json", "binary"} {
		t.Run(mode, func(t *testing.T) {
			out := nodeClient(t, 60*time.Second, "interop.mjs", h.url, h.key, mode)
			var res struct {
				SessionID     string `json:"session_id"`
				BinaryModeAck *struct {
					SampleRate int    `json:"sample_rate"`
					Format     string `json:"format"`
				} `json:"binary_mode_ack"`
				Generations []struct {
					AudioBytes   int `json:"audio_bytes"`
					Chunks       int `json:"chunks"`
					JSONChunks   int `json:"json_chunks"`
					BinaryChunks int `json:"binary_chunks"`
					Done         struct {
						TotalChunks     int   `json:"total_chunks"`
						AudioDurationMS int64 `json:"audio_duration_ms"`
						DurationMS      int64 `json:"duration_ms"`
						Characters      int   `json:"characters"`
					} `json:"done"`
				} `json:"generations"`
				Errors []any `json:"errors"`
				Close  struct {
					Code int `json:"code"`
				} `json:"close"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("node output %q: %v", out, err)
			}
			if res.SessionID == "" || len(res.Errors) > 0 {
				t.Fatalf("session %q, errors %v", res.SessionID, res.Errors)
			}
			if mode == "binary" && (res.BinaryModeAck == nil || res.BinaryModeAck.SampleRate != 24000 || res.BinaryModeAck.Format != "pcm_s16le") {
				t.Fatalf("binary_mode_ack = %+v", res.BinaryModeAck)
			}
			if len(res.Generations) != 2 {
				t.Fatalf("%d generations completed, want 2", len(res.Generations))
			}
			for i, g := range res.Generations {
				if g.AudioBytes%2 != 0 || g.AudioBytes == 0 {
					t.Errorf("generation %d: %d audio bytes", i, g.AudioBytes)
				}
				// 24 kHz s16le: 48 bytes per millisecond.
				if ms := int64(g.AudioBytes / 48); ms-g.Done.AudioDurationMS > 1 || g.Done.AudioDurationMS-ms > 1 {
					t.Errorf("generation %d: %d bytes is %d ms at 24 kHz, done says %d ms", i, g.AudioBytes, ms, g.Done.AudioDurationMS)
				}
				if g.Done.AudioDurationMS < 1000 {
					t.Errorf("generation %d: only %d ms of audio for a sentence", i, g.Done.AudioDurationMS)
				}
				if g.Chunks != g.Done.TotalChunks {
					t.Errorf("generation %d: %d chunks received, done.total_chunks %d", i, g.Chunks, g.Done.TotalChunks)
				}
				if mode == "binary" && g.JSONChunks != 0 || mode == "json" && g.BinaryChunks != 0 {
					t.Errorf("generation %d: %d JSON and %d binary chunks in %s mode", i, g.JSONChunks, g.BinaryChunks, mode)
				}
			}
			if res.Close.Code != 1000 {
				t.Errorf("close code %d, want 1000", res.Close.Code)
			}
		})
	}
}
