//go:build !e2e

package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// The API's tests: PROTOCOL.md section 2 (batch, SSE, OpenAI's form,
// voices, jobs), admission and error paths, against a fakeNode. Its engine
// makes audio that is a function of the text, so each test knows the exact
// bytes an answer must carry.

const hello = "Hello from the HTTP API. This is a test of batch synthesis."

func TestSpeechPCMAndWAV(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello, "response_format": "pcm"})
	if r.status != 200 || r.header.Get("Content-Type") != "audio/pcm" {
		t.Fatalf("pcm: %d %q %s", r.status, r.header.Get("Content-Type"), r.body[:min(200, len(r.body))])
	}
	if want := n.made(0); !bytes.Equal(r.body, want) {
		t.Fatalf("pcm answer of %d bytes, the engine made %d", len(r.body), len(want))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if r.header.Get(h) == "" {
			t.Errorf("success response lacks %s", h)
		}
	}
	// wav is the default: the same audio, whole, with its length.
	from := len(n.eng.Calls())
	w := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": hello})
	if w.status != 200 || w.header.Get("Content-Type") != "audio/wav" || w.header.Get("Content-Length") != strconv.Itoa(len(w.body)) {
		t.Fatalf("wav: %d %v", w.status, w.header)
	}
	pcm, rate, err := audio.ReadWAV(bytes.NewReader(w.body))
	if err != nil || rate != protocol.SampleRate || !bytes.Equal(audio.PCMToBytes(nil, pcm), n.made(from)) {
		t.Fatalf("wav: %d samples at %d Hz (%v), want the engine's audio", len(pcm), rate, err)
	}
	if got := n.db.used(key); got != 2*int64(len(hello)) {
		t.Fatalf("usage %d after two requests of %d characters", got, len(hello))
	}
}

func TestSpeechErrors(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	revoked := n.key(t, "free")
	n.db.revoke(revoked)
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
		{"bad format", key, map[string]any{"text": "hi", "response_format": "ogg"}, 400, "wav"},
		{"unknown saved voice", key, map[string]any{"text": "hi", "voice": "voice_doesnotexist"}, 404, "unknown voice"},
		{"forged prompt", key, map[string]any{"text": "hi", "voice_clone_prompt": "vcp1.e30.AAAA"}, 400, "voice_clone_prompt"},
		{"bad webhook", key, map[string]any{"text": "hi", "webhook_url": "ftp://x"}, 400, "webhook_url"},
		{"openai bad speed", key, map[string]any{"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 9}, 400, "speed"},
		{"openai unknown voice", key, map[string]any{"model": "tts-1", "input": "hi", "voice": "zorro"}, 400, "alloy"},
		{"openai bad stream_format", key, map[string]any{"model": "tts-1", "input": "hi", "stream_format": "ws"}, 400, "stream_format"},
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
	if calls := n.eng.Calls(); len(calls) != 0 {
		t.Fatalf("refused requests were spoken: %+v", calls)
	}
	if got := n.db.used(key); got != 0 {
		t.Fatalf("refused requests were charged %d", got)
	}
}

func TestQuotaExhausted429(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	n.db.spend(key, 5)
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
	n := newFakeNode(t, func(c *fakeConfig) { c.limits.GenerationsPerMin = 2 })
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
	// The first request's synthesis takes a while, holding its slot.
	n := newFakeNode(t, func(c *fakeConfig) {
		c.limits.MaxConcurrentPerKey = 1
		c.engine = &enginetest.Engine{Pace: time.Millisecond, PerRune: enginetest.SamplesPerRune / 4}
	})
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

// TestConcurrentRequestsAtTheQuotaEdge: eight requests racing for room for
// one; exactly one is served.
func TestConcurrentRequestsAtTheQuotaEdge(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	text := "This request costs exactly sixty characters of quota, see..."
	if len([]rune(text)) != 60 {
		t.Fatalf("text is %d characters", len([]rune(text)))
	}
	n.db.spend(key, 100)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": text, "response_format": "pcm"}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 429:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 8 requests served with room for one: %v", ok, statuses)
	}
	if chars := n.db.used(key); chars != 50_000-40 {
		t.Fatalf("usage %d; want %d", chars, 50_000-40)
	}
}

// TestTextThatExpands: text that normalisation multiplies is billed for
// what is spoken, and refused beyond a spoken length.
func TestTextThatExpands(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	// 300 "%" are read as 300 "percent": 2,399 characters spoken, billed a
	// third of that.
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": strings.Repeat("%", 300), "response_format": "pcm"})
	if r.status != 200 {
		t.Fatalf("300 %%: %d %s", r.status, r.body)
	}
	chars := n.db.used(key)
	if chars != 800 {
		t.Fatalf("300 %% signs billed %d characters, want 800 (a third of 2399 spoken)", chars)
	}
	// Ordinary text with numbers costs its length.
	before := chars
	text := "Dr. Smith paid $5.50 at 10:30 on 3/4/2025."
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": text, "response_format": "pcm"}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if chars = n.db.used(key); chars-before != int64(len(text)) {
		t.Fatalf("%q billed %d, want %d", text, chars-before, len(text))
	}
	// 4,000 digits would be minutes of speech: refused before synthesis.
	calls := len(n.eng.Calls())
	r = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": strings.Repeat("7", 4000)})
	if r.status != 413 || !strings.Contains(r.errMsg(t), "when spoken") || len(n.eng.Calls()) != calls {
		t.Fatalf("4000 digits: %d %s", r.status, r.body)
	}
}

// TestOpenAIVoices: OpenAI's voice names are built-in voices; speed scales
// the rate, and instructions refine the voice, or describe one.
func TestOpenAIVoices(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "starter")
	engineVoice := func(body map[string]any) voiceCall {
		t.Helper()
		from := len(n.eng.Calls())
		body["model"], body["input"], body["response_format"] = "tts-1", "Hello there.", "pcm"
		if r := n.do(t, "POST", "/v1/audio/speech", key, body); r.status != 200 {
			t.Fatalf("%v: %d %s", body, r.status, r.body)
		}
		c := n.eng.Calls()[from]
		return voiceCall{c.Voice.Engine, c.Voice.Name, c.Voice.Variant, c.Voice.Pitch, c.Voice.Rate}
	}
	want := func(desc string, speed float64) voiceCall {
		p := voice.Design(desc)
		if speed != 0 {
			if p.Rate == 0 {
				p.Rate = 1
			}
			p.Rate *= speed
		}
		v := p.VoiceFor(protocol.English)
		return voiceCall{v.Engine, v.Name, v.Variant, v.Pitch, v.Rate}
	}
	seen := map[voiceCall]string{}
	for _, name := range []string{"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"} {
		got := engineVoice(map[string]any{"voice": name})
		if other, ok := seen[got]; ok {
			t.Errorf("voices %s and %s are the same engine voice %+v", other, name, got)
		}
		seen[got] = name
	}
	if got, w := engineVoice(map[string]any{"voice": "ONYX", "speed": 2}), want("a very deep american man", 2); got != w {
		t.Errorf("onyx at speed 2: %+v, want %+v", got, w)
	}
	if got, w := engineVoice(map[string]any{"voice": "alloy", "instructions": "speak very slowly"}), want("a neutral american woman, speak very slowly", 0); got != w {
		t.Errorf("alloy with instructions: %+v, want %+v", got, w)
	}
	if got, w := engineVoice(map[string]any{"instructions": "a deep British man"}), want("a deep British man", 0); got != w {
		t.Errorf("instructions alone: %+v, want %+v", got, w)
	}
	// OpenAI's default format is mp3, whatever this build can encode.
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"model": "tts-1", "input": "Hi.", "voice": "alloy"})
	if r.status == 200 && r.header.Get("Content-Type") != "audio/mpeg" || r.status == 400 && !strings.Contains(r.errMsg(t), `"mp3"`) {
		t.Fatalf("default format: %d %q %s", r.status, r.header.Get("Content-Type"), r.body[:min(200, len(r.body))])
	}
}

type voiceCall struct {
	engine, name, variant string
	pitch, rate           float64
}

// TestFailureAfterTheAnswerStarted: a streamed batch answer whose engine
// fails mid-way is cut short (the client sees a broken stream, not a
// complete file), and the failure is logged; the key's slot comes back.
func TestFailureAfterTheAnswerStarted(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) { c.engine = &enginetest.Engine{FailOn: "broken"} })
	key := n.key(t, "free")
	req, _ := http.NewRequest("POST", n.base+"/v1/audio/speech", strings.NewReader(
		`{"text":"This first sentence is long enough to be a segment of its own. And this one is broken.","response_format":"pcm"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || err == nil {
		t.Fatalf("%d, %d bytes, %v: want a 200 cut short", resp.StatusCode, len(b), err)
	}
	waitUntil(t, 5*time.Second, "the failure to be logged", func() bool {
		return strings.Contains(n.logs.String(), "request failed after the response started") && strings.Contains(n.logs.String(), enginetest.ErrFailed.Error())
	})
	if r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "Hi.", "response_format": "pcm"}); r.status != 200 {
		t.Fatalf("after the failure: %d", r.status)
	}
}

func TestCORS(t *testing.T) {
	const good, evil = "https://app.example.com", "https://evil.example.net"
	cases := []struct {
		name    string
		origins []string // nil: the default
		origin  string
		allowed bool
		acao    string // Access-Control-Allow-Origin when allowed
	}{
		{"default allows any origin", nil, evil, true, "*"},
		{"listed origin", []string{good}, good, true, good},
		{"listed origin, other case", []string{"HTTPS://APP.example.com"}, good, true, good},
		{"unlisted origin", []string{good}, evil, false, ""},
		{"CORS off", []string{}, good, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newFakeNode(t, func(c *fakeConfig) { c.http.CORSOrigins = tc.origins })
			key := n.key(t, "free")

			pre, _ := http.NewRequest("OPTIONS", n.base+"/v1/audio/speech", nil)
			pre.Header.Set("Origin", tc.origin)
			pre.Header.Set("Access-Control-Request-Method", "POST")
			pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
			r := send(t, pre)
			if !tc.allowed {
				if r.status != http.StatusForbidden || r.header.Get("Access-Control-Allow-Origin") != "" {
					t.Fatalf("preflight from a refused origin: %d, Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
				}
			} else {
				if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != tc.acao {
					t.Fatalf("preflight: %d, Allow-Origin %q, want 204 and %q", r.status, r.header.Get("Access-Control-Allow-Origin"), tc.acao)
				}
				if m := r.header.Get("Access-Control-Allow-Methods"); m != "POST" {
					t.Errorf("Allow-Methods %q", m)
				}
				if h := r.header.Get("Access-Control-Allow-Headers"); !strings.Contains(h, "authorization") || !strings.Contains(h, "x-stainless-os") {
					t.Errorf("Allow-Headers %q does not allow what was asked", h)
				}
				if r.header.Get("Access-Control-Allow-Credentials") != "" {
					t.Error("credentials allowed: the API must never take cookies")
				}
			}

			// The request itself, and an error answer, which a page must
			// be able to read too.
			for _, k := range []string{key, "wrong"} {
				req, _ := http.NewRequest("POST", n.base+"/v1/audio/speech", strings.NewReader(`{"text":"Hi.","response_format":"pcm"}`))
				req.Header.Set("Authorization", "Bearer "+k)
				req.Header.Set("Origin", tc.origin)
				r := send(t, req)
				if got := r.header.Get("Access-Control-Allow-Origin"); got != tc.acao {
					t.Fatalf("%d answer: Allow-Origin %q, want %q", r.status, got, tc.acao)
				}
				if tc.allowed && !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Retry-After") {
					t.Errorf("Expose-Headers %q", r.header.Get("Access-Control-Expose-Headers"))
				}
				if tc.acao != "" && tc.acao != "*" && !strings.Contains(r.header.Get("Vary"), "Origin") {
					t.Error("an answer that depends on Origin lacks Vary: Origin")
				}
			}
		})
	}
	// Without an Origin, OPTIONS lists the methods of the path.
	n := newFakeNode(t)
	req, _ := http.NewRequest("OPTIONS", n.base+"/v1/voices/voice_x", nil)
	if r := send(t, req); r.status != http.StatusNoContent || r.header.Get("Allow") != "OPTIONS, GET, DELETE" {
		t.Fatalf("OPTIONS without Origin: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}

func TestBodyLimits(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) { c.http.MaxBodyBytes = 1 << 20 })
	key := n.key(t, "realtime")
	pad := func(size int) []byte {
		return []byte(`{"text":"Hi.","x":"` + strings.Repeat("a", size) + `"}`)
	}
	cases := []struct {
		method, path string
		body         []byte
		status       int // 0: anything but 413
	}{
		{"POST", "/v1/audio/speech", pad(70 << 10), 413},
		{"POST", "/v1/audio/speech/stream", pad(70 << 10), 413},
		{"POST", "/v1/voices/design", pad(70 << 10), 413},
		{"GET", "/v1/voices", pad(70 << 10), 413},
		{"POST", "/v1/audio/speech", pad(40 << 10), 0},
		// Reference audio may be larger, up to MaxBodyBytes.
		{"POST", "/v1/voices", pad(512 << 10), 0},
		{"POST", "/v1/voices/extract-embeddings", pad(512 << 10), 0},
		{"POST", "/v1/voices", pad(2 << 20), 413},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, n.base+c.path, bytes.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+key)
		r := send(t, req)
		if c.status != 0 && r.status != c.status || c.status == 0 && r.status == 413 {
			t.Errorf("%s %s with %d bytes: %d %s", c.method, c.path, len(c.body), r.status, r.body)
		}
	}
}

// TestBodyTimeout trickles a request body: the server gives up after
// BodyTimeout, with or without a valid key, and a streamed answer that
// outlasts BodyTimeout is not cut short by it.
func TestBodyTimeout(t *testing.T) {
	n := newFakeNode(t, func(c *fakeConfig) {
		c.http.BodyTimeout = 300 * time.Millisecond
		c.engine = &enginetest.Engine{Pace: time.Millisecond}
	})
	key := n.key(t, "realtime")
	for _, k := range []string{key, "wrong"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(n.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		fmt.Fprintf(conn, "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\":", k)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusRequestTimeout
		if k != key {
			want = http.StatusUnauthorized // answered at once, then the body is dropped
		}
		if resp.StatusCode != want {
			t.Fatalf("trickled body, key %q: %d, want %d", k, resp.StatusCode, want)
		}
		// Either way the connection does not outlive the deadline by much.
		if _, err := io.Copy(io.Discard, conn); err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("reading to the end: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("connection held %v with a body deadline of 300ms", d)
		}
		conn.Close()
	}

	long := strings.Repeat("This stream runs for longer than the body deadline. ", 8)
	req, _ := http.NewRequest("POST", n.base+"/v1/audio/speech/stream", strings.NewReader(`{"text":"`+long+`"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	r := send(t, req)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"done":true`)) || bytes.Contains(r.body, []byte(`"error"`)) {
		t.Fatalf("stream: %d, ends %q", r.status, r.body[max(0, len(r.body)-200):])
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("the stream took %v: too short to show the deadline was lifted", d)
	}
}

// TestStoreUnavailable503: while the store cannot be reached, a request
// that needs it is a 503 saying so, with Retry-After.
func TestStoreUnavailable503(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	n.db.fail(fmt.Errorf("%w: connection refused", store.ErrUnavailable))
	r := n.do(t, "GET", "/v1/usage", key, nil)
	if r.status != 503 || !strings.Contains(r.errMsg(t), "cannot be reached") || r.header.Get("Retry-After") != "5" {
		t.Fatalf("usage while the store is unreachable: %d %v %s", r.status, r.header, r.body)
	}
}

// TestStoreFailureIsGeneric: a store that fails is a 500 with a generic
// message; the error's text, which may quote a path, is for the log.
func TestStoreFailureIsGeneric(t *testing.T) {
	n := newFakeNode(t)
	key := n.key(t, "free")
	n.db.fail(errStore)
	r := n.do(t, "GET", "/v1/usage", key, nil)
	if r.status != 500 || r.errMsg(t) != "internal server error" {
		t.Fatalf("usage with a failing store: %d %s", r.status, r.body)
	}
	if !strings.Contains(n.logs.String(), errStore.Error()) {
		t.Fatalf("the log lacks the detail:\n%s", n.logs.String())
	}
}
