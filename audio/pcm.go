package audio

import (
	"encoding/binary"
	"math"
	"slices"
)

// PCMToBytes appends pcm to dst as little-endian signed 16-bit samples, the
// wire format, and returns the extended slice.
func PCMToBytes(dst []byte, pcm []int16) []byte {
	dst = slices.Grow(dst, 2*len(pcm))
	start := len(dst)
	dst = dst[:start+2*len(pcm)]
	out := dst[start:]
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return dst
}

// BytesToPCM appends the little-endian signed 16-bit samples in b to dst and
// returns the extended slice. An odd trailing byte is half a sample and is
// ignored; a caller that receives audio in arbitrary byte pieces must carry
// it over to the next piece itself.
func BytesToPCM(dst []int16, b []byte) []int16 {
	n := len(b) / 2
	dst = slices.Grow(dst, n)
	start := len(dst)
	dst = dst[:start+n]
	out := dst[start:]
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return dst
}

// fadeGain is the raised-cosine gain i samples into a fade of n samples:
// exactly 0 at i = 0, rising smoothly towards 1 at i = n.
func fadeGain(i, n int) float64 {
	return 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(n))
}

// FadeIn applies a raised-cosine fade over the first n samples of pcm (all
// of it if shorter), in place. The first sample becomes 0.
func FadeIn(pcm []int16, n int) {
	n = min(n, len(pcm))
	for i := range n {
		pcm[i] = roundClamp(float64(pcm[i]) * fadeGain(i, n))
	}
}

// FadeOut applies a raised-cosine fade over the last n samples of pcm (all
// of it if shorter), in place. The last sample becomes 0. FadeOut is FadeIn
// mirrored in time, so a fade-out followed by a fade-in of the same length
// is symmetric around the join.
func FadeOut(pcm []int16, n int) {
	n = min(n, len(pcm))
	last := len(pcm) - 1
	for i := range n {
		pcm[last-i] = roundClamp(float64(pcm[last-i]) * fadeGain(i, n))
	}
}

// Gain multiplies pcm by g in place, rounding to nearest and clipping to
// the int16 range. A NaN gain silences the signal.
func Gain(pcm []int16, g float64) {
	for i, v := range pcm {
		pcm[i] = roundClamp(float64(v) * g)
	}
}

// MaxStep is the largest absolute difference between neighbouring samples:
// a click at a join shows up as a step far larger than the signal's own.
func MaxStep(pcm []int16) int {
	step := 0
	for i := 1; i < len(pcm); i++ {
		d := int(pcm[i]) - int(pcm[i-1])
		step = max(step, d, -d)
	}
	return step
}

// roundClamp converts to int16 rounding half away from zero and clipping;
// NaN becomes 0.
func roundClamp(v float64) int16 {
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	case v < 0:
		return int16(v - 0.5)
	default: // NaN
		return 0
	}
}
