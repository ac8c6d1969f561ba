package oaicompat

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestErrorDetails(t *testing.T) {
	long := strings.Repeat("x", 400)
	for _, c := range []struct {
		name, ctype, body  string
		status             int
		message, typ, code string
	}{
		{"openai object", "application/json", `{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`, 401, "bad key", "invalid_request_error", "invalid_api_key"},
		{"numeric code", "application/json", `{"error":{"message":"slow down","code":429}}`, 429, "slow down", "", "429"},
		{"error string", "application/json", `{"error":"model not found"}`, 404, "model not found", "", ""},
		{"old vllm", "application/json", `{"object":"error","message":"too long","type":"BadRequestError","code":400}`, 400, "too long", "BadRequestError", "400"},
		{"fastapi", "application/json", `{"detail":"Not authenticated"}`, 403, "Not authenticated", "", ""},
		{"fastapi list", "application/json", `{"detail":[{"msg":"x"}]}`, 422, `[{"msg":"x"}]`, "", ""},
		{"plain text", "text/plain", " upstream timed out \n", 504, "upstream timed out", "", ""},
		{"long text is cut", "text/plain", long, 500, long[:300] + "...", "", ""},
		{"html page", "text/html", "<html><body>502</body></html>", 502, "Bad Gateway", "", ""},
		{"empty", "", "", 503, "Service Unavailable", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, typ, code := ErrorDetails(c.status, c.ctype, []byte(c.body))
			if m != c.message || typ != c.typ || code != c.code {
				t.Fatalf("ErrorDetails = %q, %q, %q; want %q, %q, %q", m, typ, code, c.message, c.typ, c.code)
			}
		})
	}
}

func TestAPIError(t *testing.T) {
	for _, c := range []struct {
		err       APIError
		msg       string
		retryable bool
	}{
		{APIError{StatusCode: 401, Message: "bad key", Code: "invalid_api_key"}, "401 Unauthorized: bad key (invalid_api_key)", false},
		{APIError{StatusCode: 429, Message: "slow down", Code: "slow down"}, "429 Too Many Requests: slow down", true},
		{APIError{StatusCode: 503, Message: "Service Unavailable"}, "503 Service Unavailable: Service Unavailable", true},
		{APIError{Message: "upstream gone"}, "server error in stream: upstream gone", false},
	} {
		if got := c.err.Error(); got != c.msg || c.err.Retryable() != c.retryable {
			t.Errorf("%+v: %q, retryable %v; want %q, %v", c.err, got, c.err.Retryable(), c.msg, c.retryable)
		}
	}
	e := NewAPIError(404, "application/json", []byte(`{"error":{"message":"no model","type":"api_error"}}`))
	if *e != (APIError{StatusCode: 404, Message: "no model", Type: "api_error"}) {
		t.Fatalf("NewAPIError = %+v", *e)
	}
}

func TestEndpoint(t *testing.T) {
	for _, bad := range []string{"ftp://x/v1", "localhost:8000", "http://", "http://[::1"} {
		if CheckBaseURL(bad) == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
	if def := NewEndpoint("", "/audio/transcriptions", "", nil); def.URL != DefaultBaseURL+"/audio/transcriptions" || CheckBaseURL("") != nil {
		t.Fatalf("default endpoint %q", def.URL)
	}
	got := make(chan *http.Request, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		w.WriteHeader(204)
	}))
	defer srv.Close()
	for _, key := range []string{"sk-test", ""} {
		ep := NewEndpoint(srv.URL+"/v1/", "/chat/completions", key, srv.Client())
		resp, err := ep.Post(t.Context(), "application/json", "text/event-stream", []byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		r := <-got
		auth := r.Header.Get("Authorization")
		if r.Method != "POST" || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get("Accept") != "text/event-stream" || (key != "" && auth != "Bearer "+key) || (key == "" && auth != "") {
			t.Errorf("key %q: %s %s, headers %v", key, r.Method, r.URL.Path, r.Header)
		}
	}
}
