package openai

import (
	"errors"

	"github.com/parley-voice/parley/internal/oaicompat"
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
// Transcribe returns it wrapped, its message prefixed with "stt/openai: ".
type APIError = oaicompat.APIError
