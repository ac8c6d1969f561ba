package flite

import (
	"fmt"
	"math"
	"slices"
)

// Params selects a voice and its prosody for one synthesis. Zero values
// leave the voice's own setting in force; values outside the ranges given
// give ErrInvalidParams.
type Params struct {
	Voice string // "slt", "rms", "awb" or "kal16"
	// Rate multiplies speaking rate, 0.1 to 10: 2 speaks twice as fast. It
	// divides the voice's own duration_stretch (kal16's is 1.1, else 1).
	Rate float64
	// PitchMean is the target F0 mean, 20 to 1000 Hz.
	PitchMean float64
	// PitchStddev is the target F0 standard deviation, up to 500 Hz; a
	// tiny positive value gives a near monotone.
	PitchStddev float64
	// Volume multiplies the samples, up to 100, clipping at full scale.
	Volume float64
}

// Accepted ranges for Params. Outside them flite either clamps (F0 to
// 50..700 Hz) or produces nothing useful, so a caller is told rather than
// surprised.
const (
	minRate, maxRate     = 0.1, 10
	minPitch, maxPitch   = 20, 1000
	maxStddev, maxVolume = 500, 100
)

// voiceNames is in the order of the PF_* indexes in shim.h.
var voiceNames = [numVoices]string{"slt", "rms", "awb", "kal16"}

const numVoices = 4

// Voices lists the voice names that Params.Voice accepts.
func Voices() []string {
	return slices.Clone(voiceNames[:])
}

// voiceIndex returns the shim's index for a voice name.
func voiceIndex(name string) (int, error) {
	i := slices.Index(voiceNames[:], name)
	if i < 0 {
		return 0, fmt.Errorf("%w: %q", ErrUnknownVoice, name)
	}
	return i, nil
}

// validate checks p and returns the voice's index.
func (p Params) validate() (int, error) {
	i, err := voiceIndex(p.Voice)
	if err != nil {
		return 0, err
	}
	checks := []struct {
		name     string
		v        float64
		min, max float64
	}{
		{"rate", p.Rate, minRate, maxRate},
		{"pitch mean", p.PitchMean, minPitch, maxPitch},
		{"pitch stddev", p.PitchStddev, 0, maxStddev},
		{"volume", p.Volume, 0, maxVolume},
	}
	for _, c := range checks {
		if c.v == 0 {
			continue
		}
		if math.IsNaN(c.v) || c.v < c.min || c.v > c.max {
			return 0, fmt.Errorf("%w: %s %v outside [%v, %v]", ErrInvalidParams, c.name, c.v, c.min, c.max)
		}
	}
	return i, nil
}
