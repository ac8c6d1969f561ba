package piper

import (
	"math"
)

// The generated test models (testdata/gen_models.py) speak a run of
// blocks: round(1024 * length_scale) samples each, a sine at 200 + 40 k Hz
// for symbol k. A run is a header (sid, round(100 * noise_scale),
// round(100 * noise_w)) and then the ids.
const testBlock = 1024

// decodeBlocks reads the symbols of pcm at rate, in blocks of n samples,
// by the strongest of the candidate frequencies in each block. A block of
// silence is -1.
func decodeBlocks(pcm []int16, rate, n int) []int {
	var out []int
	for off := 0; off+n <= len(pcm); off += n {
		b := pcm[off : off+n]
		var energy float64
		for _, s := range b {
			energy += float64(s) * float64(s)
		}
		if math.Sqrt(energy/float64(n)) < 100 {
			out = append(out, -1)
			continue
		}
		best, bestP := 0, -1.0
		for k := 0; k <= 200; k++ {
			f := 200 + 40*float64(k)
			if f >= float64(rate)/2 {
				break
			}
			if p := goertzel(b, f/float64(rate)); p > bestP {
				best, bestP = k, p
			}
		}
		out = append(out, best)
	}
	return out
}

// goertzel is the power of x at frequency f (cycles per sample).
func goertzel(x []int16, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + c*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - c*s1*s2
}
