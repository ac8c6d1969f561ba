package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/server"
)

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
			n := startNode(t, func(c *server.Config) { c.HTTP.CORSOrigins = tc.origins })
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
	n := startNode(t)
	req, _ := http.NewRequest("OPTIONS", n.base+"/v1/voices/voice_x", nil)
	if r := send(t, req); r.status != http.StatusNoContent || r.header.Get("Allow") != "OPTIONS, GET, DELETE" {
		t.Fatalf("OPTIONS without Origin: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}

func TestCheckOrigin(t *testing.T) {
	cases := []struct {
		allowed      []string
		host, origin string
		want         bool
	}{
		{nil, "tts.example.com", "", true}, // not from a page
		{nil, "tts.example.com", "https://tts.example.com", true},
		{nil, "tts.example.com:8080", "http://TTS.example.com:8080", true},
		{nil, "tts.example.com", "https://evil.example.net", false},
		{nil, "tts.example.com:8080", "http://tts.example.com", false}, // another port is another origin
		{nil, "tts.example.com", "null", false},
		{[]string{"https://app.example.com"}, "tts.example.com", "https://app.example.com", true},
		{[]string{"https://app.example.com/"}, "tts.example.com", "https://app.example.com", true},
		{[]string{"https://app.example.com"}, "tts.example.com", "http://app.example.com", false},
		{[]string{"*"}, "tts.example.com", "https://anywhere.example.org", true},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("GET", "http://"+c.host+"/v1/agent", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := httpapi.CheckOrigin(c.allowed)(r); got != c.want {
			t.Errorf("CheckOrigin(%q) host %s origin %q = %v, want %v", c.allowed, c.host, c.origin, got, c.want)
		}
	}
}

func TestBodyLimits(t *testing.T) {
	n := startNode(t, func(c *server.Config) { c.HTTP.MaxBodyBytes = 1 << 20 })
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
	n := startNode(t, func(c *server.Config) { c.HTTP.BodyTimeout = 300 * time.Millisecond })
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
		d := time.Since(start)
		if d > 3*time.Second {
			t.Fatalf("connection held %v with a body deadline of 300ms", d)
		}
		t.Logf("key %q: %d, connection closed after %v", k, resp.StatusCode, d.Round(time.Millisecond))
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
	d := time.Since(start)
	if d < 300*time.Millisecond {
		t.Fatalf("the stream took %v: too short to show the deadline was lifted", d)
	}
	t.Logf("stream of %v completed", d.Round(time.Millisecond))
}
