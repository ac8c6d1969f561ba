package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrNoMessages is returned by Stream for an empty conversation.
	ErrNoMessages = errors.New("llm: no messages")
	// ErrTimeout means the server sent nothing within OpenAIConfig.Timeout
	// of the request, or went silent for OpenAIConfig.IdleTimeout in the
	// middle of a stream.
	ErrTimeout = errors.New("llm: server timed out")
	// ErrMalformed means the server's answer was not a chat completion
	// stream: an event that is not JSON, or a line longer than the limit.
	ErrMalformed = errors.New("llm: malformed response")
	// ErrTooLong means an answer exceeded the size Stream accepts, which
	// only a runaway server produces.
	ErrTooLong = errors.New("llm: answer too long")
)

// MessageError reports a message whose role the chat API does not know.
type MessageError struct {
	Index int
	Role  string
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("llm: message %d has role %q, want system, user or assistant", e.Index, e.Role)
}

// APIError is an error the server reported: a non-2xx response, or an error
// object sent inside an event stream.
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
	b.WriteString("llm: ")
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

// maxMessageLen bounds an error message taken from a body that is not
// JSON, such as a proxy's HTML page.
const maxMessageLen = 300

// newAPIError builds an APIError from a status and an error body in any of
// the shapes OpenAI-compatible servers use.
func newAPIError(status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	fillFromBody(e, body)
	if e.Message == "" && !strings.Contains(contentType, "html") {
		msg := strings.TrimSpace(string(body))
		if len(msg) > maxMessageLen {
			msg = msg[:maxMessageLen] + "..."
		}
		e.Message = msg
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

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

// fillFromBody sets e's message, type and code from a JSON error body; it
// leaves them empty if body is not one.
func fillFromBody(e *APIError, body []byte) {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return
	}
	var obj errorObject
	var str string
	switch {
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &obj) == nil && obj.Message != "":
		e.Message, e.Type, e.Code = obj.Message, obj.Type, rawCode(obj.Code)
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &str) == nil && str != "":
		e.Message = str
	case eb.Message != "":
		e.Message, e.Type, e.Code = eb.Message, eb.Type, rawCode(eb.Code)
	case len(eb.Detail) > 0:
		if json.Unmarshal(eb.Detail, &str) == nil {
			e.Message = str
		} else {
			e.Message = string(bytes.TrimSpace(eb.Detail))
		}
	}
}

// rawCode renders an error code that servers send as a string, a number or
// null.
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

// retryAfter reads how long the server asked us to wait: OpenAI's
// retry-after-ms first (finer grained), then the standard Retry-After in
// seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
