package ortenv

import "errors"

// Errors, matched with errors.Is.
var (
	// ErrUnavailable means onnxruntime cannot be used: the library is
	// missing, is not a loadable onnxruntime of the API version the
	// binding needs, another library is already loaded, or the binary was
	// built without cgo.
	ErrUnavailable = errors.New("onnxruntime unavailable")
)
