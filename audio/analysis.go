package audio

import (
	"context"
	"math"
	"slices"
	"time"
)

// RMSdBFS is the signal's RMS level relative to a full-scale square wave
// (so a full-scale sine measures -3.01 dB). Silence and empty input give
// -Inf.
func RMSdBFS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return math.Inf(-1)
	}
	sum := 0.0
	for _, v := range pcm {
		sum += float64(v) * float64(v)
	}
	return 10 * math.Log10(sum/float64(len(pcm))/(32768*32768))
}

// Duration is the playing time of samples at sampleRate, truncated to the
// nanosecond; 0 for a non-positive rate.
func Duration(samples, sampleRate int) time.Duration {
	if sampleRate <= 0 {
		return 0
	}
	// Whole seconds first, so long streams cannot overflow the product.
	sec := samples / sampleRate
	rem := samples % sampleRate
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(sampleRate)
}

// Pitch analysis parameters. YIN runs at 8 kHz: speech's fundamental and
// the harmonics that define it lie far below 4 kHz, and the lower rate
// makes it nine times cheaper than at 24 kHz.
const (
	pitchRate      = 8000
	pitchMinHz     = 60
	pitchMaxHz     = 500
	pitchFrame     = pitchRate * 40 / 1000 // window of one estimate
	pitchHop       = pitchRate * 10 / 1000
	pitchMaxLag    = pitchRate/pitchMinHz + 1
	pitchMinLag    = pitchRate / pitchMaxHz
	pitchLowPassHz = 1000
	yinThreshold   = 0.2 // dip in the normalised difference that counts as periodic
	silenceFloorDB = -55 // frames quieter than this (dBFS) are not speech
	silenceRangeDB = 40  // nor frames this far below the loudest frame
)

// PitchStats summarises the fundamental frequency of the voiced part of a
// recording.
type PitchStats struct {
	// MedianHz, P10Hz and P90Hz are percentiles of the per-frame F0 over
	// voiced frames; 0 when no frame is voiced.
	MedianHz, P10Hz, P90Hz float64
	// VoicedFraction is the share of non-silent frames that are voiced:
	// near 1 for sustained vowels, low for whispering or noise, 0 for
	// silence.
	VoicedFraction float64
}

// AnalyzePitch estimates F0 with YIN (cumulative mean normalised
// difference, absolute threshold, parabolic interpolation) over 40 ms frames
// every 10 ms, searching 60–500 Hz. Frames more than 40 dB below the loudest
// one or below -55 dBFS are skipped as silence. A rate outside
// [MinSampleRate, MaxSampleRate] gives zero stats.
func AnalyzePitch(pcm []int16, sampleRate int) PitchStats {
	st, _ := AnalyzePitchContext(context.Background(), pcm, sampleRate)
	return st
}

// pitchCheckFrames is how often AnalyzePitchContext looks at its context:
// every second of audio, a few milliseconds of work.
const pitchCheckFrames = 100

// AnalyzePitchContext is AnalyzePitch that stops, with ctx's error, soon
// after ctx ends: the pitch search is the costly part of analysing a long
// recording.
func AnalyzePitchContext(ctx context.Context, pcm []int16, sampleRate int) (PitchStats, error) {
	if err := ctx.Err(); err != nil {
		return PitchStats{}, err
	}
	if sampleRate < MinSampleRate || sampleRate > MaxSampleRate {
		return PitchStats{}, nil
	}
	x := pcm
	if sampleRate != pitchRate {
		x = Resample(pcm, sampleRate, pitchRate)
	}
	if len(x) < pitchFrame {
		return PitchStats{}, nil
	}
	frames := (len(x)-pitchFrame)/pitchHop + 1
	levels := make([]float64, frames)
	loudest := math.Inf(-1)
	for f := range levels {
		levels[f] = RMSdBFS(x[f*pitchHop : f*pitchHop+pitchFrame])
		loudest = max(loudest, levels[f])
	}
	gate := max(silenceFloorDB, loudest-silenceRangeDB)

	// YIN compares the signal with itself at whole-sample lags, which
	// misses the true period by up to half a sample; for harmonics near
	// 4 kHz that is a quarter of a cycle, enough to lift the dip at the
	// period above the threshold and report an octave too low. The
	// fundamental and the first harmonics below 1 kHz carry the period;
	// a 4th-order Butterworth low-pass keeps only them.
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for _, q := range []float64{0.5412, 1.3066} {
		newLowPass(pitchLowPassHz, pitchRate, q).filter(y)
	}

	d := make([]float64, pitchMaxLag+2)
	var f0s []float64
	active := 0
	for f, level := range levels {
		if f%pitchCheckFrames == 0 {
			if err := ctx.Err(); err != nil {
				return PitchStats{}, err
			}
		}
		if level < gate {
			continue
		}
		active++
		if hz, ok := yin(y[f*pitchHop:f*pitchHop+pitchFrame], d); ok {
			f0s = append(f0s, hz)
		}
	}
	if len(f0s) == 0 {
		return PitchStats{}, nil
	}
	slices.Sort(f0s)
	return PitchStats{
		MedianHz:       percentile(f0s, 0.5),
		P10Hz:          percentile(f0s, 0.1),
		P90Hz:          percentile(f0s, 0.9),
		VoicedFraction: float64(len(f0s)) / float64(active),
	}, nil
}

// yin estimates the fundamental of one frame at pitchRate; d is scratch
// space of pitchMaxLag+2 values.
func yin(x, d []float64) (float64, bool) {
	w := len(x) - len(d) + 1 // integration window: every lag sees w pairs
	// d[tau] becomes the cumulative mean normalised difference.
	d[0] = 1
	running := 0.0
	for tau := 1; tau < len(d); tau++ {
		a, b := x[:w], x[tau:tau+w]
		sum := 0.0
		for j, v := range a {
			e := v - b[j]
			sum += e * e
		}
		running += sum
		if running == 0 {
			d[tau] = 1
			continue
		}
		d[tau] = sum * float64(tau) / running
	}
	tau := pitchMinLag
	for ; tau <= pitchMaxLag; tau++ {
		if d[tau] < yinThreshold {
			break
		}
	}
	if tau > pitchMaxLag {
		return 0, false
	}
	// Walk down to the bottom of the dip.
	for tau+1 <= pitchMaxLag && d[tau+1] < d[tau] {
		tau++
	}
	// Parabolic interpolation through the dip and its neighbours.
	best := float64(tau)
	if a, b, c := d[tau-1], d[tau], d[tau+1]; a+c-2*b > 0 {
		best += 0.5 * (a - c) / (a + c - 2*b)
	}
	hz := pitchRate / best
	if hz < pitchMinHz || hz > pitchMaxHz {
		return 0, false
	}
	return hz, true
}

// biquad is a second-order IIR section (RBJ cookbook, direct form I).
type biquad struct{ b0, b1, b2, a1, a2 float64 }

func newLowPass(cutoffHz, rate, q float64) biquad {
	w := 2 * math.Pi * cutoffHz / rate
	alpha := math.Sin(w) / (2 * q)
	cos := math.Cos(w)
	a0 := 1 + alpha
	return biquad{
		b0: (1 - cos) / 2 / a0,
		b1: (1 - cos) / a0,
		b2: (1 - cos) / 2 / a0,
		a1: -2 * cos / a0,
		a2: (1 - alpha) / a0,
	}
}

// filter runs the section over x in place.
func (f biquad) filter(x []float64) {
	var x1, x2, y1, y2 float64
	for i, v := range x {
		y := f.b0*v + f.b1*x1 + f.b2*x2 - f.a1*y1 - f.a2*y2
		x2, x1 = x1, v
		y2, y1 = y1, y
		x[i] = y
	}
}

// percentile of sorted values, interpolating linearly between ranks.
func percentile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// Speaking-rate parameters.
const (
	envelopeHopMS   = 10
	nucleusProm     = 4   // dB a peak must rise above the dips on both sides
	nucleusRangeDB  = 25  // peaks this far below the loudest are not nuclei
	speechRangeDB   = 35  // envelope this far below the loudest is pause
	bridgedPauseMS  = 300 // pauses this short count as speech time
	envelopeSmooth  = 5   // frames in the moving average (50 ms)
	envelopeFloorDB = -90
)

// SpeechRate counts syllable-like nuclei (peaks of the smoothed energy
// envelope that stand out by 4 dB from the dips around them) per second of
// speech. Speech time excludes pauses longer than 300 ms, so the figure
// compares speaking rates regardless of how much a recording pauses. It
// returns 0 when there is no speech.
func SpeechRate(pcm []int16, sampleRate int) float64 {
	hop := sampleRate * envelopeHopMS / 1000
	if hop <= 0 || len(pcm) < 2*hop {
		return 0
	}
	// RMS over two hops, every hop.
	n := len(pcm)/hop - 1
	raw := make([]float64, n)
	for i := range raw {
		raw[i] = RMSdBFS(pcm[i*hop : (i+2)*hop])
	}
	// Smooth in the power domain so that a single loud frame does not
	// split a syllable into two peaks.
	env := make([]float64, n)
	loudest := math.Inf(-1)
	for i := range env {
		lo, hi := max(0, i-envelopeSmooth/2), min(n, i+envelopeSmooth/2+1)
		p := 0.0
		for _, l := range raw[lo:hi] {
			p += math.Pow(10, l/10)
		}
		env[i] = max(envelopeFloorDB, 10*math.Log10(p/float64(hi-lo)))
		loudest = max(loudest, env[i])
	}
	if loudest <= silenceFloorDB {
		return 0
	}

	speech := speechFrames(env, loudest-speechRangeDB, bridgedPauseMS/envelopeHopMS)
	if speech == 0 {
		return 0
	}

	nuclei := 0
	peak, dip := 0.0, 0.0 // the current nucleus's top and the lowest level since
	inNucleus := false
	for i := range env {
		v := env[i]
		if inNucleus {
			dip = min(dip, v)
		}
		isPeak := (i == 0 || v >= env[i-1]) && (i == n-1 || v > env[i+1])
		if !isPeak || v < loudest-nucleusRangeDB {
			continue
		}
		switch {
		case !inNucleus || (peak-dip >= nucleusProm && v-dip >= nucleusProm):
			nuclei++
			peak, dip, inNucleus = v, v, true
		case v > peak:
			// A higher top of the same nucleus.
			peak, dip = v, v
		}
	}
	return float64(nuclei) / (float64(speech) * envelopeHopMS / 1000)
}

// speechFrames counts frames at or above level, plus quieter runs of at
// most bridge frames between two such frames.
func speechFrames(env []float64, level float64, bridge int) int {
	count, last := 0, -1
	for i, v := range env {
		if v < level {
			continue
		}
		count++
		if last >= 0 && i-last-1 <= bridge {
			count += i - last - 1
		}
		last = i
	}
	return count
}

// TrimSilence finds the audible part of pcm: pcm[start:end] runs from the
// first to the last sample above thresholdDB (dBFS, e.g. -40) within runs
// of at least two 10 ms frames whose RMS is also above it. Requiring 20 ms
// of sound ignores an isolated click in an otherwise silent lead-in or
// tail. Input with no such run gives (0, 0).
func TrimSilence(pcm []int16, sampleRate int, thresholdDB float64) (start, end int) {
	frame := max(1, sampleRate/100)
	frames := (len(pcm) + frame - 1) / frame
	loudFrame := func(f int) bool {
		return f >= 0 && f < frames && RMSdBFS(pcm[f*frame:min((f+1)*frame, len(pcm))]) > thresholdDB
	}
	first, last := -1, -1
	for f := 0; f < frames; f++ {
		if loudFrame(f) && (loudFrame(f-1) || loudFrame(f+1)) {
			if first < 0 {
				first = f
			}
			last = f
		}
	}
	if first < 0 {
		return 0, 0
	}
	amp := 32768 * math.Pow(10, thresholdDB/20)
	loud := func(v int16) bool { return math.Abs(float64(v)) > amp }
	// A frame louder than amp in RMS holds a sample louder than amp, so
	// these scans stay within the first and last frames.
	start = first * frame
	for !loud(pcm[start]) {
		start++
	}
	end = min((last+1)*frame, len(pcm))
	for !loud(pcm[end-1]) {
		end--
	}
	return start, end
}
