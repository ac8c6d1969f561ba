//go:build !cgo

package ortenv

import "fmt"

// Env is a reference to the onnxruntime environment; without cgo there is
// none.
type Env struct{}

// Acquire fails with ErrUnavailable: onnxruntime is reached through cgo,
// and this binary was built without it.
func Acquire(lib string) (*Env, error) {
	return nil, fmt.Errorf("%w: built without cgo", ErrUnavailable)
}

// Library is "": nothing is loaded.
func (e *Env) Library() string { return "" }

// Release does nothing.
func (e *Env) Release() error { return nil }

// Refs is 0.
func Refs() int { return 0 }
