package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// harmonic synthesises a band-limited periodic signal at f0 Hz with
// harmonic k at amplitude amps(k), shaped by env(t) and normalised to a
// peak near amp. One period is tabulated and read with linear
// interpolation, which keeps long test signals cheap.
func harmonic(seconds float64, rate int, f0 float64, amps func(k int) float64, env func(t float64) float64, amp float64) []int16 {
	const size = 1 << 14
	table := make([]float64, size+1)
	for k := 1; float64(k)*f0 < float64(rate)/2*0.9; k++ {
		a := amps(k)
		for i := range table {
			table[i] += a * math.Sin(2*math.Pi*float64(k)*float64(i)/size)
		}
	}
	n := int(seconds * float64(rate))
	x := make([]float64, n)
	peak := 0.0
	for i := range x {
		tm := float64(i) / float64(rate)
		_, frac := math.Modf(f0 * tm)
		pos := frac * size
		j := int(pos)
		v := table[j] + (pos-float64(j))*(table[j+1]-table[j])
		x[i] = v * env(tm)
		peak = max(peak, math.Abs(x[i]))
	}
	out := make([]int16, n)
	for i, v := range x {
		out[i] = int16(math.Round(v / peak * amp))
	}
	return out
}

func sawtoothAmps(k int) float64 { return 1 / float64(k) }
func pulseAmps(int) float64      { return 1 }

// slowAM is a 3 Hz amplitude modulation between 0.25 and 1.
func slowAM(t float64) float64 { return 0.625 + 0.375*math.Sin(2*math.Pi*3*t) }

func TestAnalyzePitchHarmonic(t *testing.T) {
	tests := []struct {
		shape string
		amps  func(int) float64
		f0    float64
		rate  int
	}{
		{"sawtooth", sawtoothAmps, 100, 24000},
		{"sawtooth", sawtoothAmps, 150, 22050},
		{"sawtooth", sawtoothAmps, 220, 16000},
		{"pulse train", pulseAmps, 100, 16000},
		{"pulse train", pulseAmps, 150, 24000},
		{"pulse train", pulseAmps, 220, 22050},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%gHz/%d", tt.shape, tt.f0, tt.rate), func(t *testing.T) {
			x := harmonic(0.6, tt.rate, tt.f0, tt.amps, slowAM, 20000)
			st := AnalyzePitch(x, tt.rate)
			for label, got := range map[string]float64{"median": st.MedianHz, "p10": st.P10Hz, "p90": st.P90Hz} {
				if math.Abs(got-tt.f0) > 0.02*tt.f0 {
					t.Errorf("%s %.2f Hz, want %g ±2%%", label, got, tt.f0)
				}
			}
			if st.VoicedFraction < 0.9 {
				t.Errorf("voiced fraction %.2f, want > 0.9", st.VoicedFraction)
			}
		})
	}
}

func TestAnalyzePitchSpread(t *testing.T) {
	const rate = 24000
	low := harmonic(1, rate, 120, sawtoothAmps, slowAM, 20000)
	high := harmonic(1, rate, 240, sawtoothAmps, slowAM, 20000)
	st := AnalyzePitch(append(low, high...), rate)
	if math.Abs(st.P10Hz-120) > 2.4 || math.Abs(st.P90Hz-240) > 4.8 {
		t.Errorf("p10 %.1f, p90 %.1f; want 120 and 240", st.P10Hz, st.P90Hz)
	}
	if st.VoicedFraction < 0.9 {
		t.Errorf("voiced fraction %.2f, want > 0.9", st.VoicedFraction)
	}
}

func TestAnalyzePitchUnvoiced(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tests := []struct {
		name      string
		pcm       []int16
		maxVoiced float64
	}{
		{"white noise", noise(rng, 24000, 16000), 0.1},
		{"noise with AM", func() []int16 {
			x := noise(rng, 24000, 16000)
			for i := range x {
				x[i] = int16(float64(x[i]) * slowAM(float64(i)/24000))
			}
			return x
		}(), 0.1},
		{"silence", make([]int16, 24000), 0},
		{"too short", make([]int16, 100), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := AnalyzePitch(tt.pcm, 24000)
			if st.VoicedFraction > tt.maxVoiced {
				t.Errorf("voiced fraction %.2f, want <= %.2f", st.VoicedFraction, tt.maxVoiced)
			}
			if tt.maxVoiced == 0 && st != (PitchStats{}) {
				t.Errorf("stats %+v, want zero", st)
			}
		})
	}
	if st := AnalyzePitch(make([]int16, 1000), 0); st != (PitchStats{}) {
		t.Errorf("zero rate: %+v", st)
	}
}

// syllables is a voiced carrier whose loudness rises and falls rate times a
// second, like a string of syllables; each syllable's peak varies a little.
// floor sets how deep the dips between syllables are (0.02: about 35 dB,
// 0.3: about 12 dB).
func syllables(seconds float64, rate int, perSecond, floor float64, rng *rand.Rand) []int16 {
	peaks := make([]float64, int(seconds*perSecond)+1)
	for i := range peaks {
		peaks[i] = 0.6 + 0.4*rng.Float64()
	}
	env := func(t float64) float64 {
		s := math.Sin(math.Pi * perSecond * t)
		return peaks[int(t*perSecond)] * (floor + s*s)
	}
	return harmonic(seconds, rate, 130, sawtoothAmps, env, 20000)
}

func TestSpeechRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const rate = 24000
	for _, perSecond := range []float64{3, 4, 6} {
		for _, floor := range []float64{0.02, 0.3} {
			t.Run(fmt.Sprintf("%g per second, floor %g", perSecond, floor), func(t *testing.T) {
				got := SpeechRate(syllables(4, rate, perSecond, floor, rng), rate)
				if math.Abs(got-perSecond) > 0.15*perSecond {
					t.Errorf("rate %.2f, want %g ±15%%", got, perSecond)
				}
			})
		}
		t.Run(fmt.Sprintf("%g per second with a long pause", perSecond), func(t *testing.T) {
			x := append(syllables(2, rate, perSecond, 0.1, rng), make([]int16, rate)...)
			x = append(x, syllables(2, rate, perSecond, 0.1, rng)...)
			got := SpeechRate(x, rate)
			if math.Abs(got-perSecond) > 0.15*perSecond {
				t.Errorf("rate %.2f, want %g ±15%% (the pause is not speech)", got, perSecond)
			}
		})
	}
	if got := SpeechRate(make([]int16, rate), rate); got != 0 {
		t.Errorf("silence: rate %.2f, want 0", got)
	}
	if got := SpeechRate(nil, rate); got != 0 {
		t.Errorf("empty: rate %.2f, want 0", got)
	}
}

func TestTrimSilence(t *testing.T) {
	const rate = 24000
	rng := rand.New(rand.NewPCG(13, 14))
	tone := sine(rate/2, rate, 440, 10000)
	withLeadIn := func(lead []int16) []int16 {
		x := append(lead, tone...)
		return append(x, make([]int16, rate/5)...)
	}
	click := make([]int16, rate*3/10)
	click[100] = 20000
	tests := []struct {
		name               string
		pcm                []int16
		wantStart, wantEnd int
	}{
		{"silence around a tone", withLeadIn(make([]int16, rate*3/10)), rate * 3 / 10, rate*3/10 + rate/2},
		{"quiet noise around a tone", withLeadIn(noise(rng, rate*3/10, 30)), rate * 3 / 10, rate*3/10 + rate/2},
		{"isolated click in the lead-in", withLeadIn(click), rate * 3 / 10, rate*3/10 + rate/2},
		{"no silence", tone, 0, len(tone)},
		{"all silent", make([]int16, rate), 0, 0},
		{"empty", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := TrimSilence(tt.pcm, rate, -40)
			// The tone starts at a zero crossing: its first samples are
			// below the threshold too.
			if start < tt.wantStart || start > tt.wantStart+3 || end > tt.wantEnd || end < tt.wantEnd-3 {
				t.Errorf("TrimSilence = [%d, %d), want about [%d, %d)", start, end, tt.wantStart, tt.wantEnd)
			}
		})
	}
}

func TestRMSdBFS(t *testing.T) {
	square := make([]int16, 1000)
	for i := range square {
		square[i] = 32767
		if i%2 == 1 {
			square[i] = -32767
		}
	}
	tests := []struct {
		name string
		pcm  []int16
		want float64
	}{
		{"full-scale sine", sine(24000, 24000, 1000, 32767), -3.0103},
		{"half-scale sine", sine(24000, 24000, 1000, 16384), -9.0309},
		{"full-scale square", square, 0},
	}
	for _, tt := range tests {
		if got := RMSdBFS(tt.pcm); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("%s: %.4f dBFS, want %.4f", tt.name, got, tt.want)
		}
	}
	for _, silent := range [][]int16{nil, make([]int16, 10)} {
		if got := RMSdBFS(silent); !math.IsInf(got, -1) {
			t.Errorf("silence: %v dBFS, want -Inf", got)
		}
	}
}

// countdownCtx ends after its Err has been asked left times: it tells
// how often, and so how early, a loop looks at its context.
type countdownCtx struct {
	context.Context
	left, asked int
}

func (c *countdownCtx) Err() error {
	c.asked++
	if c.left--; c.left < 0 {
		return context.Canceled
	}
	return nil
}

func TestAnalyzePitchContextStops(t *testing.T) {
	const rate, seconds = 16000, 10
	x := harmonic(seconds, rate, 150, sawtoothAmps, slowAM, 20000)
	if st, err := AnalyzePitchContext(t.Context(), x, rate); err != nil || st != AnalyzePitch(x, rate) {
		t.Fatalf("with a live context: %+v, %v; want AnalyzePitch's %+v", st, err, AnalyzePitch(x, rate))
	}
	// Ended after the check on entry and two in the loop: the third, after
	// 2 s of the 10, stops it.
	ctx := &countdownCtx{Context: t.Context(), left: 3}
	if st, err := AnalyzePitchContext(ctx, x, rate); !errors.Is(err, context.Canceled) || st != (PitchStats{}) {
		t.Fatalf("cancelled: %+v, %v", st, err)
	}
	if ctx.asked != 4 {
		t.Fatalf("the context was asked %d times before the analysis stopped, want 4", ctx.asked)
	}
}

func BenchmarkAnalyzePitch(b *testing.B) {
	const rate, seconds = 24000, 3
	x := harmonic(seconds, rate, 150, sawtoothAmps, slowAM, 20000)
	start := time.Now()
	for b.Loop() {
		AnalyzePitch(x, rate)
	}
	b.ReportMetric(float64(b.N)*seconds/time.Since(start).Seconds(), "x-realtime")
}

func BenchmarkSpeechRate(b *testing.B) {
	const rate, seconds = 24000, 3
	x := syllables(seconds, rate, 4, 0.1, rand.New(rand.NewPCG(1, 1)))
	start := time.Now()
	for b.Loop() {
		SpeechRate(x, rate)
	}
	b.ReportMetric(float64(b.N)*seconds/time.Since(start).Seconds(), "x-realtime")
}

// The two recordings in testdata are espeak-ng speaking the same 17-syllable
// sentence slowly at a low pitch and fast at a high one (see
// testdata/README.md). The analysis must tell them apart the way a listener
// would.
func TestAnalysisOnSpeech(t *testing.T) {
	const syllableCount = 17
	type result struct {
		pitch PitchStats
		rate  float64
	}
	results := map[string]result{}
	for _, name := range []string{"espeak_slow_low.wav", "espeak_fast_high.wav"} {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		pcm, rate, err := ReadWAV(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		start, end := TrimSilence(pcm, rate, -40)
		// espeak-ng pads its output with silence, more at the end.
		if RMSdBFS(pcm[:start]) > -40 || RMSdBFS(pcm[end:]) > -40 || end-start < 2*rate {
			t.Errorf("%s: trimmed to [%d, %d) of %d samples", name, start, end, len(pcm))
		}
		r := result{AnalyzePitch(pcm, rate), SpeechRate(pcm, rate)}
		results[name] = r
		// Speech time excludes the pause at the comma, so the rate is at
		// least the syllables over the trimmed duration, give or take
		// what counting energy peaks misses.
		spoken := float64(syllableCount) / (float64(end-start) / float64(rate))
		if r.rate < 0.8*spoken || r.rate > 1.3*spoken {
			t.Errorf("%s: %.2f syllables/s, want about %.2f", name, r.rate, spoken)
		}
		p := r.pitch
		if !(p.P10Hz <= p.MedianHz && p.MedianHz <= p.P90Hz) || p.VoicedFraction < 0.4 || p.VoicedFraction > 0.95 {
			t.Errorf("%s: implausible pitch stats %+v", name, p)
		}
		t.Logf("%s: %+v, %.2f syllables/s", name, p, r.rate)
	}
	slow, fast := results["espeak_slow_low.wav"], results["espeak_fast_high.wav"]
	if ratio := fast.rate / slow.rate; ratio < 1.5 || ratio > 2.5 {
		t.Errorf("espeak speed doubled, measured rate ratio %.2f", ratio)
	}
	if slow.pitch.MedianHz < 65 || slow.pitch.MedianHz > 110 || fast.pitch.MedianHz < 1.3*slow.pitch.MedianHz {
		t.Errorf("median pitch %.1f Hz (low voice) and %.1f Hz (high voice)", slow.pitch.MedianHz, fast.pitch.MedianHz)
	}
}
