package openai

import (
	"github.com/parley-voice/parley/internal/oaicompat"

	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrNoAudio is returned by Transcribe for an empty utterance.
	ErrNoAudio = errors.New("stt/openai: no audio")
	// ErrTooLong means the utterance makes a file over the 25 MB the
	// OpenAI API accepts (about thirteen minutes at 16 kHz).
	ErrTooLong = errors.New("stt/openai: audio too long")
	// ErrLanguage means the language is neither a protocol language name
	// nor an ISO 639-1 code.
	ErrLanguage = errors.New("stt/openai: unknown language")
	// ErrTimeout means the server did not answer within Config.Timeout.
	ErrTimeout = errors.New("stt/openai: server timed out")
	// ErrMalformed means a 2xx answer that holds no transcription.
	ErrMalformed = errors.New("stt/openai: malformed response")
)

// APIError is an error the server reported with a non-2xx status.
type APIError struct {
	StatusCode int
	// Message is the server's explanation, or the status text when the
	// body held none.
	Message string
	// Type and Code are the error object's "type" and "code" when present.
	Type string
	Code string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("stt/openai: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
	if e.Code != "" && e.Code != e.Message {
		s += " (" + e.Code + ")"
	}
	return s
}

func newAPIError(status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	e.Message, e.Type, e.Code = oaicompat.ErrorDetails(status, contentType, body)
	return e
}
