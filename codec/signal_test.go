package codec

import (
	"math"
)

// speechLike returns n samples at 24 kHz that share what matters to a
// codec with speech: a gliding fundamental (90–250 Hz) with harmonics up to
// 10 kHz under a falling spectral tilt, a syllable-rate (4 Hz) envelope,
// and a pause. It is deterministic.
func speechLike(n int) []int16 {
	pcm := make([]int16, n)
	phase := 0.0
	for i := range pcm {
		t := float64(i) / SampleRate
		f0 := 150 + 60*math.Sin(2*math.Pi*0.7*t) + 40*t // vibrato-free glide and chirp
		phase += 2 * math.Pi * f0 / SampleRate
		v := 0.0
		for k := 1; float64(k)*f0 < 10000; k++ {
			// Formant-like bumps near 500 Hz, 1.5 kHz and 2.5 kHz.
			f := float64(k) * f0
			g := 1/float64(k) + 0.6*bump(f, 500) + 0.3*bump(f, 1500) + 0.15*bump(f, 2500)
			v += g * math.Sin(float64(k)*phase)
		}
		env := 0.55 - 0.45*math.Cos(2*math.Pi*4*t)
		if t > 1.0 && t < 1.25 {
			env = 0 // a pause between phrases
		}
		pcm[i] = int16(math.Round(6000 * env * v))
	}
	return pcm
}

func bump(f, centre float64) float64 {
	d := (f - centre) / 200
	return math.Exp(-d * d)
}

// envelope is the RMS of pcm over consecutive windows of win samples.
func envelope(pcm []int16, win int) []float64 {
	env := make([]float64, len(pcm)/win)
	for i := range env {
		sum := 0.0
		for _, v := range pcm[i*win : (i+1)*win] {
			sum += float64(v) * float64(v)
		}
		env[i] = math.Sqrt(sum / float64(win))
	}
	return env
}

// correlation is Pearson's r of a and b over their common length.
func correlation(a, b []float64) float64 {
	n := min(len(a), len(b))
	var ma, mb float64
	for i := range n {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(n)
	mb /= float64(n)
	var sab, saa, sbb float64
	for i := range n {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

// bestLag finds the shift of got against want, in samples within
// [0, maxLag], that maximises their cross-correlation: how much the
// decoded audio lags the input.
func bestLag(want, got []int16, maxLag int) int {
	best, bestSum := 0, math.Inf(-1)
	for lag := 0; lag <= maxLag && lag < len(got); lag++ {
		sum := 0.0
		n := min(len(want), len(got)-lag)
		for i := 0; i < n; i += 2 {
			sum += float64(want[i]) * float64(got[i+lag])
		}
		if sum > bestSum {
			best, bestSum = lag, sum
		}
	}
	return best
}
