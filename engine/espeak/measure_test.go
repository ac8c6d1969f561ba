//go:build cgo

package espeak

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
)

// speak synthesises text and returns all of its audio.
func speak(t testing.TB, e *Engine, text string, p Params) []int16 {
	t.Helper()
	var pcm []int16
	err := e.Synthesize(context.Background(), text, p, func(chunk []int16) error {
		pcm = append(pcm, chunk...)
		return nil
	})
	if err != nil {
		t.Fatalf("Synthesize(%q, %+v): %v", text, p, err)
	}
	return pcm
}

// rms is the root mean square of pcm, on the int16 scale.
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

// speechSeconds is the time from the first to the last sample louder than
// 1% of full scale, ignoring leading and trailing silence.
func speechSeconds(pcm []int16, rate int) float64 {
	const floor = 328
	first, last := -1, -1
	for i, s := range pcm {
		if s > floor || s < -floor {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0
	}
	return float64(last-first+1) / float64(rate)
}

// medianF0 estimates the fundamental frequency of speech with a normalised
// autocorrelation over 30 ms frames every 20 ms, and returns the median
// over voiced frames together with the 10th and 90th percentiles.
func medianF0(pcm []int16, rate int) (p10, median, p90 float64) {
	// A quarter of the rate is plenty for F0 below 500 Hz and keeps the
	// estimator quick under the race detector.
	const decimate = 4
	x := make([]float64, len(pcm)/decimate)
	for i := range x {
		for _, s := range pcm[decimate*i : decimate*(i+1)] {
			x[i] += float64(s)
		}
	}
	sr := float64(rate) / decimate
	frame, hop := int(sr*0.030), int(sr*0.020)
	minLag, maxLag := int(sr/500), int(sr/60)
	loud := 0.3 * decimate * rms(pcm)
	var f0s []float64
	r := make([]float64, maxLag+2)
	for start := 0; start+frame+maxLag+1 < len(x); start += hop {
		a := x[start : start+frame]
		var energy float64
		for _, v := range a {
			energy += v * v
		}
		if math.Sqrt(energy/float64(frame)) < loud {
			continue
		}
		best := 0.0
		for lag := minLag; lag <= maxLag+1; lag++ {
			b := x[start+lag : start+lag+frame]
			var ab, bb float64
			for i, v := range a {
				ab += v * b[i]
				bb += b[i] * b[i]
			}
			r[lag] = ab / math.Sqrt(energy*bb+1e-9)
			best = max(best, r[lag])
		}
		if best < 0.6 {
			continue // unvoiced
		}
		// The first strong peak, not a multiple of the period.
		for lag := minLag + 1; lag <= maxLag; lag++ {
			if r[lag] >= 0.9*best && r[lag] >= r[lag-1] && r[lag] >= r[lag+1] {
				shift := 0.0
				if den := r[lag-1] - 2*r[lag] + r[lag+1]; den != 0 {
					shift = 0.5 * (r[lag-1] - r[lag+1]) / den
				}
				f0s = append(f0s, sr/(float64(lag)+shift))
				break
			}
		}
	}
	if len(f0s) == 0 {
		return 0, 0, 0
	}
	slices.Sort(f0s)
	at := func(q float64) float64 { return f0s[int(q*float64(len(f0s)-1))] }
	return at(0.1), at(0.5), at(0.9)
}

// envelope is the RMS of each 10 ms of pcm.
func envelope(pcm []int16, rate int) []float64 {
	n := rate / 100
	var env []float64
	for i := 0; i+n <= len(pcm); i += n {
		env = append(env, rms(pcm[i:i+n]))
	}
	return env
}

// correlation is Pearson's r over the common length of a and b.
func correlation(a, b []float64) float64 {
	n := min(len(a), len(b))
	var ma, mb float64
	for i := range n {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(n)
	mb /= float64(n)
	var ab, aa, bb float64
	for i := range n {
		ab += (a[i] - ma) * (b[i] - mb)
		aa += (a[i] - ma) * (a[i] - ma)
		bb += (b[i] - mb) * (b[i] - mb)
	}
	return ab / math.Sqrt(aa*bb)
}

// differs says how b differs from a, or "" if they are the same speech.
//
// espeak-ng is not bit-exact from call to call: its glottal source and
// pitch flutter run on from one utterance into the next, and some
// text-analysis state too. Repeating one request in every order we tried
// stayed within 0.4% in length, 0.3% in RMS and 0.95 in the correlation of
// 10 ms envelopes; mixing in one foreign 49 ms chunk changes the length of
// a sentence by 2%, and reordering chunks breaks the envelope.
func differs(a, b []int16, rate int) string {
	if len(a) == 0 || len(b) == 0 {
		return fmt.Sprintf("%d vs %d samples", len(a), len(b))
	}
	if r := float64(len(b)) / float64(len(a)); math.Abs(r-1) > 0.01 {
		return fmt.Sprintf("length ratio %.4f", r)
	}
	if r := rms(b) / rms(a); math.Abs(r-1) > 0.01 {
		return fmt.Sprintf("RMS ratio %.4f", r)
	}
	if c := correlation(envelope(a, rate), envelope(b, rate)); c < 0.9 {
		return fmt.Sprintf("envelope correlation %.4f", c)
	}
	return ""
}

// prosodyDiffers is differs, and also compares the median and the spread
// of F0, which a leaked Pitch or Range would move.
func prosodyDiffers(a, b []int16, rate int) string {
	if d := differs(a, b, rate); d != "" {
		return d
	}
	alo, amed, ahi := medianF0(a, rate)
	blo, bmed, bhi := medianF0(b, rate)
	if d := semitones(amed, bmed); math.Abs(d) > 0.3 {
		return fmt.Sprintf("median F0 moved %.2f semitones", d)
	}
	if d := semitones(alo, ahi) - semitones(blo, bhi); math.Abs(d) > 0.5 {
		return fmt.Sprintf("F0 spread changed %.2f semitones", d)
	}
	return ""
}

// semitones is the interval from a to b.
func semitones(a, b float64) float64 { return 12 * math.Log2(b/a) }
