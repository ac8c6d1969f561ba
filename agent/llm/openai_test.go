package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// chunk is one OpenAI stream event carrying a content delta.
func chunk(content string) string {
	c, _ := json.Marshal(content)
	return fmt.Sprintf(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}`+"\n\n", c)
}

const (
	roleChunk   = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n"
	finishChunk = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"
	done        = "data: [DONE]\n\n"
)

var hello = []Message{{Role: RoleSystem, Content: "Be brief."}, {Role: RoleUser, Content: "Hi"}}

// startEvents writes the headers of an event stream.
func startEvents(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// write sends s and flushes it to the client at once.
func write(w http.ResponseWriter, s string) {
	_, _ = io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

// newClient starts a fake server and a client for it with fast retries.
func newClient(t *testing.T, h http.HandlerFunc, adjust ...func(*OpenAIConfig)) (*OpenAI, *httptest.Server) {
	t.Helper()
	// Reading the request body first is what lets the server notice a
	// client hanging up (its background read starts only after the body).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request: %v", err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "test-model", HTTPClient: srv.Client(), RetryBackoff: time.Millisecond}
	for _, f := range adjust {
		f(&cfg)
	}
	m, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, srv
}

// collect streams and records the deltas.
func collect(ctx context.Context, m Model, msgs []Message) ([]string, string, error) {
	var deltas []string
	text, err := m.Stream(ctx, msgs, func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	return deltas, text, err
}

// TestStreamLockstep proves each delta reaches onDelta before the server
// sends the next: the server waits for the client's acknowledgement of
// every token, so a client that buffered would deadlock.
func TestStreamLockstep(t *testing.T) {
	tokens := []string{"Hel", "lo", ",", " world", "!"}
	ack := make(chan string)
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		startEvents(w)
		write(w, roleChunk)
		for _, tok := range tokens {
			write(w, chunk(tok))
			select {
			case got := <-ack:
				if got != tok {
					t.Errorf("client acknowledged %q, want %q", got, tok)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("no delta for %q before the rest of the stream was sent", tok)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		write(w, finishChunk+done)
	})
	var deltas []string
	text, err := m.Stream(t.Context(), hello, func(d string) error {
		deltas = append(deltas, d)
		ack <- d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(deltas) != fmt.Sprint(tokens) {
		t.Errorf("deltas = %q, want %q", deltas, tokens)
	}
	if text != strings.Join(tokens, "") {
		t.Errorf("text = %q", text)
	}
}

// TestStreamWireFormats replays streams as servers really send them, split
// into small writes so events and even CRLF pairs straddle reads.
func TestStreamWireFormats(t *testing.T) {
	c := func(s string) string { return strings.TrimSuffix(chunk(s), "\n\n") }
	tests := []struct {
		name   string
		body   string
		deltas []string
	}{
		{"openai", roleChunk + chunk("Hello") + chunk(" there") + finishChunk + done, []string{"Hello", " there"}},
		{"crlf", strings.ReplaceAll(roleChunk+chunk("Hello")+chunk(" there")+finishChunk+done, "\n", "\r\n"), []string{"Hello", " there"}},
		{"cr", strings.ReplaceAll(chunk("a")+chunk("b")+done, "\n", "\r"), []string{"a", "b"}},
		{
			"multi-line data",
			"data: {\"choices\":[{\"index\":0,\n" + `data: "delta":{"content":"split"}}]}` + "\n\n" + done,
			[]string{"split"},
		},
		{
			"comments and keep-alives",
			": OPENROUTER PROCESSING\n\n\n:\n" + chunk("a") + ": ping\n\n" + "id: 3\nretry: 500\nevent: message\n" + c("b") + "\n\n" + done,
			[]string{"a", "b"},
		},
		{"no space after colon", "data:" + strings.TrimPrefix(chunk("x"), "data: ") + "data:[DONE]\n\n", []string{"x"}},
		{
			"ollama null content and usage chunk",
			`data: {"id":"chatcmpl-9","object":"chat.completion.chunk","model":"llama3.2","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}` + "\n\n" +
				chunk("Hi") +
				`data: {"id":"chatcmpl-9","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":"stop"}]}` + "\n\n" +
				`data: {"id":"chatcmpl-9","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}` + "\n\n" + done,
			[]string{"Hi"},
		},
		{"llama.cpp closing without [DONE]", chunk("a") + finishChunk, []string{"a"}},
		{"empty deltas", chunk("") + chunk("a") + chunk("") + `data: {"choices":[{"index":0,"delta":{}}]}` + "\n\n" + done, []string{"a"}},
		{"finish reason with content", chunk("a") + `data: {"choices":[{"index":0,"delta":{"content":"."},"finish_reason":"length"}]}` + "\n\n" + done, []string{"a", "."}},
		{"other choices ignored", chunk("a") + `data: {"choices":[{"index":1,"delta":{"content":"B"}}]}` + "\n\n" + done, []string{"a"}},
		{"[DONE] without blank line at close", chunk("a") + "data: [DONE]", []string{"a"}},
		{"unicode split across writes", chunk("héllo ") + chunk("世界 🎉") + done, []string{"héllo ", "世界 🎉"}},
		{"events after [DONE] ignored", chunk("a") + done + chunk("b"), []string{"a"}},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 7, len(tt.body)} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, size), func(t *testing.T) {
				m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
					startEvents(w)
					for b := tt.body; b != ""; {
						n := min(size, len(b))
						write(w, b[:n])
						b = b[n:]
					}
				})
				deltas, text, err := collect(t.Context(), m, hello)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprintf("%q", deltas) != fmt.Sprintf("%q", tt.deltas) {
					t.Errorf("deltas = %q, want %q", deltas, tt.deltas)
				}
				if text != strings.Join(tt.deltas, "") {
					t.Errorf("text = %q", text)
				}
			})
		}
	}
}

func TestStreamRequest(t *testing.T) {
	type seen struct {
		path, auth, contentType, accept string
		body                            map[string]any
	}
	temp := 0.3
	tests := []struct {
		name     string
		key      string
		temp     *float64
		max      int
		wantAuth string
		wantBody map[string]any
	}{
		{
			name: "with key and options", key: "sk-test", temp: &temp, max: 64, wantAuth: "Bearer sk-test",
			wantBody: map[string]any{"temperature": 0.3, "max_tokens": 64.0},
		},
		{name: "local server without key", wantBody: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan seen, 1)
			m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				s := seen{path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept")}
				if r.Method != http.MethodPost {
					t.Errorf("method %s", r.Method)
				}
				if err := json.NewDecoder(r.Body).Decode(&s.body); err != nil {
					t.Errorf("decoding request: %v", err)
				}
				got <- s
				startEvents(w)
				write(w, chunk("ok")+done)
			}, func(c *OpenAIConfig) {
				c.BaseURL += "/" // a trailing slash must not double up
				c.APIKey, c.Temperature, c.MaxTokens = tt.key, tt.temp, tt.max
			})
			if _, err := m.Stream(t.Context(), hello, nil); err != nil {
				t.Fatal(err)
			}
			s := <-got
			if s.path != "/v1/chat/completions" {
				t.Errorf("path = %q", s.path)
			}
			if s.auth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", s.auth, tt.wantAuth)
			}
			if s.contentType != "application/json" || s.accept != "text/event-stream" {
				t.Errorf("Content-Type %q, Accept %q", s.contentType, s.accept)
			}
			if s.body["model"] != "test-model" || s.body["stream"] != true {
				t.Errorf("model %v, stream %v", s.body["model"], s.body["stream"])
			}
			raw, _ := json.Marshal(s.body["messages"])
			var msgs []Message
			if err := json.Unmarshal(raw, &msgs); err != nil || !slices.Equal(msgs, hello) {
				t.Errorf("messages = %s (%v), want %v", raw, err, hello)
			}
			for _, k := range []string{"temperature", "max_tokens"} {
				if w, ok := tt.wantBody[k]; ok != (s.body[k] != nil) || (ok && s.body[k] != w) {
					t.Errorf("%s = %v, want %v", k, s.body[k], tt.wantBody[k])
				}
			}
		})
	}
}

func TestStreamAPIErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        APIError
		requests    int32
	}{
		{
			"openai 401", 401, "application/json",
			`{"error":{"message":"Incorrect API key provided: sk-bad.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			APIError{StatusCode: 401, Message: "Incorrect API key provided: sk-bad.", Type: "invalid_request_error", Code: "invalid_api_key"}, 1,
		},
		{
			"old vLLM 400", 400, "application/json",
			`{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}`,
			APIError{StatusCode: 400, Message: "This model's maximum context length is 4096 tokens.", Type: "BadRequestError", Code: "400"}, 1,
		},
		{
			"ollama 404", 404, "application/json",
			`{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`,
			APIError{StatusCode: 404, Message: `model "llama9" not found, try pulling it first`, Type: "api_error"}, 1,
		},
		{"fastapi 422", 422, "application/json", `{"detail":"Field required"}`, APIError{StatusCode: 422, Message: "Field required"}, 1},
		{"plain text 400", 400, "text/plain", "bad request body\n", APIError{StatusCode: 400, Message: "bad request body"}, 1},
		{
			"llama.cpp 500 retried", 500, "application/json",
			`{"error":{"code":500,"message":"Internal server error","type":"server_error"}}`,
			APIError{StatusCode: 500, Message: "Internal server error", Type: "server_error", Code: "500"}, 3,
		},
		{"proxy 502 html retried", 502, "text/html", "<html><body>Bad gateway</body></html>", APIError{StatusCode: 502, Message: "Bad Gateway"}, 3},
		{"string error 503 retried", 503, "application/json", `{"error":"server overloaded"}`, APIError{StatusCode: 503, Message: "server overloaded"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			text, err := m.Stream(t.Context(), hello, func(string) error { t.Error("delta from an error"); return nil })
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if *apiErr != tt.want {
				t.Errorf("error = %+v, want %+v", *apiErr, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want.Message) {
				t.Errorf("Error() = %q lacks the message", err)
			}
			if text != "" {
				t.Errorf("text = %q", text)
			}
			if n := requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestStreamRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		header   [2]string
		failures int32
		minWait  time.Duration
		requests int32
		wantErr  bool
	}{
		{"retry-after seconds", [2]string{"Retry-After", "1"}, 1, time.Second, 2, false},
		{"retry-after-ms", [2]string{"Retry-After-Ms", "150"}, 2, 300 * time.Millisecond, 3, false},
		{"too long to wait", [2]string{"Retry-After", "120"}, 1, 0, 1, true},
		{"gives up after two retries", [2]string{"Retry-After-Ms", "1"}, 5, 0, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				if requests.Add(1) <= tt.failures {
					w.Header().Set(tt.header[0], tt.header[1])
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
					return
				}
				startEvents(w)
				write(w, chunk("ok")+done)
			})
			start := time.Now()
			text, err := m.Stream(t.Context(), hello, nil)
			elapsed := time.Since(start)
			if n := requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.wantErr {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "rate_limit_exceeded" {
					t.Fatalf("err = %v, want a 429 APIError", err)
				}
				if tt.header[1] == "120" && apiErr.RetryAfter != 120*time.Second {
					t.Errorf("RetryAfter = %v", apiErr.RetryAfter)
				}
				if elapsed > time.Second {
					t.Errorf("gave up after %v", elapsed)
				}
				return
			}
			if err != nil || text != "ok" {
				t.Fatalf("text %q, err %v", text, err)
			}
			if elapsed < tt.minWait {
				t.Errorf("retried after %v, server asked for %v", elapsed, tt.minWait)
			}
		})
	}
}

func TestStreamRetryWaitCancelled(t *testing.T) {
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := m.Stream(ctx, hello, nil)
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %v", d)
	}
}

// TestStreamNoRetryAfterTokens: an error reported once tokens are out
// returns the partial answer and is never retried.
func TestStreamNoRetryAfterTokens(t *testing.T) {
	var requests atomic.Int32
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		startEvents(w)
		write(w, chunk("Hello")+`data: {"error":{"message":"model crashed","type":"server_error","code":500}}`+"\n\n")
	})
	text, err := m.Stream(t.Context(), hello, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 0 || apiErr.Message != "model crashed" {
		t.Fatalf("err = %v, want the in-stream APIError", err)
	}
	if text != "Hello" {
		t.Errorf("text = %q", text)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestStreamBrokenStreams(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter)
		text    string
		want    error
	}{
		{"dropped mid-stream", func(w http.ResponseWriter) {
			write(w, roleChunk+chunk("Hello")+chunk(" wor"))
			panic(http.ErrAbortHandler)
		}, "Hello wor", io.ErrUnexpectedEOF},
		{"dropped mid-event", func(w http.ResponseWriter) {
			write(w, chunk("Hello")+`data: {"choices":[{"index":0,"delta":{"content":"lost`)
			panic(http.ErrAbortHandler)
		}, "Hello", io.ErrUnexpectedEOF},
		{"closed without [DONE] or finish_reason", func(w http.ResponseWriter) {
			write(w, chunk("Hello"))
		}, "Hello", io.ErrUnexpectedEOF},
		{"event that is not JSON", func(w http.ResponseWriter) {
			write(w, chunk("Hello")+"data: <html>\n\n")
		}, "Hello", ErrMalformed},
		{"error event", func(w http.ResponseWriter) {
			write(w, chunk("Hello")+"event: error\ndata: upstream gone\n\n")
		}, "Hello", &APIError{Message: "upstream gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				startEvents(w)
				tt.handler(w)
			})
			text, err := m.Stream(t.Context(), hello, nil)
			if text != tt.text {
				t.Errorf("text = %q, want %q", text, tt.text)
			}
			if want, ok := tt.want.(*APIError); ok {
				var got *APIError
				if !errors.As(err, &got) || *got != *want {
					t.Errorf("err = %v, want %v", err, want)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestStreamCancel cancels while Stream waits for the next token: it must
// return at once with the text so far, and the server must see its request
// end.
func TestStreamCancel(t *testing.T) {
	serverSawDone := make(chan struct{})
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		startEvents(w)
		write(w, chunk("Hello"))
		select {
		case <-r.Context().Done():
			close(serverSawDone)
		case <-time.After(10 * time.Second):
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan struct{})
	type result struct {
		text string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		text, err := m.Stream(ctx, hello, func(string) error { close(first); return nil })
		res <- result{text, err}
	}()
	<-first
	time.Sleep(20 * time.Millisecond) // let Stream block reading
	start := time.Now()
	cancel()
	r := <-res
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Stream returned %v after cancel", d)
	}
	if r.err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", r.err)
	}
	if r.text != "Hello" {
		t.Errorf("text = %q", r.text)
	}
	select {
	case <-serverSawDone:
	case <-time.After(5 * time.Second):
		t.Error("the server's request context was never done")
	}
}

func TestStreamCallbackError(t *testing.T) {
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		startEvents(w)
		write(w, chunk("a")+chunk("b")+chunk("c")+done)
	})
	stop := errors.New("stop")
	var deltas []string
	text, err := m.Stream(t.Context(), hello, func(d string) error {
		deltas = append(deltas, d)
		if d == "b" {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %v, want the callback's error", err)
	}
	if text != "ab" || len(deltas) != 2 {
		t.Errorf("text %q, deltas %q", text, deltas)
	}
}

func TestStreamTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		text    string
		wantErr bool
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			waitDone(r)
		}, "", true},
		{"headers but no body", func(w http.ResponseWriter, r *http.Request) {
			startEvents(w)
			waitDone(r)
		}, "", true},
		{"stalls mid-answer", func(w http.ResponseWriter, r *http.Request) {
			startEvents(w)
			write(w, chunk("Hello"))
			waitDone(r)
		}, "Hello", true},
		{"keep-alives hold the stream open", func(w http.ResponseWriter, r *http.Request) {
			startEvents(w)
			// Twice the timeouts in all, in steps far below them.
			for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
				write(w, ": keep-alive\n\n")
				time.Sleep(10 * time.Millisecond)
			}
			write(w, chunk("late")+done)
		}, "late", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newClient(t, tt.handler, func(c *OpenAIConfig) {
				c.Timeout, c.IdleTimeout = 250*time.Millisecond, 250*time.Millisecond
			})
			start := time.Now()
			text, err := m.Stream(t.Context(), hello, nil)
			if text != tt.text {
				t.Errorf("text = %q, want %q", text, tt.text)
			}
			if !tt.wantErr {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("err = %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("timed out after %v", d)
			}
		})
	}
}

// TestStreamNonStreamingServer: a server (or proxy) that ignores "stream"
// and answers with one JSON completion still works.
func TestStreamNonStreamingServer(t *testing.T) {
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Whole answer."},"finish_reason":"stop"}]}`)
	})
	deltas, text, err := collect(t.Context(), m, hello)
	if err != nil || text != "Whole answer." || len(deltas) != 1 {
		t.Fatalf("deltas %q, text %q, err %v", deltas, text, err)
	}
}

func TestStreamRejectsBadMessages(t *testing.T) {
	m, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	if _, err := m.Stream(t.Context(), nil, nil); err != ErrNoMessages {
		t.Errorf("no messages: err = %v", err)
	}
	var me *MessageError
	_, err := m.Stream(t.Context(), []Message{{Role: RoleUser, Content: "a"}, {Role: "tool", Content: "b"}}, nil)
	if !errors.As(err, &me) || me.Index != 1 || me.Role != "tool" {
		t.Errorf("bad role: err = %v", err)
	}
}

func TestOpenAIConfig(t *testing.T) {
	m, err := NewOpenAI(OpenAIConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != DefaultModel || m.ep.URL != DefaultBaseURL+"/chat/completions" {
		t.Errorf("defaults: name %q, url %q", m.Name(), m.ep.URL)
	}
	hot, cold := 2.5, -0.1
	bad := []OpenAIConfig{
		{BaseURL: "localhost:8080"},
		{BaseURL: "ftp://example.com/v1"},
		{BaseURL: "http://"},
		{Temperature: &hot},
		{Temperature: &cold},
		{MaxTokens: -1},
		{Timeout: -time.Second},
	}
	for _, c := range bad {
		if _, err := NewOpenAI(c); err == nil {
			t.Errorf("NewOpenAI(%+v) accepted", c)
		}
	}
}

// waitDone blocks until the client abandons the request, or fails the
// test's expectations by returning after a long while.
func waitDone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}
