//go:build e2e

package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-voice/parley/audio"
)

const hello = "Hello from the HTTP API. This is a test of batch synthesis."

func TestSpeechWAV(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "voice_description": "a calm woman"})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "audio/wav" {
		t.Fatalf("Content-Type %q", ct)
	}
	if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Fatalf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
	}
	pcm, rate, err := audio.ReadWAV(bytes.NewReader(r.body))
	if err != nil || rate != 24000 {
		t.Fatalf("WAV: rate %d, %v", rate, err)
	}
	if d := audio.Duration(len(pcm), rate).Seconds(); d < 2 || d > 8 {
		t.Fatalf("%.2f s for %d words", d, len(strings.Fields(hello)))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if r.header.Get(h) == "" {
			t.Errorf("success response lacks %s", h)
		}
	}
}

// ffprobe describes an encoded file with Debian's ffprobe: an independent
// decoder.
func ffprobe(t *testing.T, data []byte, ext string) (codec string, rate int, channels int, seconds float64) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "a."+ext)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// Decode the whole file: the duration is what a player plays.
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format", "-of", "json", f).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var info struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			SampleRate string `json:"sample_rate"`
			Channels   int    `json:"channels"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &info); err != nil || len(info.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	s := info.Streams[0]
	rate, _ = strconv.Atoi(s.SampleRate)
	dec, err := exec.Command("ffmpeg", "-v", "error", "-i", f, "-f", "s16le", "-ac", "1", "-ar", "24000", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v", err)
	}
	return s.CodecName, rate, s.Channels, float64(len(dec)) / 2 / 24000
}

func TestSpeechFormatsDecodeIndependently(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "starter")
	ref := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "pcm"})
	if ref.status != 200 || ref.header.Get("Content-Type") != "audio/pcm" {
		t.Fatalf("pcm: %d %q", ref.status, ref.header.Get("Content-Type"))
	}
	want := float64(len(ref.body)) / 2 / 24000
	cases := []struct {
		format, ext, ctype, codec string
		rate                      int
		slack                     float64 // seconds of encoder padding a stream may add
	}{
		{"wav", "wav", "audio/wav", "pcm_s16le", 24000, 0.001},
		{"mp3", "mp3", "audio/mpeg", "mp3", 24000, 0.1},
		{"opus", "ogg", "audio/opus", "opus", 48000, 0.03},
		{"flac", "flac", "audio/flac", "flac", 24000, 0.001},
		{"aac", "aac", "audio/aac", "aac", 24000, 0.1},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": c.format})
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != c.ctype {
				t.Errorf("Content-Type %q, want %q", ct, c.ctype)
			}
			codec, rate, ch, secs := ffprobe(t, r.body, c.ext)
			if codec != c.codec || rate != c.rate || ch != 1 {
				t.Errorf("ffprobe: codec %s, %d Hz, %d channels; want %s, %d Hz, mono", codec, rate, ch, c.codec, c.rate)
			}
			if secs < want-0.01 || secs > want+c.slack {
				t.Errorf("decoded %.3f s, the PCM is %.3f s", secs, want)
			}
		})
	}
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "ogg"})
	if r.status != 400 || !strings.Contains(r.errMsg(t), "mp3") {
		t.Fatalf("unknown format: %d %s; want 400 naming the supported formats", r.status, r.body)
	}
}

func TestOpenAIForm(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "starter")
	// OpenAI's default format is mp3.
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"model": "tts-1", "input": hello, "voice": "alloy"})
	if r.status != 200 || r.header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("OpenAI form: %d %q %s", r.status, r.header.Get("Content-Type"), r.body[:min(len(r.body), 200)])
	}
	dur := func(voice string, extra map[string]any) float64 {
		body := map[string]any{"model": "gpt-4o-mini-tts", "input": hello, "voice": voice, "response_format": "pcm"}
		for k, v := range extra {
			body[k] = v
		}
		r := n.do(t, "POST", "/v1/audio/speech", key, body)
		if r.status != 200 {
			t.Fatalf("%v: %d %s", body, r.status, r.body)
		}
		return float64(len(r.body)) / 48000
	}
	normal := dur("alloy", nil)
	fast := dur("alloy", map[string]any{"speed": 2})
	if r := normal / fast; r < 1.6 || r > 2.4 {
		t.Errorf("speed 2: %.2f s vs %.2f s (x%.2f)", fast, normal, r)
	}
	// instructions act as a voice description on top of the voice.
	slow := dur("alloy", map[string]any{"instructions": "speak very slowly"})
	if slow < normal*1.2 {
		t.Errorf("instructions 'speak very slowly': %.2f s vs %.2f s", slow, normal)
	}
}

func TestOpenAIVoicesAreDistinct(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "scale")
	seen := map[string]string{}
	for _, v := range []string{"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"} {
		r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"model": "tts-1", "input": "Hello there, how are you today?", "voice": v, "response_format": "pcm"})
		if r.status != 200 {
			t.Fatalf("%s: %d %s", v, r.status, r.body)
		}
		pcm := audio.BytesToPCM(nil, r.body)
		f0 := audio.AnalyzePitch(pcm, 24000).MedianHz
		sig := fmt.Sprintf("%d samples, F0 %.0f Hz", len(pcm)/240, f0) // 10 ms resolution
		if other, ok := seen[sig]; ok {
			t.Errorf("voices %s and %s sound the same (%s)", other, v, sig)
		}
		seen[sig] = v
	}
}
