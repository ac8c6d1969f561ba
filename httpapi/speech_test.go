package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/server"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

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

func TestSpeechErrors(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	revoked := n.key(t, "free")
	ks, _ := n.srv.Store().ListKeys(t.Context())
	for _, k := range ks {
		if strings.Contains(revoked, k.ID) {
			if err := n.srv.Store().RevokeKey(t.Context(), k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	long := strings.Repeat("a", 4097)
	cases := []struct {
		name   string
		key    string
		body   any
		status int
		msg    string
	}{
		{"no key", "", map[string]any{"text": "hi"}, 401, "API key"},
		{"wrong key", "pk_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", map[string]any{"text": "hi"}, 401, "API key"},
		{"revoked key", revoked, map[string]any{"text": "hi"}, 401, "API key"},
		{"not JSON", key, "hello", 400, "not valid JSON"},
		{"wrong type", key, map[string]any{"text": 5}, 400, "wrong type"},
		{"no text", key, map[string]any{"voice_description": "x"}, 400, "text"},
		{"empty text", key, map[string]any{"text": "  "}, 400, "empty"},
		{"two voices", key, map[string]any{"text": "hi", "voice": "voice_x", "voice_description": "x"}, 400, "only one"},
		{"too long", key, map[string]any{"text": long}, 413, "4096"},
		{"bad language", key, map[string]any{"text": "hi", "language": "Klingon"}, 400, "language"},
		{"unknown saved voice", key, map[string]any{"text": "hi", "voice": "voice_doesnotexist"}, 404, "unknown voice"},
		{"forged prompt", key, map[string]any{"text": "hi", "voice_clone_prompt": "vcp1.e30.AAAA"}, 400, "voice_clone_prompt"},
		{"bad webhook", key, map[string]any{"text": "hi", "webhook_url": "ftp://x"}, 400, "webhook_url"},
		{"openai bad speed", key, map[string]any{"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 9}, 400, "speed"},
		{"openai unknown voice", key, map[string]any{"model": "tts-1", "input": "hi", "voice": "zorro"}, 400, "alloy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := n.do(t, "POST", "/v1/audio/speech", c.key, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if msg := r.errMsg(t); !strings.Contains(msg, c.msg) {
				t.Fatalf("error %q does not mention %q", msg, c.msg)
			}
		})
	}
	big := n.do(t, "POST", "/v1/audio/speech", key, bytes.Repeat([]byte(" "), 17<<20))
	if big.status != 413 {
		t.Fatalf("17 MB body: %d", big.status)
	}
}

func TestQuotaExhausted429(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	ks, _ := n.srv.Store().ListKeys(t.Context())
	if err := n.srv.Store().AddUsage(t.Context(), ks[0].ID, monthNow(), 50_000-5); err != nil {
		t.Fatal(err)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi."}); r.status != 200 {
		t.Fatalf("3 characters within quota: %d %s", r.status, r.body)
	}
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hello again."})
	if r.status != 429 || !strings.Contains(r.errMsg(t), "quota") {
		t.Fatalf("over quota: %d %s", r.status, r.body)
	}
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra <= 0 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	u := n.do(t, "GET", "/v1/usage", key, nil).json(t)
	if u["characters"].(float64) != 50_000-2 || u["remaining"].(float64) != 2 || u["quota"].(float64) != 50_000 {
		t.Fatalf("usage after the refusal: %v", u)
	}
}

func TestRateLimit429Headers(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.Limits.GenerationsPerMin = 2 })
	key := n.key(t, "pro")
	for i := 0; i < 2; i++ {
		if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"})
	if r.status != 429 {
		t.Fatalf("third request: %d", r.status)
	}
	if r.header.Get("X-RateLimit-Limit") != "2" || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("rate headers %v", r.header)
	}
	for _, h := range []string{"Retry-After", "X-RateLimit-Reset"} {
		if v, _ := strconv.Atoi(r.header.Get(h)); v <= 0 {
			t.Errorf("%s = %q", h, r.header.Get(h))
		}
	}
}

func TestConcurrencyLimit429(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.Limits.MaxConcurrentPerKey = 1 })
	key := n.key(t, "pro")
	long := strings.Repeat("This sentence keeps the first request busy for a while. ", 30)
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", n.base+"/v1/audio/speech", strings.NewReader(fmt.Sprintf(`{"text":%q,"response_format":"pcm"}`, long)))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			close(started)
			return
		}
		close(started) // headers arrived: the synthesis holds its slot
		defer resp.Body.Close()
		_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
	}()
	<-started
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"})
	wg.Wait()
	if r.status != 429 || r.header.Get("X-Concurrent-Limit") != "1" || r.header.Get("X-Concurrent-Active") != "1" {
		t.Fatalf("second concurrent request: %d, headers %v", r.status, r.header)
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

func monthNow() string { return time.Now().UTC().Format("2006-01") }
