//go:build !cgo

package flac

import (
	"errors"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./codec/flac/.
func TestUnavailableWithoutCgo(t *testing.T) {
	_, err := NewEncoder(Config{SampleRate: 24000, Level: 5})
	if !errors.Is(err, ErrUnavailable) || err.Error() != "flac unavailable: built without cgo" {
		t.Errorf("NewEncoder: %v", err)
	}
}
