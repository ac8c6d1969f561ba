package llm

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parley-voice/parley/internal/oaicompat"
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

// APIError is an error the server reported: a non-2xx response, or an
// error object sent inside an event stream. Stream returns it wrapped, its
// message prefixed with "llm: ".
type APIError = oaicompat.APIError

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
