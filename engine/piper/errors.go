package piper

import "errors"

// Errors, matched with errors.Is.
var (
	// ErrConfig means a voice's NAME.onnx.json is missing, unreadable, or
	// not a usable Piper voice configuration.
	ErrConfig = errors.New("piper: bad voice config")
	// ErrModel means a voice's NAME.onnx cannot be loaded by onnxruntime,
	// or its inputs and outputs are not Piper's.
	ErrModel = errors.New("piper: bad voice model")
	// ErrSpeaker means a speaker the voice does not have.
	ErrSpeaker = errors.New("piper: unknown speaker")
	// ErrClosed is returned by a Voice used after Close.
	ErrClosed = errors.New("piper: voice closed")
	// ErrInference means a model run failed.
	ErrInference = errors.New("piper: inference failed")
)
