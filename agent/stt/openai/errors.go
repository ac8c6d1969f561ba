package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// maxMessageLen bounds a message taken from a body that is not JSON.
const maxMessageLen = 300

// errorBody covers the shapes servers use: {"error": {"message", "type",
// "code"}} (OpenAI and most), {"error": "message"}, {"message": ...} (older
// vLLM) and {"detail": "message"} (FastAPI-based servers).
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

func newAPIError(status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
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
				e.Message = strings.TrimSpace(string(eb.Detail))
			}
		}
	}
	if e.Message == "" && !strings.Contains(contentType, "html") {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > maxMessageLen {
			e.Message = e.Message[:maxMessageLen] + "..."
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// rawCode renders a code sent as a string, a number or null.
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
