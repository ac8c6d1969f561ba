package audio

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(1, len(x))))
}

// TestWidener: the Widener leaves the telephone band as the Resampler
// makes it, puts its fill above 4 kHz only, at the floor under a quiet top
// band and far above it under a loud one, and gives the same output in
// any chunking.
func TestWidener(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	// Half a second of a 500 Hz vowel-like tone, then half a second of
	// 3 kHz hiss-like tone, at 8 kHz.
	in := append(sine(4000, 8000, 500, 8000), sine(4000, 8000, 3000, 8000)...)
	w := NewWidener()
	var out []int16
	for _, c := range randomChunks(rng, in, 300) {
		out = w.Process(out, c)
	}
	base := NewResampler(8000, 16000).Process(nil, in)
	if len(out) != len(base) {
		t.Fatalf("%d samples out, the Resampler gives %d", len(out), len(base))
	}
	again := NewWidener().Process(nil, in)
	if !slices.Equal(out, again) {
		t.Fatal("the output depends on the chunking")
	}
	fill := make([]int16, len(out))
	for i := range out {
		fill[i] = out[i] - base[i]
	}
	// Below 4 kHz the fill is nothing: taking the top band away leaves
	// next to nothing of it.
	if low, all := rms(Resample(fill, 16000, 8000)), rms(fill); low > all/20 {
		t.Errorf("the fill below 4 kHz has RMS %.1f of %.1f", low, all)
	}
	// Skip the filters' settling around the change.
	quiet, loud := rms(fill[1000:7000]), rms(fill[9000:len(fill)-100])
	t.Logf("fill RMS: %.0f under the 500 Hz tone, %.0f under the 3 kHz tone", quiet, loud)
	if quiet > 2*widenFloor || quiet < widenFloor/2 {
		t.Errorf("fill under a quiet top band %.0f, want about %v", quiet, widenFloor)
	}
	if loud < 10*quiet {
		t.Errorf("fill under a loud top band %.0f, not far above %.0f", loud, quiet)
	}
}
