//go:build !cgo

package espeak

import (
	"context"
	"errors"
	"testing"
)

func TestUnavailableWithoutCgo(t *testing.T) {
	if _, err := Open(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Open() = %v, want ErrUnavailable", err)
	}
	if _, err := Voices(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Voices() = %v, want ErrUnavailable", err)
	}
	if v := Variants(); v != nil {
		t.Errorf("Variants() = %v, want nil", v)
	}
	var e Engine
	err := e.Synthesize(context.Background(), "Hello.", Params{Voice: "en-us"}, func([]int16) error { return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Synthesize = %v, want ErrUnavailable", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}
