//go:build cgo

package codec

import (
	"slices"
	"testing"
)

// With cgo every C library is linked in, so a format missing here is a
// broken install, not a smaller build.
func TestFormatsWithCgo(t *testing.T) {
	want := []string{"wav", "pcm", "mp3", "opus", "flac", "aac"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v (errors: %v)", got, want, probeErr)
	}
}
