package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The tests of this package come in two layers (see doc.go): the API's
// tests over fakes of the engines and the store (the default), and the
// end-to-end tests with the build tag e2e, over a whole node. What is in
// this file, an HTTP and SSE client, serves both.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not JSON: %q", r.status, r.body)
	}
	return m
}

// errMsg returns the body's {"error": ...}.
func (r response) errMsg(t *testing.T) string {
	t.Helper()
	s, _ := r.json(t)["error"].(string)
	if s == "" {
		t.Fatalf("error response %d without an error message: %s", r.status, r.body)
	}
	return s
}

// do sends a request to the API at base (http://host:port) with key as its
// Bearer key, and body as JSON (or as it is, for []byte and string).
func do(t *testing.T, base, method, path, key string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	return send(t, req)
}

// send sends req and reads the whole answer.
func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// sseEvent is one event of a text/event-stream, parsed strictly by the
// WHATWG rules: data lines joined with "\n", comments kept for the test.
type sseEvent struct {
	data     string
	comments []string
}

// readSSE parses a stream, failing on anything the format does not allow.
func readSSE(t *testing.T, r io.Reader, each func(sseEvent) bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) == 0 && len(ev.comments) == 0 {
				t.Fatal("empty event")
			}
			ev.data = strings.Join(data, "\n")
			if !each(ev) {
				return
			}
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"):
			ev.comments = append(ev.comments, strings.TrimPrefix(line, ":"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
}

// postStream posts body to the API at base and returns the answer unread.
func postStream(t *testing.T, ctx context.Context, base, path, key string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func monthNow() string { return time.Now().UTC().Format("2006-01") }
