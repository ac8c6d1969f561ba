package voice

import (
	"fmt"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/internal/docblock"
)

// TestDocCalibration keeps the calibration table in doc.go identical to
// calibration.go.
func TestDocCalibration(t *testing.T) {
	docblock.Check(t, "doc.go", *update, "go test ./voice -run TestDocCalibration -update",
		docblock.Block{Heading: docReferenceHeading, Lines: renderCalibration()})
}

const docReferenceHeading = "# Reference audio (parameter matching, not cloning)"

func renderCalibration() []string {
	out := []string{
		fmt.Sprintf("%-11s %-26s %6s %6s %6s   %s", "", "", "median", "F0", "speech", "median shift at range"),
		fmt.Sprintf("%-11s %-26s %6s %6s %6s  %5s %5s %5s %5s", "language", "voice", "F0 Hz", "spread", "rate", "0.1", "0.5", "1.5", "2"),
	}
	for _, b := range calibration {
		v := engine.Voice{Engine: b.Engine, Name: b.Name, Variant: b.Variant}
		row := fmt.Sprintf("%-11s %-26s %6.1f %6.2f %6.2f ", b.Language, voiceName(v), b.MedianF0, b.Spread, b.SpeechRate)
		for _, r := range b.Ranges {
			if r.Range == 0.1 || r.Range == 0.5 || r.Range == 1.5 || r.Range == 2 {
				row += fmt.Sprintf(" %+5.1f", r.Shift)
			}
		}
		out = append(out, row)
	}
	return out
}
