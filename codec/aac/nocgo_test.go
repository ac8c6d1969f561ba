//go:build !cgo

package aac

import (
	"errors"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./codec/aac/.
func TestUnavailableWithoutCgo(t *testing.T) {
	_, err := NewEncoder(Config{SampleRate: 24000, Bitrate: 64000})
	if !errors.Is(err, ErrUnavailable) || err.Error() != "aac unavailable: built without cgo" {
		t.Errorf("NewEncoder: %v", err)
	}
}
