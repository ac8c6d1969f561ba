//go:build e2e

package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenAINodeSDK runs the official openai npm package (tests/node,
// installed by `make test-deps`) against the server with baseURL set.
func TestOpenAINodeSDK(t *testing.T) {
	dir, err := filepath.Abs("../tests/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai")); err != nil {
		t.Fatalf("npm package openai is not installed (run make test-deps): %v", err)
	}
	n := startNode(t)
	key := n.key(t, "starter")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "openai.mjs", n.base+"/v1", key, out)
	cmd.Dir = dir
	stdout, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s\n%s", err, stdout, stderr)
	}
	var res struct {
		MP3 struct {
			Bytes       int    `json:"bytes"`
			ContentType string `json:"contentType"`
		} `json:"mp3"`
		WAV struct {
			Bytes       int    `json:"bytes"`
			Pieces      int    `json:"pieces"`
			ContentType string `json:"contentType"`
		} `json:"wav"`
		PCM struct {
			Bytes int `json:"bytes"`
		} `json:"pcm"`
		Error struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("node output %q: %v", stdout, err)
	}
	if res.MP3.ContentType != "audio/mpeg" || res.WAV.ContentType != "audio/wav" {
		t.Errorf("content types %q, %q", res.MP3.ContentType, res.WAV.ContentType)
	}
	for _, f := range []struct{ file, codec string }{{"sdk.mp3", "mp3"}, {"sdk.wav", "pcm_s16le"}} {
		data, err := os.ReadFile(filepath.Join(out, f.file))
		if err != nil {
			t.Fatal(err)
		}
		codec, rate, ch, secs := ffprobe(t, data, strings.TrimPrefix(filepath.Ext(f.file), "."))
		if codec != f.codec || rate != 24000 || ch != 1 || secs < 1.5 {
			t.Errorf("%s: %s %d Hz %d ch %.2f s", f.file, codec, rate, ch, secs)
		}
	}
	// "Raw PCM, streamed." at speed 1.25 is about a second of audio.
	if s := float64(res.PCM.Bytes) / 48000; s < 0.5 || s > 2.5 || res.PCM.Bytes%2 != 0 {
		t.Errorf("pcm: %d bytes (%.2f s)", res.PCM.Bytes, s)
	}
	if res.Error.Status != 400 || !strings.Contains(res.Error.Message, "unknown voice") {
		t.Errorf("error surfaced as %+v", res.Error)
	}
}
