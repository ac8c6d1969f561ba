//go:build cgo

package ortenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

func library(t *testing.T) string {
	t.Helper()
	lib := FindLibrary()
	if lib == "" {
		t.Fatal("onnxruntime library not found: run `npm ci` in deps/npm")
	}
	return lib
}

// TestReferenceCounting: the first Acquire loads the library, later ones
// share it, and only the last Release destroys the environment; a second
// Release of one Env changes nothing.
func TestReferenceCounting(t *testing.T) {
	lib := library(t)
	a, err := Acquire(lib)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Acquire("") // whatever is loaded
	if err != nil {
		t.Fatal(err)
	}
	if Refs() != 2 || !ort.IsInitialized() {
		t.Fatalf("two references: Refs %d, initialised %v", Refs(), ort.IsInitialized())
	}
	if abs, _ := filepath.Abs(lib); a.Library() != abs || b.Library() != abs {
		t.Errorf("Library() = %q, %q; want %q", a.Library(), b.Library(), abs)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if Refs() != 1 || !ort.IsInitialized() {
		t.Fatalf("after one release (twice): Refs %d, initialised %v", Refs(), ort.IsInitialized())
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	if Refs() != 0 || ort.IsInitialized() {
		t.Fatalf("after the last release: Refs %d, initialised %v", Refs(), ort.IsInitialized())
	}
	// And it loads again.
	c, err := Acquire(lib)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireErrors(t *testing.T) {
	lib := library(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(junk, []byte("not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, lib, says string
	}{
		{"missing", filepath.Join(dir, "none.so"), "no such file"},
		{"not a library", junk, junk},
	} {
		if _, err := Acquire(tc.lib); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want ErrUnavailable saying %q", tc.name, err, tc.says)
		}
	}
	held, err := Acquire(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if _, err := Acquire(junk); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("another library while one is loaded: %v", err)
	}
	if Refs() != 1 {
		t.Errorf("Refs %d after failed acquires, want 1", Refs())
	}
}
