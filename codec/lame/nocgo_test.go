//go:build !cgo

package lame

import (
	"errors"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./codec/lame/.
func TestUnavailableWithoutCgo(t *testing.T) {
	_, err := NewEncoder(Config{SampleRate: 24000, Bitrate: 64})
	if !errors.Is(err, ErrUnavailable) || err.Error() != "lame unavailable: built without cgo" {
		t.Errorf("NewEncoder: %v", err)
	}
}
