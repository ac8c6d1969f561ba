package codec

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests start ffmpeg and ffprobe, whose pipes are served by goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
