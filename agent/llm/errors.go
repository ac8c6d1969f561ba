package llm

import (
	"github.com/parley-voice/parley/internal/oaicompat"

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

// newAPIError builds an APIError from a status and an error body in any of
// the shapes OpenAI-compatible servers use.
func newAPIError(status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	e.Message, e.Type, e.Code = oaicompat.ErrorDetails(status, contentType, body)
	return e
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
