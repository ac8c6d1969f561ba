//go:build !cgo

package onnxrun

import "context"

// Model is unavailable without cgo.
type Model struct{}

// Open reports ErrUnavailable.
func Open(path string, c Contract, opts Options) (*Model, error) { return nil, ErrUnavailable }

// Inputs is nil.
func (m *Model) Inputs() []string { return nil }

// MemoryBytes is 0.
func (m *Model) MemoryBytes() int64 { return 0 }

// Run reports ErrUnavailable.
func (m *Model) Run(ctx context.Context, gate Gate, inputs []Input) ([]float32, []int64, error) {
	return nil, nil, ErrUnavailable
}

// Close does nothing.
func (m *Model) Close() error { return nil }
