//go:build cgo

package flite

import (
	"math"
	"slices"
	"testing"
)

// rms returns the root mean square of pcm.
func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// medianF0 returns the median of f0Track, or 0 when nothing is voiced.
func medianF0(pcm []int16, rate int) float64 {
	f0s := f0Track(pcm, rate)
	if len(f0s) == 0 {
		return 0
	}
	return f0s[len(f0s)/2]
}

// f0Spread returns the width, in semitones, of the middle 80% of f0Track.
func f0Spread(pcm []int16, rate int) float64 {
	f0s := f0Track(pcm, rate)
	if len(f0s) == 0 {
		return 0
	}
	return 12 * math.Log2(f0s[len(f0s)*9/10]/f0s[len(f0s)/10])
}

// f0Track estimates the fundamental frequency of the voiced parts of pcm,
// sorted, with a normalised autocorrelation over 40 ms frames every 20 ms,
// at 8 kHz to keep it cheap under the race detector. Frames much quieter
// than the whole, or without a clear period, count as unvoiced.
func f0Track(pcm []int16, rate int) []float64 {
	const minF0, maxF0 = 50.0, 500.0
	// Halve the rate after a [1 2 1] low-pass while it is above 8 kHz.
	x := make([]float64, len(pcm))
	for i, s := range pcm {
		x[i] = float64(s)
	}
	for rate > 8000 {
		y := make([]float64, len(x)/2)
		for i := range y {
			j := 2 * i
			y[i] = (x[max(j-1, 0)] + 2*x[j] + x[j+1]) / 4
		}
		x, rate = y, rate/2
	}
	frame, hop := rate*40/1000, rate*20/1000
	minLag, maxLag := int(float64(rate)/maxF0), int(float64(rate)/minF0)
	loud := 0.1 * rms(pcm)
	var f0s []float64
	r := make([]float64, maxLag+2)
	for start := 0; start+frame+maxLag+1 <= len(x); start += hop {
		w := x[start : start+frame+maxLag+1]
		var energy float64
		for _, v := range w[:frame] {
			energy += v * v
		}
		if math.Sqrt(energy/float64(frame)) < loud {
			continue
		}
		best := 0.0
		for lag := minLag; lag <= maxLag+1; lag++ {
			var xy, yy float64
			for i := range frame {
				b := w[i+lag]
				xy += w[i] * b
				yy += b * b
			}
			r[lag] = 0
			if yy > 0 {
				r[lag] = xy / math.Sqrt(energy*yy)
			}
			best = max(best, r[lag])
		}
		if best < 0.6 {
			continue
		}
		// The shortest lag that peaks near the best avoids picking a
		// multiple of the period; a parabola through the peak refines it.
		for lag := minLag + 1; lag <= maxLag; lag++ {
			a, b, c := r[lag-1], r[lag], r[lag+1]
			if b >= 0.9*best && b >= a && b >= c {
				period := float64(lag)
				if d := a - 2*b + c; d < 0 {
					period += 0.5 * (a - c) / d
				}
				f0s = append(f0s, float64(rate)/period)
				break
			}
		}
	}
	slices.Sort(f0s)
	return f0s
}

// TestF0Estimator checks the estimator the pitch tests rely on against
// signals of known period.
func TestF0Estimator(t *testing.T) {
	const rate = 16000
	// tone is a pulse-like tone with ten harmonics whose F0 glides
	// linearly from f1 to f2 over one second, then a second of silence.
	tone := func(f1, f2 float64) []int16 {
		pcm := make([]int16, 2*rate)
		phase := 0.0
		for i := range rate {
			phase += 2 * math.Pi * (f1 + (f2-f1)*float64(i)/rate) / rate
			var v float64
			for h := 1.0; h <= 10; h++ {
				v += math.Sin(h*phase) / h
			}
			pcm[i] = int16(5000 * v)
		}
		return pcm
	}
	tests := []struct {
		f1, f2, median, spread float64
	}{
		{100, 100, 100, 0},
		{220, 220, 220, 0},
		{80, 160, 120, 12 * 0.8},
		{150, 300, 225, 12 * 0.8},
	}
	for _, tt := range tests {
		pcm := tone(tt.f1, tt.f2)
		// The median frame of a linear glide sits at its midpoint.
		if got := medianF0(pcm, rate); math.Abs(got/tt.median-1) > 0.03 {
			t.Errorf("glide %v..%v Hz: median %.1f Hz, want %.1f", tt.f1, tt.f2, got, tt.median)
		}
		// The 10th to 90th percentile of a glide spans about 80% of it,
		// on a linear frequency scale; allow for that being measured in
		// semitones.
		if got := f0Spread(pcm, rate); math.Abs(got-tt.spread) > 2 {
			t.Errorf("glide %v..%v Hz: spread %.1f semitones, want about %.1f", tt.f1, tt.f2, got, tt.spread)
		}
	}
	if got := medianF0(make([]int16, rate), rate); got != 0 {
		t.Errorf("silence: %.1f Hz, want 0", got)
	}
}
