package kokoro

import "errors"

// Errors, matched with errors.Is.
var (
	// ErrConfig means config.json is missing, unreadable, or has no usable
	// vocabulary.
	ErrConfig = errors.New("kokoro: bad config")
	// ErrModel means model.onnx cannot be loaded or its inputs and outputs
	// are not Kokoro's.
	ErrModel = errors.New("kokoro: bad model")
	// ErrVoice means a voice file that is not a voice, or a voice or blend
	// name that names none.
	ErrVoice = errors.New("kokoro: bad voice")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("kokoro: closed")
	// ErrInference means a model run failed.
	ErrInference = errors.New("kokoro: inference failed")
)
