package voice

import (
	"fmt"
	"math"
	"slices"
)

// Validate reports whether p could have come from Design, Match or
// Catalog.Profile: known gender, accent, age and style (or empty), finite
// prosody within the limits, and a neural voice name of the right shape
// (whether it is installed is known only where it is used). Code that accepts a Profile from outside the package (a stored
// voice, a clone prompt) checks it with Validate. Terms are not checked.
func (p Profile) Validate() error {
	for _, c := range []struct {
		what, v string
		known   []string
	}{
		{"gender", p.Gender, []string{GenderFemale, GenderMale}},
		{"accent", p.Accent, knownAccents},
		{"age", p.Age, []string{AgeYoung, AgeOld}},
		{"style", p.Style, []string{StyleWhisper, StyleRobotic}},
	} {
		if c.v != "" && !slices.Contains(c.known, c.v) {
			return fmt.Errorf("voice: unknown %s %q", c.what, c.v)
		}
	}
	if p.Voice != "" && !neuralName.MatchString(p.Voice) {
		return fmt.Errorf("voice: %q is not a neural voice name", p.Voice)
	}
	for _, c := range []struct {
		what     string
		v        float64
		min, max float64
	}{
		{"pitch", p.Pitch, MinPitch, MaxPitch},
		{"range", p.Range, MinRange, MaxRange},
		{"rate", p.Rate, MinRate, MaxRate},
		{"volume", p.Volume, MinVolume, MaxVolume},
	} {
		if math.IsNaN(c.v) || c.v < c.min || c.v > c.max {
			return fmt.Errorf("voice: %s %v outside [%v, %v]", c.what, c.v, c.min, c.max)
		}
	}
	return nil
}

// knownAccents are the Accent constants.
var knownAccents = []string{
	AccentAmerican, AccentBritish, AccentRP, AccentScottish, AccentNorthern,
	AccentMidlands, AccentCaribbean, AccentNewYork, AccentLatinAmerican,
	AccentEuropean, AccentBrazilian, AccentBelgian, AccentSwiss,
}
