package oaicompat

import (
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
