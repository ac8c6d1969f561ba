package onnxrun

import (
	"errors"
	"fmt"
)

// Errors, matched with errors.Is.
var (
	// ErrModel means the model cannot be loaded, or its inputs and outputs
	// are not the contract's.
	ErrModel = errors.New("onnx model unusable")
	// ErrInference means a run failed.
	ErrInference = errors.New("inference failed")
	// ErrClosed is returned by a run after Close.
	ErrClosed = errors.New("model closed")
	// ErrUnavailable means the binary was built without cgo.
	ErrUnavailable = errors.New("onnxruntime unavailable: built without cgo")
)

// ModelError is a model that cannot be used: its file and what is wrong.
// It matches ErrModel.
type ModelError struct {
	Path, Problem string
}

func (e *ModelError) Error() string { return e.Path + ": " + e.Problem }

// Is makes a ModelError match ErrModel.
func (e *ModelError) Is(target error) bool { return target == ErrModel }

func modelError(path string, format string, args ...any) error {
	return &ModelError{Path: path, Problem: fmt.Sprintf(format, args...)}
}
