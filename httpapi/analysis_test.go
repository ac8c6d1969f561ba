//go:build e2e

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/server"
)

// speechLike is a stand-in for a recorded voice: a 130 Hz harmonic pulse
// train whose pitch drifts like intonation and whose loudness pulses four
// times a second like syllables, d long at rate.
func speechLike(d time.Duration, rate int) []int16 {
	pcm := make([]int16, int(d.Seconds()*float64(rate)))
	phase := 0.0
	for i := range pcm {
		t := float64(i) / float64(rate)
		f := 130 * (1 + 0.05*math.Sin(2*math.Pi*t))
		phase += 2 * math.Pi * f / float64(rate)
		v := 0.0
		for k := 1; float64(k)*f < 3500; k++ {
			v += math.Sin(float64(k)*phase) / float64(k)
		}
		pcm[i] = int16(6000 * math.Pow(math.Sin(2*math.Pi*2*t), 2) * v)
	}
	return pcm
}

// refBody is a reference request for endpoint ("voices" or "extract").
func refBody(endpoint string, wav []byte, refText string) map[string]any {
	b := map[string]any{"audio": base64.StdEncoding.EncodeToString(wav)}
	if refText != "" {
		b["ref_text"] = refText
	}
	if endpoint == "/v1/voices" {
		b["name"] = "ref"
	}
	return b
}

var refEndpoints = []string{"/v1/voices", "/v1/voices/extract-embeddings"}

// analyses reads the node's count of reference analyses with outcome
// from /metrics, as a scraper would.
func (n *node) analyses(t *testing.T, outcome string) int {
	t.Helper()
	resp, err := http.Get(n.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^parley_voice_analyses_total\{outcome="` + outcome + `"\} (\d+)$`).FindSubmatch(buf.Bytes())
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(string(m[1]))
	return v
}

// TestReferenceLimits sends the references of a hostile client: rates
// and lengths whose analysis costs seconds of CPU for a small body. Each
// is refused from its header, before any analysis.
func TestReferenceLimits(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "pro")
	// 1 MiB of 16-bit audio at 1 kHz: nearly 9 minutes.
	slow := audio.EncodeWAV(speechLike(524*time.Second, 1000), 1000)
	long := audio.EncodeWAV(speechLike(61*time.Second, 16000), 16000)
	// A streamed WAV does not state its length in the header; it is cut
	// off as it is read.
	stream := bytes.Clone(long)
	binary.LittleEndian.PutUint32(stream[4:], 0xFFFFFFFF)
	binary.LittleEndian.PutUint32(stream[40:], 0xFFFFFFFF)
	ok := audio.EncodeWAV(speechLike(3*time.Second, 16000), 16000)
	cases := []struct {
		name    string
		wav     []byte
		refText string
		status  int
		msg     string
	}{
		{"1 kHz", slow, "", 400, "sample rate 1000 Hz outside [8000, 48000]"},
		{"96 kHz", audio.EncodeWAV(speechLike(2*time.Second, 96000), 96000), "", 400, "96000 Hz"},
		{"61 s", long, "", 413, "61.0 s of audio, more than 1m0s"},
		{"61 s streamed", stream, "", 413, "more than 1m0s of audio"},
		{"ref_text too long for 3 s", ok, strings.Repeat("word ", 19), 400, "ref_text"},
	}
	for _, c := range cases {
		for _, ep := range refEndpoints {
			r := n.do(t, "POST", ep, key, refBody(ep, c.wav, c.refText))
			if r.status != c.status || !strings.Contains(r.errMsg(t), c.msg) {
				t.Errorf("%s to %s: %d %s, want %d mentioning %q", c.name, ep, r.status, r.body, c.status, c.msg)
			}
		}
	}
	if got := n.analyses(t, "refused") + n.analyses(t, "matched") + n.analyses(t, "cancelled"); got != 0 {
		t.Fatalf("%d analyses ran for references refused from their header", got)
	}
	// A reference within the limits is analysed.
	for _, ep := range refEndpoints {
		if r := n.do(t, "POST", ep, key, refBody(ep, ok, "")); r.status/100 != 2 {
			t.Fatalf("3 s at 16 kHz to %s: %d %s", ep, r.status, r.body)
		}
	}
	if got := n.analyses(t, "matched"); got != 2 {
		t.Fatalf("%d analyses matched, want 2", got)
	}
}

// TestReferenceAnalysisRate checks that analyses count against the key's
// generations per minute, as syntheses do, with the same 429.
func TestReferenceAnalysisRate(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.Limits.GenerationsPerMin = 2 })
	key := n.key(t, "pro")
	other := n.key(t, "pro")
	wav := audio.EncodeWAV(speechLike(3*time.Second, 16000), 16000)
	for _, ep := range refEndpoints {
		if r := n.do(t, "POST", ep, key, refBody(ep, wav, "")); r.status/100 != 2 || r.header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("%s: %d %s, headers %v", ep, r.status, r.body, r.header)
		}
	}
	for _, ep := range refEndpoints {
		r := n.do(t, "POST", ep, key, refBody(ep, wav, ""))
		if r.status != 429 || r.header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(r.errMsg(t), "per minute") {
			t.Fatalf("third analysis to %s: %d %s, headers %v", ep, r.status, r.body, r.header)
		}
		if v, _ := strconv.Atoi(r.header.Get("Retry-After")); v <= 0 {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	// Syntheses share the budget; other keys do not.
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}); r.status != 429 {
		t.Fatalf("synthesis after two analyses: %d", r.status)
	}
	if r := n.do(t, "POST", "/v1/voices/extract-embeddings", other, refBody("", wav, "")); r.status != 200 {
		t.Fatalf("another key: %d %s", r.status, r.body)
	}
}

// TestReferenceAnalysisConcurrencyAndCancel holds a long analysis (a
// minute at 48 kHz, matched with its text) and checks that it takes the
// key's one concurrent slot, that another analysis or synthesis of the key
// is refused with 429 meanwhile, and that a client that leaves stops it:
// the analysis ends cancelled, and the slot is free again.
func TestReferenceAnalysisConcurrencyAndCancel(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.Limits.MaxConcurrentPerKey = 1 })
	key := n.key(t, "pro")
	long := audio.EncodeWAV(speechLike(60*time.Second, 48000), 48000)
	text := strings.TrimSpace(strings.Repeat("The north wind and the sun were disputing which was the stronger. ", 26))
	small := audio.EncodeWAV(speechLike(3*time.Second, 16000), 16000)
	// Silence is refused as soon as it is measured: the polls below hold
	// the slot for a moment only.
	silent := audio.EncodeWAV(make([]int16, 3*16000), 16000)

	body, err := json.Marshal(refBody("/v1/voices", long, text))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan string, 1)
	start := func() {
		req, err := http.NewRequestWithContext(ctx, "POST", n.base+"/v1/voices", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				first <- err.Error()
				return
			}
			resp.Body.Close()
			first <- fmt.Sprintf("answered %d", resp.StatusCode)
		}()
	}
	start()

	// Another analysis is refused while the first holds the slot.
	var refused response
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case res := <-first:
			if res != "answered 429" {
				t.Fatalf("the long analysis ended (%s) before a concurrent one was refused", res)
			}
			start() // it came while a poll held the slot
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no concurrent analysis refused within 30 s")
		}
		refused = n.do(t, "POST", "/v1/voices/extract-embeddings", key, refBody("", silent, ""))
		if refused.status == 429 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if refused.header.Get("X-Concurrent-Limit") != "1" || refused.header.Get("X-Concurrent-Active") != "1" || refused.header.Get("Retry-After") == "" {
		t.Fatalf("concurrent analysis refused with headers %v", refused.header)
	}
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}); r.status != 429 {
		t.Fatalf("synthesis during the analysis: %d", r.status)
	}

	// The client leaves: the analysis stops with its context. (Analyses
	// polled in before the long one took the slot were matched.)
	matched := n.analyses(t, "matched")
	cancel()
	if res := <-first; !strings.Contains(res, "context canceled") {
		t.Fatalf("the long request %s", res)
	}
	for n.analyses(t, "cancelled") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the analysis was not cancelled: matched %d, refused %d, failed %d",
				n.analyses(t, "matched"), n.analyses(t, "refused"), n.analyses(t, "failed"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := n.analyses(t, "matched"); got != matched {
		t.Fatalf("the cancelled analysis was matched too (%d matched, %d before)", got, matched)
	}
	// Its slot is free again.
	if r := n.do(t, "POST", "/v1/voices/extract-embeddings", key, refBody("", small, "")); r.status != 200 {
		t.Fatalf("analysis after the cancelled one: %d %s", r.status, r.body)
	}
}
