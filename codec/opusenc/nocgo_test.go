//go:build !cgo

package opusenc

import (
	"errors"
	"testing"
	"time"
)

// Run with CGO_ENABLED=0 go test ./codec/opusenc/.
func TestUnavailableWithoutCgo(t *testing.T) {
	_, err := NewEncoder(Config{SampleRate: 24000, Bitrate: 32000, MaxPageDelay: time.Second})
	if !errors.Is(err, ErrUnavailable) || err.Error() != "opusenc unavailable: built without cgo" {
		t.Errorf("NewEncoder: %v", err)
	}
}
