//go:build cgo

package ortenv

import (
	"fmt"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// state is the process's environment as this package manages it.
var state struct {
	mu    sync.Mutex
	refs  int    // open Envs
	owned bool   // this package created the environment
	lib   string // the library it loaded, absolute
}

// Env is one user's reference to the onnxruntime environment. While any
// Env is open the environment exists and sessions can be made.
type Env struct {
	once sync.Once
	lib  string
}

// Acquire returns a reference to the environment, loading lib and creating
// the environment if no one has. An empty lib means FindLibrary. Asking
// for another library than the one loaded is an error: a process has one
// onnxruntime.
func Acquire(lib string) (*Env, error) {
	if lib == "" {
		lib = FindLibrary()
	}
	state.mu.Lock()
	defer state.mu.Unlock()
	if ort.IsInitialized() {
		if lib != "" && state.owned {
			abs, err := filepath.Abs(lib)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			if abs != state.lib {
				return nil, fmt.Errorf("%w: %s requested, but %s is already loaded", ErrUnavailable, abs, state.lib)
			}
		}
		state.refs++
		return &Env{lib: state.lib}, nil
	}
	if lib == "" {
		return nil, fmt.Errorf("%w: shared library not found (give its path, or run `npm ci` in deps/npm)", ErrUnavailable)
	}
	abs, err := filepath.Abs(lib)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if !IsFile(abs) {
		return nil, fmt.Errorf("%w: %s: no such file", ErrUnavailable, abs)
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, abs, err)
	}
	state.owned, state.lib, state.refs = true, abs, 1
	return &Env{lib: abs}, nil
}

// Library is the shared library loaded, or "" when something outside this
// package created the environment.
func (e *Env) Library() string { return e.lib }

// Release drops the reference. The last release of an environment this
// package created destroys it; every session made under it must have been
// destroyed first. Release is idempotent.
func (e *Env) Release() error {
	var err error
	e.once.Do(func() {
		state.mu.Lock()
		defer state.mu.Unlock()
		state.refs--
		if state.refs > 0 || !state.owned {
			return
		}
		state.owned, state.lib = false, ""
		if derr := ort.DestroyEnvironment(); derr != nil {
			err = fmt.Errorf("%w: shutdown: %w", ErrUnavailable, derr)
		}
	})
	return err
}

// Refs reports the open references, for tests.
func Refs() int {
	state.mu.Lock()
	defer state.mu.Unlock()
	return state.refs
}
