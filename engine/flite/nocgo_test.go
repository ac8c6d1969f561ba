//go:build !cgo

package flite

import (
	"context"
	"errors"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./engine/flite/.
func TestUnavailableWithoutCgo(t *testing.T) {
	if len(Voices()) != 4 {
		t.Errorf("Voices() = %v", Voices())
	}
	if _, err := SampleRate("slt"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("SampleRate: %v", err)
	}
	if _, _, err := DefaultPitch("slt"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("DefaultPitch: %v", err)
	}
	err := Synthesize(context.Background(), "hello", Params{Voice: "slt"}, func([]int16) error {
		t.Error("emit called")
		return nil
	})
	if !errors.Is(err, ErrUnavailable) || err.Error() != "flite unavailable: built without cgo" {
		t.Errorf("Synthesize: %v", err)
	}
}
