package audio

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestPCMBytes(t *testing.T) {
	pcm := []int16{0, 1, -1, 256, 32767, -32768}
	want := []byte{0xAA, 0, 0, 1, 0, 0xFF, 0xFF, 0, 1, 0xFF, 0x7F, 0, 0x80}
	b := PCMToBytes([]byte{0xAA}, pcm)
	if !slices.Equal(b, want) {
		t.Fatalf("PCMToBytes = % x, want % x", b, want)
	}
	tests := []struct {
		name string
		in   []byte
		want []int16
	}{
		{"even", b[1:], pcm},
		{"odd trailing byte ignored", append(slices.Clone(b[1:]), 0x7F), pcm},
		{"single byte", []byte{1}, nil},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		got := BytesToPCM([]int16{7}, tt.in)
		if !slices.Equal(got, append([]int16{7}, tt.want...)) {
			t.Errorf("%s: BytesToPCM = %v, want 7 then %v", tt.name, got, tt.want)
		}
	}
}

func TestFades(t *testing.T) {
	const n = 120
	ones := func(k int) []int16 {
		s := make([]int16, k)
		for i := range s {
			s[i] = 20000
		}
		return s
	}
	in := ones(300)
	FadeIn(in, n)
	if in[0] != 0 {
		t.Errorf("FadeIn: first sample %d, want 0", in[0])
	}
	if in[n-1] < 19990 || in[n] != 20000 || in[299] != 20000 {
		t.Errorf("FadeIn: samples %d, %d, %d; want ~20000 at the end of the fade, untouched after", in[n-1], in[n], in[299])
	}
	// Monotonic rise and half gain in the middle of the fade.
	for i := 1; i < n; i++ {
		if in[i] < in[i-1] {
			t.Fatalf("FadeIn falls at %d", i)
		}
	}
	if in[n/2] != 10000 {
		t.Errorf("FadeIn: middle sample %d, want 10000", in[n/2])
	}

	out := ones(300)
	FadeOut(out, n)
	if out[299] != 0 {
		t.Errorf("FadeOut: last sample %d, want 0", out[299])
	}
	if out[300-n] < 19990 || out[299-n] != 20000 || out[0] != 20000 {
		t.Errorf("FadeOut: samples %d, %d, %d", out[300-n], out[299-n], out[0])
	}
	// FadeOut is FadeIn reversed.
	for i := range n {
		if out[299-i] != in[i] {
			t.Fatalf("FadeOut[%d] = %d, FadeIn[%d] = %d", 299-i, out[299-i], i, in[i])
		}
	}

	short := ones(10)
	FadeIn(short, 1000)
	if short[0] != 0 || short[9] == 0 {
		t.Errorf("FadeIn longer than input: %v", short)
	}
	FadeOut(nil, 5)
	FadeIn(nil, 5)
}

func TestGain(t *testing.T) {
	tests := []struct {
		g    float64
		in   []int16
		want []int16
	}{
		{0.5, []int16{1000, -1000, 3, -3}, []int16{500, -500, 2, -2}},
		{2, []int16{20000, -20000, 100}, []int16{32767, -32768, 200}},
		{-1, []int16{-32768, 32767}, []int16{32767, -32767}},
		{0, []int16{123}, []int16{0}},
		{math.NaN(), []int16{123}, []int16{0}},
		{math.Inf(1), []int16{1, -1, 0}, []int16{32767, -32768, 0}},
	}
	for _, tt := range tests {
		got := slices.Clone(tt.in)
		Gain(got, tt.g)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Gain(%v, %g) = %v, want %v", tt.in, tt.g, got, tt.want)
		}
	}
}

func TestMaxStep(t *testing.T) {
	tests := []struct {
		in   []int16
		want int
	}{
		{nil, 0},
		{[]int16{5}, 0},
		{[]int16{0, 10, 3}, 10},
		{[]int16{32767, -32768}, 65535},
		{[]int16{-5, 0, -100}, 100},
	}
	for _, tt := range tests {
		if got := MaxStep(tt.in); got != tt.want {
			t.Errorf("MaxStep(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		samples, rate int
		want          time.Duration
	}{
		{24000, 24000, time.Second},
		{960, 24000, 40 * time.Millisecond},
		{1, 22050, 45351 * time.Nanosecond},
		{0, 24000, 0},
		{100, 0, 0},
		{1 << 40, 24000, 45812984*time.Second + 490666666}, // overflows a naive samples*1e9
	}
	for _, tt := range tests {
		if got := Duration(tt.samples, tt.rate); got != tt.want {
			t.Errorf("Duration(%d, %d) = %v, want %v", tt.samples, tt.rate, got, tt.want)
		}
	}
}
