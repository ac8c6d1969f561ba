package audio

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// sine returns n samples of a sine at freq Hz and peak amplitude amp.
func sine(n, rate int, freq, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return out
}

// toneAmplitude measures the peak amplitude of the component at freq Hz
// with a Hann-windowed correlation, which rejects other components and the
// negative-frequency image when the window spans many periods.
func toneAmplitude(x []int16, rate int, freq float64) float64 {
	var acc complex128
	var wsum float64
	n := len(x)
	for i, v := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(n))
		wsum += w
		acc += complex(w*float64(v), 0) * cmplx.Exp(complex(0, -2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return 2 * cmplx.Abs(acc) / wsum
}

// zeroCrossingFreq estimates the frequency of a clean tone from the span
// between its first and last rising zero crossings, interpolated linearly.
func zeroCrossingFreq(x []int16, rate int) float64 {
	first, last := -1.0, -1.0
	count := 0
	for i := 1; i < len(x); i++ {
		a, b := float64(x[i-1]), float64(x[i])
		if a < 0 && b >= 0 {
			t := float64(i-1) + a/(a-b)
			if first < 0 {
				first = t
			}
			last = t
			count++
		}
	}
	if count < 2 {
		return 0
	}
	return float64(count-1) * float64(rate) / (last - first)
}

func db(ratio float64) float64 { return 20 * math.Log10(ratio) }

// fft is an in-place radix-2 transform; len(a) must be a power of two.
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
				wk *= w
			}
		}
	}
}

// randomChunks splits x into pieces of random length in [0, maxLen].
func randomChunks(rng *rand.Rand, x []int16, maxLen int) [][]int16 {
	var out [][]int16
	for len(x) > 0 {
		n := min(len(x), rng.IntN(maxLen+1))
		out = append(out, x[:n])
		x = x[n:]
	}
	return out
}

func noise(rng *rand.Rand, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * (2*rng.Float64() - 1))
	}
	return out
}
