//go:build !cgo

package vad

import (
	"errors"
	"testing"
)

func TestNoCgoFallsBack(t *testing.T) {
	d, fallback, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !errors.Is(fallback, ErrRuntime) {
		t.Errorf("fallback %v, want ErrRuntime", fallback)
	}
	if _, ok := d.(*detector).s.(*energy); !ok {
		t.Errorf("New returned %T, want the energy detector", d.(*detector).s)
	}
}
