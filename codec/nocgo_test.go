//go:build !cgo

package codec

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./codec/.
func TestFormatsWithoutCgo(t *testing.T) {
	if got := Formats(); !slices.Equal(got, []string{"wav", "pcm"}) {
		t.Errorf("Formats() = %v, want [wav pcm]", got)
	}
	for _, format := range []string{"mp3", "opus", "flac", "aac"} {
		_, err := NewEncoder(format, &bytes.Buffer{})
		if !errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "built without cgo") ||
			!strings.HasSuffix(err.Error(), "(supported: wav, pcm)") {
			t.Errorf("NewEncoder(%q): %v", format, err)
		}
	}
}
