package oaicompat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxMessageLen bounds a message taken from a body that is not JSON, such
// as a proxy's error page.
const maxMessageLen = 300

// errorBody covers the error shapes seen in the wild:
//
//	OpenAI, Ollama /v1, llama.cpp, newer vLLM: {"error": {"message", "type", "code", "param"}}
//	Ollama native, some proxies:              {"error": "message"}
//	older vLLM:                               {"object": "error", "message", "type", "code"}
//	FastAPI-based servers:                    {"detail": "message"}
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
	Detail  json.RawMessage `json:"detail"`
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// ErrorDetails reads an error response: its message (from a JSON body in
// any of the shapes above, else the body's text unless it is HTML, else the
// status text), and the error's type and code when the body has them.
func ErrorDetails(status int, contentType string, body []byte) (message, typ, code string) {
	message, typ, code = FromJSON(body)
	if message == "" && !strings.Contains(contentType, "html") {
		message = strings.TrimSpace(string(body))
		if len(message) > maxMessageLen {
			message = message[:maxMessageLen] + "..."
		}
	}
	if message == "" {
		message = http.StatusText(status)
	}
	return message, typ, code
}

// FromJSON reads message, type and code from a JSON error body; all are
// empty if body is not one.
func FromJSON(body []byte) (message, typ, code string) {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return "", "", ""
	}
	var obj errorObject
	var str string
	switch {
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &obj) == nil && obj.Message != "":
		return obj.Message, obj.Type, rawCode(obj.Code)
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &str) == nil && str != "":
		return str, "", ""
	case eb.Message != "":
		return eb.Message, eb.Type, rawCode(eb.Code)
	case len(eb.Detail) > 0:
		if json.Unmarshal(eb.Detail, &str) == nil {
			return str, "", ""
		}
		return string(bytes.TrimSpace(eb.Detail)), "", ""
	}
	return "", "", ""
}

// rawCode renders an error code sent as a string, a number or null.
func rawCode(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// APIError is an error an OpenAI-compatible server reported: a non-2xx
// response, or an error object sent inside an event stream. The clients
// return it wrapped with their own prefix ("llm: ", "stt/openai: ").
type APIError struct {
	// StatusCode is the HTTP status, or 0 when the error arrived inside a
	// 200 event stream (vLLM and llama.cpp report failures that way once
	// streaming has begun).
	StatusCode int
	// Message is the server's explanation, or the status text when the
	// body held none.
	Message string
	// Type and Code are the error object's "type" and "code" when present
	// ("invalid_request_error", "invalid_api_key", ...); a numeric code is
	// given in decimal.
	Type string
	Code string
	// RetryAfter is how long the server asked the client to wait (from
	// Retry-After or retry-after-ms), zero if it did not say.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s: ", e.StatusCode, http.StatusText(e.StatusCode))
	} else {
		b.WriteString("server error in stream: ")
	}
	b.WriteString(e.Message)
	if e.Code != "" && e.Code != e.Message {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	return b.String()
}

// Retryable reports whether the request may succeed if sent again: rate
// limits and server errors.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// NewAPIError reads a non-2xx response's status and body (see
// ErrorDetails) into an APIError.
func NewAPIError(status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	e.Message, e.Type, e.Code = ErrorDetails(status, contentType, body)
	return e
}

// DefaultBaseURL is OpenAI's API root, where the clients go unless told.
const DefaultBaseURL = "https://api.openai.com/v1"

// CheckBaseURL reports a base URL that is not http(s)://host[/path]; ""
// stands for DefaultBaseURL.
func CheckBaseURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q: want http(s)://host[/path]", s)
	}
	return nil
}

// Endpoint is one endpoint of an OpenAI-compatible server, as a client
// posts to it.
type Endpoint struct {
	// URL is the endpoint's: the base URL and the path.
	URL    string
	apiKey string
	client *http.Client
}

// NewEndpoint returns the endpoint at path below baseURL (DefaultBaseURL
// if empty; check it first with CheckBaseURL), which client (a plain
// http.Client if nil) posts to with apiKey, if not empty, as the bearer
// token.
func NewEndpoint(baseURL, path, apiKey string, client *http.Client) Endpoint {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if client == nil {
		client = &http.Client{}
	}
	return Endpoint{URL: strings.TrimRight(baseURL, "/") + path, apiKey: apiKey, client: client}
}

// Post sends body, of contentType, asking for accept.
func (e Endpoint) Post(ctx context.Context, contentType, accept string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", accept)
	if e.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.apiKey)
	}
	return e.client.Do(req)
}
