//go:build !cgo

package vad

import "fmt"

// NewSilero fails with ErrRuntime: onnxruntime is reached through cgo, and
// this binary was built without it.
func NewSilero(cfg Config) (Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: built without cgo", ErrRuntime)
}

// Shutdown has nothing to unload without cgo.
func Shutdown() error { return nil }
