//go:build e2e

package httpapi_test

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/parley-voice/parley/server"
)

// TestWholeFileFLACStatesLengthAndMD5 checks that FLAC answered as a whole
// file (batch and job audio) carries its length and MD5 in STREAMINFO, so
// players show its duration: ffprobe reads the duration from the header
// alone, and the MD5 is that of the samples ffmpeg decodes. Batch WAV
// states its sizes as well.
func TestWholeFileFLACStatesLengthAndMD5(t *testing.T) {
	hooks := make(chan []byte, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- b
	}))
	defer recv.Close()
	n := startNode(t, func(c *server.Config) {
		c.Jobs.PollInterval = 10 * time.Millisecond
		c.Jobs.AllowPrivateWebhooks = true // the receiver is on loopback
	})
	key := n.key(t, "starter")
	ref := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "pcm"})
	if ref.status != 200 {
		t.Fatalf("pcm: %d %s", ref.status, ref.body)
	}
	samples := len(ref.body) / 2

	batch := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "flac"})
	if batch.status != 200 {
		t.Fatalf("flac: %d %s", batch.status, batch.body)
	}
	if cl := batch.header.Get("Content-Length"); cl != strconv.Itoa(len(batch.body)) {
		t.Errorf("Content-Length %q for %d bytes", cl, len(batch.body))
	}
	checkFLACHeader(t, "batch", batch.body, samples)
	// WAV, the other whole-file format, states its sizes too.
	wav := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello})
	if wav.status != 200 || len(wav.body) != 44+2*samples {
		t.Fatalf("wav: %d, %d bytes for %d samples", wav.status, len(wav.body), samples)
	}
	if riff, data := binary.LittleEndian.Uint32(wav.body[4:]), binary.LittleEndian.Uint32(wav.body[40:]); riff != uint32(36+2*samples) || data != uint32(2*samples) {
		t.Errorf("wav header sizes: RIFF %d, data %d; want %d and %d", riff, data, 36+2*samples, 2*samples)
	}

	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "flac", "webhook_url": recv.URL})
	if r.status != 202 {
		t.Fatalf("job: %d %s", r.status, r.body)
	}
	id := r.json(t)["job_id"].(string)
	select {
	case <-hooks:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook within 30 s")
	}
	job := n.do(t, "GET", "/v1/jobs/"+id+"/audio", key, nil)
	if job.status != 200 {
		t.Fatalf("job audio: %d %s", job.status, job.body)
	}
	checkFLACHeader(t, "job", job.body, samples)
}

// checkFLACHeader asserts that STREAMINFO states samples as the total and
// the MD5 of the decoded audio.
func checkFLACHeader(t *testing.T, name string, b []byte, samples int) {
	t.Helper()
	f := filepath.Join(t.TempDir(), name+".flac")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// Without -count_packets ffprobe reports what the header says.
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-of", "json", f).Output()
	if err != nil {
		t.Fatalf("%s: ffprobe: %v", name, err)
	}
	var info struct {
		Streams []struct {
			DurationTS int64  `json:"duration_ts"`
			Duration   string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &info); err != nil || len(info.Streams) != 1 {
		t.Fatalf("%s: ffprobe output %s: %v", name, out, err)
	}
	if s := info.Streams[0]; s.DurationTS != int64(samples) {
		t.Errorf("%s: STREAMINFO states %d samples (%s s), want %d", name, s.DurationTS, s.Duration, samples)
	}
	pcm, err := exec.Command("ffmpeg", "-v", "error", "-i", f, "-f", "s16le", "-").Output()
	if err != nil {
		t.Fatalf("%s: ffmpeg decode: %v", name, err)
	}
	if len(pcm) != 2*samples {
		t.Errorf("%s: decoded %d samples, want %d", name, len(pcm)/2, samples)
	}
	// "fLaC", the block header, then STREAMINFO with the MD5 in its last
	// 16 bytes.
	if len(b) < 42 || string(b[:4]) != "fLaC" {
		t.Fatalf("%s: not a FLAC stream", name)
	}
	want := md5.Sum(pcm)
	if got := b[26:42]; !bytes.Equal(got, want[:]) {
		t.Errorf("%s: STREAMINFO MD5 %x, the decoded samples' %x", name, got, want)
	}
}
