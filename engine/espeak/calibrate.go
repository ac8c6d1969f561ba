package espeak

import "math"

// The tables below are espeak-ng 1.51's measured response, from
// `go test -run TestCalibrate -calibrate -v` (see doc.go); each pairs a
// parameter value with its effect relative to the default. The helpers
// invert them by linear interpolation and clamp to what espeak-ng can do.
type point struct{ value, effect float64 }

// pitchTable: Pitch → median F0 shift in semitones, averaged over en-us
// and its variants m3, f2 and f4 (which agree within 0.6 semitones from
// Pitch 10 up, 1.6 at Pitch 0).
var pitchTable = []point{
	{0, -7.10}, {10, -5.93}, {20, -4.67}, {30, -3.13}, {40, -1.69}, {50, 0},
	{60, 1.71}, {70, 3.56}, {80, 5.39}, {90, 7.29}, {100, 9.02},
}

// rangeTable: Range → spread of F0 (10th to 90th percentile, in
// semitones) as a multiple of the spread at Range 50.
var rangeTable = []point{
	{0, 0}, {10, 0.25}, {25, 0.56}, {50, 1}, {75, 1.37}, {100, 1.64},
}

// rateTable: Rate → speed-up of the speech (duration at 175 wpm over
// duration at Rate). From 450 wpm espeak-ng speeds up with libsonic, which
// falls about 5% short of the nominal rate.
var rateTable = []point{
	{80, 0.483}, {100, 0.570}, {130, 0.743}, {175, 1}, {220, 1.251},
	{260, 1.449}, {300, 1.679}, {350, 1.979}, {400, 2.283}, {449, 2.544},
	{500, 2.692}, {600, 3.239}, {700, 3.777}, {800, 4.334}, {1000, 5.454},
}

// volumeTable: Volume → RMS amplitude as a multiple of that at Volume 100.
var volumeTable = []point{
	{0, 0}, {10, 0.082}, {25, 0.230}, {50, 0.485}, {75, 0.742}, {100, 1},
	{125, 1.240}, {150, 1.490}, {200, 1.878},
}

// PitchForSemitones returns the Params.Pitch that shifts a voice's median
// F0 by st semitones. espeak-ng reaches about -7 to +9 semitones; shifts
// beyond are clamped.
func PitchForSemitones(st float64) int { return invert(pitchTable, st, 0) }

// RangeForScale returns the Params.Range that scales a voice's pitch
// movement by scale (0 is monotone, 1 the voice's own, at most about 1.6).
func RangeForScale(scale float64) int { return invert(rangeTable, scale, 1) }

// RateForScale returns the Params.Rate that makes speech scale times as
// fast (about 0.5 to 5.4).
func RateForScale(scale float64) int { return invert(rateTable, scale, 1) }

// VolumeForScale returns the Params.Volume that scales amplitude by scale
// (0 to about 1.9; above 1.5 espeak-ng compresses).
func VolumeForScale(scale float64) int { return invert(volumeTable, scale, 1) }

// invert finds the value whose effect is want in a table whose effects
// rise with its values, in the Params convention: Zero for a literal 0.
// NaN means neutral.
func invert(table []point, want, neutral float64) int {
	if math.IsNaN(want) {
		want = neutral
	}
	v := table[len(table)-1].value
	if want <= table[0].effect {
		v = table[0].value
	}
	for i := 1; i < len(table); i++ {
		lo, hi := table[i-1], table[i]
		if want > lo.effect && want <= hi.effect {
			v = lo.value + (want-lo.effect)/(hi.effect-lo.effect)*(hi.value-lo.value)
			break
		}
	}
	if n := int(math.Round(v)); n != 0 {
		return n
	}
	return Zero
}
