package audio

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"testing"
)

// ratios are the conversions the server and the voice agent use, plus one
// without a useful common divisor to exercise the interpolated table.
var ratios = []struct{ in, out int }{
	{22050, 24000},
	{16000, 24000},
	{8000, 24000},
	{48000, 24000},
	{44100, 24000},
	{24000, 16000},
	{48000, 16000},
	{24000, 48000},
	{44100, 48001},
}

// filterResponse measures the polyphase table of a ratio as one long
// filter at L times the input rate: the largest deviation from unity gain in
// the passband (up to 0.9 of the lower Nyquist) and the largest gain from
// the lower Nyquist up.
func filterResponse(b *filterBank) (rippleDB, stopDB float64) {
	phases, den := b.l, b.l
	if b.grid != 0 {
		phases, den = b.grid, b.grid
	}
	size := 1
	for size < 8*phases*b.taps {
		size <<= 1
	}
	a := make([]complex128, size)
	for p := range phases {
		row := b.row(p)
		for j, c := range row {
			a[(b.taps-1-j)*den+p] = complex(float64(c)/float64(den), 0)
		}
	}
	fft(a)
	lower := 0.5 * min(1, float64(b.l)/float64(b.m)) // cycles per input sample
	stopDB = math.Inf(-1)
	for i := range size / 2 {
		f := float64(i) * float64(den) / float64(size)
		g := db(cmplxAbs(a[i]))
		switch {
		case f <= 0.9*lower:
			rippleDB = max(rippleDB, math.Abs(g))
		case f >= lower:
			stopDB = max(stopDB, g)
		}
	}
	return rippleDB, stopDB
}

func cmplxAbs(c complex128) float64 { return math.Hypot(real(c), imag(c)) }

func TestFilterResponse(t *testing.T) {
	for _, r := range ratios {
		t.Run(fmt.Sprintf("%d-%d", r.in, r.out), func(t *testing.T) {
			b := bankFor(r.in, r.out)
			ripple, stop := filterResponse(b)
			t.Logf("L=%d M=%d taps=%d grid=%d ripple=%.4f dB stopband=%.1f dB", b.l, b.m, b.taps, b.grid, ripple, stop)
			if ripple > 0.1 {
				t.Errorf("passband ripple %.4f dB, want <= 0.1", ripple)
			}
			if stop > -80 {
				t.Errorf("stopband %.1f dB, want <= -80", stop)
			}
		})
	}
}

func TestResampleTone(t *testing.T) {
	const amp = 16384.0
	for _, r := range ratios {
		lowerNyquist := float64(min(r.in, r.out)) / 2
		for _, freq := range []float64{1000, 5000, 9000} {
			if freq > 0.9*lowerNyquist || (freq == 9000 && r.in != 22050 && r.in != 44100) {
				continue
			}
			t.Run(fmt.Sprintf("%d-%d/%gHz", r.in, r.out, freq), func(t *testing.T) {
				in := sine(r.in/4, r.in, freq, amp)
				out := Resample(in, r.in, r.out)
				// Skip the filter's edge transients at both ends.
				edge := r.out / 50
				mid := out[edge : len(out)-edge]
				gotAmp := toneAmplitude(mid, r.out, freq)
				wantAmp := toneAmplitude(in[r.in/50:len(in)-r.in/50], r.in, freq)
				if d := db(gotAmp / wantAmp); math.Abs(d) > 0.1 {
					t.Errorf("amplitude %.1f, want %.1f (%.3f dB)", gotAmp, wantAmp, d)
				}
				if got := zeroCrossingFreq(mid, r.out); math.Abs(got-freq) > freq*1e-4 {
					t.Errorf("frequency %.3f Hz, want %g", got, freq)
				}
			})
		}
	}
}

func TestResampleRejectsAboveNyquist(t *testing.T) {
	const amp = 30000.0
	tests := []struct {
		in, out int
		freq    float64
	}{
		{48000, 24000, 12100},
		{48000, 24000, 14000},
		{48000, 24000, 20000},
		{24000, 16000, 8100},
		{24000, 16000, 11000},
		{48000, 16000, 8100},
		{44100, 24000, 12500},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d/%gHz", tt.in, tt.out, tt.freq), func(t *testing.T) {
			in := sine(tt.in/4, tt.in, tt.freq, amp)
			out := Resample(in, tt.in, tt.out)
			edge := tt.out / 50
			mid := out[edge : len(out)-edge]
			// The tone folds back to |freq - k*out| for the nearest k.
			alias := math.Abs(tt.freq - math.Round(tt.freq/float64(tt.out))*float64(tt.out))
			aliasDB := db(toneAmplitude(mid, tt.out, alias) / amp)
			rms := 0.0
			for _, v := range mid {
				rms += float64(v) * float64(v)
			}
			rmsDB := db(math.Sqrt(rms/float64(len(mid))) / (amp / math.Sqrt2))
			t.Logf("alias at %g Hz: %.1f dB; output RMS %.1f dB", alias, aliasDB, rmsDB)
			if aliasDB > -70 || rmsDB > -70 {
				t.Errorf("attenuation %.1f dB (alias), %.1f dB (RMS); want <= -70", aliasDB, rmsDB)
			}
		})
	}
}

func TestResampleStreamingMatchesOneShot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	in := noise(rng, 6000, 12000)
	for i, v := range sine(len(in), 16000, 440, 12000) {
		in[i] += v
	}
	for _, r := range ratios {
		t.Run(fmt.Sprintf("%d-%d", r.in, r.out), func(t *testing.T) {
			want := Resample(in, r.in, r.out)
			rs := NewResampler(r.in, r.out)
			for _, maxLen := range []int{1, 7, 300, 5000} {
				for round := range 2 {
					var got []int16
					for _, c := range randomChunks(rng, in, maxLen) {
						got = rs.Process(got, c)
					}
					got = rs.Flush(got)
					if !slices.Equal(got, want) {
						t.Fatalf("chunks up to %d (stream %d): output differs from one-shot (len %d vs %d)", maxLen, round, len(got), len(want))
					}
				}
			}
			// Reset in the middle of a stream forgets it.
			rs.Process(nil, in[:1234])
			rs.Reset()
			if got := rs.Flush(rs.Process(nil, in)); !slices.Equal(got, want) {
				t.Fatal("output after Reset differs from one-shot")
			}
		})
	}
}

func TestResampleLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lengths := []int{0, 1, 2, 3, 5, 50, 147, 160, 1001}
	for range 3 {
		lengths = append(lengths, rng.IntN(5000))
	}
	for _, r := range append(ratios, struct{ in, out int }{24000, 24000}) {
		for _, n := range lengths {
			got := len(Resample(make([]int16, n), r.in, r.out))
			exact := float64(n) * float64(r.out) / float64(r.in)
			if want := int(math.Ceil(exact - 1e-9)); got != want || math.Abs(float64(got)-math.Round(exact)) > 1 {
				t.Errorf("%d→%d, %d samples: got %d outputs, want ceil(%.3f) = %d", r.in, r.out, n, got, exact, want)
			}
		}
	}
}

func TestResampleImpulseAlignment(t *testing.T) {
	for _, r := range ratios {
		for _, at := range []int{0, 1, 37, 500, 999} {
			in := make([]int16, 1000)
			in[at] = 20000
			out := Resample(in, r.in, r.out)
			peak := 0
			for i, v := range out {
				if abs(int(v)) > abs(int(out[peak])) {
					peak = i
				}
			}
			want := float64(at) * float64(r.out) / float64(r.in)
			if math.Abs(float64(peak)-want) > 1 {
				t.Errorf("%d→%d impulse at input %d: peak at output %d, want %.2f", r.in, r.out, at, peak, want)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestResampleSilence(t *testing.T) {
	for _, r := range ratios {
		out := Resample(make([]int16, 4000), r.in, r.out)
		if i := slices.IndexFunc(out, func(v int16) bool { return v != 0 }); i >= 0 {
			t.Errorf("%d→%d: silence in, sample %d = %d out", r.in, r.out, i, out[i])
		}
	}
}

// A full-scale square wave overshoots (Gibbs) near every edge; the output
// must clip there, not wrap to the opposite sign.
func TestResampleFullScaleSquareSaturates(t *testing.T) {
	const period = 200
	in := make([]int16, 20*period)
	for i := range in {
		in[i] = 32767
		if i%period >= period/2 {
			in[i] = -32768
		}
	}
	for _, r := range ratios {
		out := Resample(in, r.in, r.out)
		scale := max(1, float64(r.in)/float64(r.out))
		clipped := 0
		for k, v := range out {
			tIn := float64(k) * float64(r.in) / float64(r.out)
			// Distance from the nearest edge, which lies midway between the
			// last sample of one level and the first of the next.
			pos := math.Mod(tIn+0.5, period/2)
			if math.Min(pos, period/2-pos) < 1.5*scale {
				continue
			}
			positive := math.Mod(tIn, period) < period/2
			if (positive && v < 16384) || (!positive && v > -16384) {
				t.Fatalf("%d→%d: output %d at input time %.2f, want the plateau's sign", r.in, r.out, v, tIn)
			}
			if v == 32767 || v == -32768 {
				clipped++
			}
		}
		if clipped == 0 {
			t.Errorf("%d→%d: no sample clipped; the test no longer exercises overshoot", r.in, r.out)
		}
	}
}

func TestToInt16(t *testing.T) {
	tests := []struct {
		in   float32
		want int16
	}{
		{0, 0}, {0.49, 0}, {0.5, 1}, {-0.5, -1}, {-0.49, 0},
		{32766.6, 32767}, {32767, 32767}, {40000, 32767}, {1e30, 32767},
		{-32767.6, -32768}, {-32768, -32768}, {-40000, -32768}, {-1e30, -32768},
	}
	for _, tt := range tests {
		if got := toInt16(tt.in); got != tt.want {
			t.Errorf("toInt16(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestResampleSameRateCopies(t *testing.T) {
	in := []int16{1, -2, 3, 32767, -32768}
	out := Resample(in, 24000, 24000)
	if !slices.Equal(out, in) {
		t.Fatalf("got %v, want %v", out, in)
	}
	out[0] = 99
	if in[0] != 1 {
		t.Fatal("output aliases the input")
	}
	if d := NewResampler(24000, 24000).Delay(); d != 0 {
		t.Fatalf("Delay = %d, want 0", d)
	}
}

func TestResampleDelayBoundsHeldBack(t *testing.T) {
	for _, r := range ratios {
		rs := NewResampler(r.in, r.out)
		for _, n := range []int{0, 1, 10, 100, 1000, 4321} {
			rs.Reset()
			got := len(rs.Process(nil, make([]int16, n)))
			held := rs.OutputLen(n) - got
			if held < 0 || held > rs.Delay() {
				t.Errorf("%d→%d after %d inputs: %d outputs held back, Delay() = %d", r.in, r.out, n, held, rs.Delay())
			}
		}
		// The bound is tight: a long stream holds back Delay() or one less.
		rs.Reset()
		n := 20000
		if held := rs.OutputLen(n) - len(rs.Process(nil, make([]int16, n))); held < rs.Delay()-1 {
			t.Errorf("%d→%d: holds back %d, Delay() = %d overstates it", r.in, r.out, held, rs.Delay())
		}
	}
}

func TestResampleReuseDoesNotAllocate(t *testing.T) {
	rs := NewResampler(22050, 24000)
	in := sine(1024, 22050, 300, 10000)
	dst := make([]int16, 0, 4096)
	for range 3 {
		dst = rs.Flush(rs.Process(dst[:0], in))
	}
	allocs := testing.AllocsPerRun(20, func() {
		dst = rs.Process(dst[:0], in)
		dst = rs.Flush(dst)
		rs.Reset()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per segment after warm-up, want 0", allocs)
	}
}

func TestNewResamplerPanicsOnBadRate(t *testing.T) {
	for _, rates := range [][2]int{{0, 24000}, {24000, -1}, {999, 24000}, {24000, MaxSampleRate + 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewResampler(%d, %d) did not panic", rates[0], rates[1])
				}
			}()
			NewResampler(rates[0], rates[1])
		}()
	}
}

// Tables are shared across Resamplers and goroutines; more ratios than the
// cache holds must still give correct, identical results under -race.
func TestFilterBankCacheConcurrent(t *testing.T) {
	in := sine(3000, 8000, 700, 8000)
	var wg sync.WaitGroup
	results := make([][]int16, 2*(bankCacheSize+4))
	for i := range results {
		wg.Go(func() {
			results[i] = Resample(in, 8000, 9000+(i/2)*1000)
		})
	}
	wg.Wait()
	for i := 0; i < len(results); i += 2 {
		if !slices.Equal(results[i], results[i+1]) {
			t.Fatalf("ratio %d: concurrent results differ", i/2)
		}
		if want := Resample(in, 8000, 9000+(i/2)*1000); !slices.Equal(results[i], want) {
			t.Fatalf("ratio %d: result differs after cache eviction", i/2)
		}
	}
	banks.Lock()
	n := len(banks.entries)
	banks.Unlock()
	if n > bankCacheSize {
		t.Fatalf("cache holds %d ratios, want at most %d", n, bankCacheSize)
	}
}

func BenchmarkResample(b *testing.B) {
	for _, r := range []struct{ in, out int }{{22050, 24000}, {16000, 24000}, {48000, 16000}, {44100, 24000}} {
		b.Run(fmt.Sprintf("%d-%d", r.in, r.out), func(b *testing.B) {
			// Pieces of ~46 ms, about what an engine callback delivers.
			in := sine(r.in/20, r.in, 440, 10000)
			rs := NewResampler(r.in, r.out)
			dst := make([]int16, 0, 2*len(in)*r.out/r.in+rs.Delay())
			outPer := 0
			start := time.Now()
			for b.Loop() {
				dst = rs.Process(dst[:0], in)
				outPer = len(dst)
			}
			elapsed := time.Since(start)
			audio := float64(b.N) * float64(len(in)) / float64(r.in)
			b.ReportMetric(audio/elapsed.Seconds(), "x-realtime")
			b.ReportMetric(float64(elapsed.Nanoseconds())/(float64(b.N)*float64(outPer)), "ns/sample")
		})
	}
}
