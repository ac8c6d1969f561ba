package voice

import (
	"context"
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// voiceLike is a synthetic stand-in for speech: a harmonic pulse train at
// f0 (harmonics falling 1/k up to 4 kHz), its pitch drifting ±drift of f0
// every second like intonation, its loudness pulsing in syllable-like
// bursts at syllables per second, dur long at rate.
func voiceLike(f0, drift, syllables float64, dur time.Duration, rate int) []int16 {
	n := int(dur.Seconds() * float64(rate))
	pcm := make([]int16, n)
	phase := 0.0
	for i := range pcm {
		t := float64(i) / float64(rate)
		f := f0 * (1 + drift*math.Sin(2*math.Pi*t))
		phase += 2 * math.Pi * f / float64(rate)
		// sin(kφ) by the recurrence sin(kφ) = 2cos(φ)sin((k-1)φ) - sin((k-2)φ).
		v, s1, s0, c2 := 0.0, math.Sin(phase), 0.0, 2*math.Cos(phase)
		for k := 1; float64(k)*f < 4000; k++ {
			v += s1 / float64(k)
			s1, s0 = c2*s1-s0, s1
		}
		env := math.Pow(math.Sin(math.Pi*syllables*t), 2)
		pcm[i] = int16(6000 * env * v)
	}
	return pcm
}

func sine(hz float64, dur time.Duration, rate int, amp float64) []int16 {
	pcm := make([]int16, int(dur.Seconds()*float64(rate)))
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return pcm
}

func noise(dur time.Duration, rate int, amp float64) []int16 {
	r := rand.New(rand.NewPCG(1, 2))
	pcm := make([]int16, int(dur.Seconds()*float64(rate)))
	for i := range pcm {
		pcm[i] = int16(amp * (2*r.Float64() - 1))
	}
	return pcm
}

// TestAnalyzeVoiceLike checks the measurements on signals whose pitch and
// rhythm are known, and that a typical male and female fundamental choose
// the matching gender.
func TestAnalyzeVoiceLike(t *testing.T) {
	tests := []struct {
		f0, syllables float64
		rate          int
		gender        string
	}{
		{120, 4, 16000, GenderMale},
		{210, 4, 16000, GenderFemale},
		{120, 5, 44100, GenderMale},
		{210, 3, 24000, GenderFemale},
		{100, 4, 8000, GenderMale},
	}
	for _, tt := range tests {
		a, err := Analyze(context.Background(), voiceLike(tt.f0, 0.08, tt.syllables, 3*time.Second, tt.rate), tt.rate)
		if err != nil {
			t.Fatalf("%v Hz at %d Hz: %v", tt.f0, tt.rate, err)
		}
		// YIN's interpolation between whole-sample lags reads up to 2%
		// high on these signals (audio.AnalyzePitch).
		if math.Abs(a.MedianF0/tt.f0-1) > 0.03 {
			t.Errorf("%v Hz: median F0 %.1f Hz", tt.f0, a.MedianF0)
		}
		// ±8% drift is ±1.33 semitones; the 10th to 90th percentile of a
		// sinusoid spans 0.95 of its swing.
		if s := a.F0Spread(); s < 2 || s > 3 {
			t.Errorf("%v Hz: F0 spread %.2f semitones, want about 2.5", tt.f0, s)
		}
		if math.Abs(a.SpeechRate/tt.syllables-1) > 0.15 {
			t.Errorf("%v Hz, %v syllables/s: speech rate %.2f", tt.f0, tt.syllables, a.SpeechRate)
		}
		if a.VoicedFraction < 0.8 {
			t.Errorf("%v Hz: voiced fraction %.2f", tt.f0, a.VoicedFraction)
		}
		if a.Duration != 3*time.Second || a.Speech < 2*time.Second || a.Speech > a.Duration {
			t.Errorf("%v Hz: duration %v, speech %v", tt.f0, a.Duration, a.Speech)
		}
		if a.Brightness <= tt.f0 || a.Brightness > 2000 {
			t.Errorf("%v Hz: brightness %.0f Hz", tt.f0, a.Brightness)
		}
		if p := Match(a, "English"); p.Gender != tt.gender {
			t.Errorf("%v Hz matched %s, want %s", tt.f0, p.Gender, tt.gender)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	const rate = 16000
	speech := voiceLike(150, 0.05, 4, 3*time.Second, rate)
	short := voiceLike(150, 0.05, 4, 900*time.Millisecond, rate)
	tests := []struct {
		name string
		pcm  []int16
		rate int
		want error
	}{
		{"empty", nil, rate, ErrTooShort},
		{"5 ms", speech[:80], rate, ErrTooShort},
		{"digital silence", make([]int16, 3*rate), rate, ErrSilent},
		{"noise at -75 dBFS", noise(3*time.Second, rate, 8), rate, ErrSilent},
		{"0.9 s of speech", short, rate, ErrTooShort},
		{"0.9 s of speech in 4 s of silence", append(append(make([]int16, 2*rate), short...), make([]int16, rate)...), rate, ErrTooShort},
		{"a click", append(append(make([]int16, rate), 30000, -30000), make([]int16, rate)...), rate, ErrTooShort},
		{"white noise", noise(3*time.Second, rate, 8000), rate, ErrUnvoiced},
		{"rate too low", speech, 500, ErrSampleRate},
		{"rate too high", speech, 1_000_000, ErrSampleRate},
		{"1 kHz", speech, 1000, ErrSampleRate},
		{"96 kHz", speech, 96000, ErrSampleRate},
		{"61 s", voiceLike(150, 0.05, 4, 61*time.Second, 8000), 8000, ErrTooLong},
	}
	for _, tt := range tests {
		_, err := Analyze(context.Background(), tt.pcm, tt.rate)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			continue
		}
		// The message carries the figure that failed, after the sentinel.
		if msg := err.Error(); !strings.HasPrefix(msg, tt.want.Error()+": ") || !strings.ContainsAny(msg[len(tt.want.Error()):], "0123456789") {
			t.Errorf("%s: unhelpful message %q", tt.name, msg)
		}
	}
	if _, err := Analyze(context.Background(), speech, rate); err != nil {
		t.Errorf("3 s of speech: %v", err)
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

// TestAnalyzeStopsWhenCancelled checks that an analysis whose context
// ends stops with its error: at once when it has ended before, and soon
// after when it ends in the middle of any stage.
func TestAnalyzeStopsWhenCancelled(t *testing.T) {
	// Every look at the context is a point where a cancelled analysis
	// stops: the longest reference must be looked at every few seconds.
	full := &countdownCtx{Context: context.Background(), left: 1 << 30}
	if _, err := Analyze(full, voiceLike(150, 0.05, 4, MaxReference, MaxReferenceRate), MaxReferenceRate); err != nil {
		t.Fatal(err)
	}
	if full.asked < 20 {
		t.Fatalf("a minute of audio analysed with %d looks at the context", full.asked)
	}
	const rate = 16000
	pcm := voiceLike(150, 0.05, 4, 12*time.Second, rate)
	all := &countdownCtx{Context: context.Background(), left: 1 << 30}
	if _, err := Analyze(all, pcm, rate); err != nil {
		t.Fatal(err)
	}
	for n := range all.asked {
		ctx := &countdownCtx{Context: context.Background(), left: n}
		if a, err := Analyze(ctx, pcm, rate); !errors.Is(err, context.Canceled) || a != (Analysis{}) {
			t.Fatalf("cancelled after %d looks: %+v, %v", n, a, err)
		}
		if ctx.asked != n+1 {
			t.Fatalf("cancelled after %d looks, went on for %d more", n, ctx.asked-n-1)
		}
	}
}

func brightnessOf(t *testing.T, pcm []int16, rate int) float64 {
	t.Helper()
	b, err := brightness(context.Background(), pcm, rate)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBrightness(t *testing.T) {
	for _, tt := range []struct {
		hz   float64
		rate int
	}{
		{300, 16000}, {1000, 16000}, {3000, 16000}, {1000, 48000}, {3000, 22050}, {1500, 8000},
	} {
		got := brightnessOf(t, sine(tt.hz, time.Second, tt.rate, 10000), tt.rate)
		if math.Abs(got/tt.hz-1) > 0.05 {
			t.Errorf("%v Hz sine at %d Hz: centroid %.0f Hz", tt.hz, tt.rate, got)
		}
	}
	// Content above 8 kHz is not measured, so rates above 16 kHz agree.
	a := brightnessOf(t, append(sine(2000, time.Second, 48000, 8000), sine(12000, time.Second, 48000, 8000)...), 48000)
	if math.Abs(a/2000-1) > 0.05 {
		t.Errorf("2 kHz then 12 kHz at 48 kHz: centroid %.0f Hz, want 2000", a)
	}
	// Stronger upper harmonics are brighter.
	dark, bright := voiceLike(150, 0, 4, time.Second, 16000), voiceLike(150, 0, 4, time.Second, 16000)
	for i := range bright {
		if i > 0 {
			bright[i] = dark[i] - dark[i-1]/2 // a gentle pre-emphasis
		}
	}
	if d, b := brightnessOf(t, dark, 16000), brightnessOf(t, bright, 16000); b <= d*1.2 {
		t.Errorf("pre-emphasis moved the centroid from %.0f to %.0f Hz", d, b)
	}
	if got := brightnessOf(t, make([]int16, 16000), 16000); got != 0 {
		t.Errorf("silence: centroid %v", got)
	}
}

func TestFFT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 8, 512} {
		x := make([]complex128, n)
		for i := range x {
			x[i] = complex(r.NormFloat64(), r.NormFloat64())
		}
		want := make([]complex128, n)
		for k := range want {
			for j, v := range x {
				want[k] += v * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/float64(n)))
			}
		}
		fft(x)
		for k := range x {
			if cmplx.Abs(x[k]-want[k]) > 1e-9*float64(n) {
				t.Fatalf("n=%d bin %d: %v, want %v", n, k, x[k], want[k])
			}
		}
	}
}

func TestF0Spread(t *testing.T) {
	for _, tt := range []struct {
		p10, p90, want float64
	}{
		{100, 200, 12},
		{100, 100, 0},
		{0, 200, 0},
		{200, 100, 0},
		{100, math.Inf(1), 0},
		{math.NaN(), 200, 0},
	} {
		if got := (Analysis{F0P10: tt.p10, F0P90: tt.p90}).F0Spread(); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("F0Spread(%v, %v) = %v, want %v", tt.p10, tt.p90, got, tt.want)
		}
	}
}
