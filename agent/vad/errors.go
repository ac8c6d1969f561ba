package vad

import "errors"

// Errors. Returned errors wrap one of these with detail; match them with
// errors.Is.
var (
	// ErrConfig means a Config field is out of range.
	ErrConfig = errors.New("vad: invalid config")
	// ErrClosed is returned by a Detector used after Close.
	ErrClosed = errors.New("vad: detector closed")
	// ErrModel means the Silero model file is missing, unreadable or not a
	// Silero v5 model.
	ErrModel = errors.New("vad: silero model unavailable")
	// ErrRuntime means the onnxruntime shared library could not be loaded
	// or initialised (missing, wrong architecture, too old for the API
	// version the binding needs), or the binary was built without cgo.
	ErrRuntime = errors.New("vad: onnxruntime unavailable")
	// ErrInference means a model run failed; the detector's state is then
	// undefined until Reset.
	ErrInference = errors.New("vad: inference failed")
	// ErrBusy is returned by Shutdown while Silero detectors are open.
	ErrBusy = errors.New("vad: silero detectors still open")
)
