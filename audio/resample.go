package audio

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// Sample rates the resampler and ReadWAV accept. The bounds keep the filter
// table finite: the widest ratio (768:1) needs about 83,000 taps per output.
const (
	MinSampleRate = 1000
	MaxSampleRate = 768000
)

// Filter design. Every ratio uses the same prototype scaled to the lower of
// the two rates, so the figures below hold for all of them (doc.go lists the
// measured response).
const (
	// halfWidth is the prototype's half-length in samples at the lower rate:
	// each output sums 2*halfWidth inputs when upsampling, and proportionally
	// more when downsampling. It must be even so that the tap count is a
	// multiple of four, which the unrolled dot product relies on.
	halfWidth = 52
	// kaiserBeta sets the stopband depth; 0.1102*(A-8.7) for A = 90 dB.
	kaiserBeta = 8.96
	// cutoff is the -6 dB point as a fraction of the lower Nyquist. The
	// transition band must fit between 0.9 (end of the flat passband) and
	// 1.0 (the lower Nyquist, where the stopband must already hold so that
	// nothing aliases or images); centring it slightly low, with the taps
	// and beta above, measures 0.03 dB ripple and -89.8 dB stopband worst
	// case over the ratios in the tests.
	cutoff = 0.945
	// maxTableCoeffs bounds one ratio's table (4 MiB of float32). A ratio
	// whose exact polyphase table would be larger (rates without a useful
	// common divisor, such as 44100→48001) is served from a coarser grid of
	// phases with linear interpolation between neighbouring rows.
	maxTableCoeffs = 1 << 20
	maxGridPhases  = 1024
	minGridPhases  = 16
	// bankCacheSize bounds how many ratios stay cached. Rates come from
	// uploaded files too, so the cache must not grow without limit.
	bankCacheSize = 16
)

// Resampler converts a stream of 16-bit mono PCM from one rate to another
// with a polyphase windowed-sinc (Kaiser) filter. Its output is time-aligned
// with its input: output sample k is the signal at input time k·in/out, with
// the filter's delay compensated, and a stream of n input samples yields
// ceil(n·out/in) output samples. Feeding the same stream in any chunking
// produces bit-identical output.
//
// A Resampler is not safe for concurrent use; filter tables are shared
// between Resamplers of the same ratio.
type Resampler struct {
	bank *filterBank // nil when the rates are equal

	// hist holds input samples from absolute index base onwards. Before the
	// stream starts it holds the zeros that stand for the signal before
	// time 0.
	hist []float32
	base int64

	consumed int64 // input samples since the last reset
	n        int64 // integer input position of the next output
	phase    int   // fractional position of the next output, in 1/L steps
}

// NewResampler returns a Resampler from inRate to outRate (Hz). It panics
// if a rate lies outside [MinSampleRate, MaxSampleRate]: rates are either
// constants or validated input (ReadWAV checks the same bounds).
func NewResampler(inRate, outRate int) *Resampler {
	for _, rate := range []int{inRate, outRate} {
		if rate < MinSampleRate || rate > MaxSampleRate {
			panic(fmt.Sprintf("audio: sample rate %d outside [%d, %d]", rate, MinSampleRate, MaxSampleRate))
		}
	}
	r := &Resampler{}
	if inRate != outRate {
		r.bank = bankFor(inRate, outRate)
	}
	r.Reset()
	return r
}

// Resample converts a whole signal at once. It is the same as one Process
// of all of in followed by Flush.
func Resample(in []int16, inRate, outRate int) []int16 {
	r := NewResampler(inRate, outRate)
	out := make([]int16, 0, r.OutputLen(len(in)))
	// Feeding in blocks bounds the float32 history to a block plus the
	// filter length instead of a copy of the whole input.
	const block = 8192
	for len(in) > 0 {
		n := min(len(in), block)
		out = r.Process(out, in[:n])
		in = in[n:]
	}
	return r.Flush(out)
}

// OutputLen is the number of samples a whole stream of n input samples
// produces: ceil(n·outRate/inRate).
func (r *Resampler) OutputLen(n int) int {
	if r.bank == nil {
		return n
	}
	l, m := int64(r.bank.l), int64(r.bank.m)
	return int((int64(n)*l + m - 1) / m)
}

// Reset forgets the stream so the Resampler can start a new one. It keeps
// its buffers, so reuse does not allocate.
func (r *Resampler) Reset() {
	r.consumed, r.n, r.phase = 0, 0, 0
	if r.bank == nil {
		return
	}
	// The first output, at time 0, reaches back half-1 samples before the
	// stream: those are silence.
	pre := r.bank.half - 1
	r.hist = slices.Grow(r.hist[:0], pre)[:pre]
	clear(r.hist)
	r.base = -int64(pre)
}

// Delay is how many output samples the Resampler holds back while
// streaming: the filter's group delay, which it compensates by waiting for
// that much future input rather than by shifting the output. After n input
// samples, Process has returned at least OutputLen(n)-Delay() samples in
// all; Flush returns the rest.
func (r *Resampler) Delay() int {
	if r.bank == nil {
		return 0
	}
	l, m := int64(r.bank.l), int64(r.bank.m)
	return int((int64(r.bank.half)*l + m - 1) / m)
}

// Process appends to dst the output that in makes available and returns
// the extended slice.
func (r *Resampler) Process(dst, in []int16) []int16 {
	if r.bank == nil {
		return append(dst, in...)
	}
	r.consumed += int64(len(in))
	r.hist = appendFloat(r.hist, in)
	return r.run(dst)
}

// Flush appends the output still held back (the end of the stream, as if
// silence followed it) and resets the Resampler.
func (r *Resampler) Flush(dst []int16) []int16 {
	if r.bank == nil {
		return dst
	}
	// Zeros up to half samples past the end let every output whose time
	// falls inside the stream see its whole window; no output past the end
	// is produced because its centre would need input index >= consumed.
	pad := r.consumed + int64(r.bank.half) - (r.base + int64(len(r.hist)))
	if pad > 0 {
		r.hist = slices.Grow(r.hist, int(pad))
		start := len(r.hist)
		r.hist = r.hist[:start+int(pad)]
		clear(r.hist[start:])
	}
	dst = r.run(dst)
	r.Reset()
	return dst
}

// run produces every output whose window lies inside hist, then drops the
// history no later output needs.
func (r *Resampler) run(dst []int16) []int16 {
	b := r.bank
	half := int64(b.half)
	last := r.base + int64(len(r.hist)) - 1
	if r.n+half <= last {
		dst = slices.Grow(dst, int((last-half-r.n+1)*int64(b.l)/int64(b.m))+1)
	}
	for r.n+half <= last {
		start := int(r.n - half + 1 - r.base)
		win := r.hist[start : start+b.taps]
		var y float32
		if b.grid == 0 {
			y = dot(b.row(r.phase), win)
		} else {
			pos := float64(r.phase) * float64(b.grid) / float64(b.l)
			i := int(pos)
			f := float32(pos - float64(i))
			y = (1-f)*dot(b.row(i), win) + f*dot(b.row(i+1), win)
		}
		dst = append(dst, toInt16(y))
		r.phase += b.stepFrac
		r.n += int64(b.stepInt)
		if r.phase >= b.l {
			r.phase -= b.l
			r.n++
		}
	}
	if drop := int(r.n - half + 1 - r.base); drop > 0 {
		drop = min(drop, len(r.hist))
		kept := copy(r.hist, r.hist[drop:])
		r.hist = r.hist[:kept]
		r.base += int64(drop)
	}
	return dst
}

func appendFloat(dst []float32, in []int16) []float32 {
	dst = slices.Grow(dst, len(in))
	start := len(dst)
	dst = dst[:start+len(in)]
	out := dst[start:]
	for i, v := range in {
		out[i] = float32(v)
	}
	return dst
}

// dot is the inner loop of every resampled sample. Four accumulators break
// the dependency chain; len(h) is a multiple of four.
func dot(h, x []float32) float32 {
	x = x[:len(h)]
	var s0, s1, s2, s3 float32
	for i := 0; i+4 <= len(h); i += 4 {
		hh := h[i : i+4 : i+4]
		xx := x[i : i+4 : i+4]
		s0 += hh[0] * xx[0]
		s1 += hh[1] * xx[1]
		s2 += hh[2] * xx[2]
		s3 += hh[3] * xx[3]
	}
	return (s0 + s1) + (s2 + s3)
}

// toInt16 rounds half away from zero and saturates, so overshoot near full
// scale clips instead of wrapping around.
func toInt16(y float32) int16 {
	switch {
	case y >= 32767:
		return 32767
	case y <= -32768:
		return -32768
	case y >= 0:
		return int16(y + 0.5)
	default:
		return int16(y - 0.5)
	}
}

// filterBank is the polyphase table for one ratio L:M (output:input, reduced).
type filterBank struct {
	l, m     int
	stepInt  int // M / L: whole input samples per output
	stepFrac int // M % L
	half     int // half-width of the window in input samples
	taps     int // 2*half coefficients per row
	// grid is 0 for an exact table with one row per phase (L rows).
	// Otherwise the table has grid+1 rows sampling phases 0, 1/grid, ..., 1
	// and a phase between two rows is interpolated.
	grid   int
	coeffs []float32
}

func (b *filterBank) row(i int) []float32 {
	return b.coeffs[i*b.taps : (i+1)*b.taps : (i+1)*b.taps]
}

type bankKey struct{ l, m int }

type bankEntry struct {
	once sync.Once
	bank *filterBank
}

// banks caches filter tables by ratio, least recently used last out.
var banks struct {
	sync.Mutex
	entries map[bankKey]*bankEntry
	order   []bankKey // most recently used at the end
}

func bankFor(inRate, outRate int) *filterBank {
	g := gcd(inRate, outRate)
	key := bankKey{l: outRate / g, m: inRate / g}

	banks.Lock()
	if banks.entries == nil {
		banks.entries = make(map[bankKey]*bankEntry)
	}
	e, ok := banks.entries[key]
	if ok {
		i := slices.Index(banks.order, key)
		banks.order = append(slices.Delete(banks.order, i, i+1), key)
	} else {
		e = &bankEntry{}
		banks.entries[key] = e
		banks.order = append(banks.order, key)
		if len(banks.order) > bankCacheSize {
			delete(banks.entries, banks.order[0])
			banks.order = slices.Delete(banks.order, 0, 1)
		}
	}
	banks.Unlock()

	// Built outside the lock: a large table takes milliseconds, and other
	// ratios need not wait for it.
	e.once.Do(func() { e.bank = newFilterBank(key.l, key.m) })
	return e.bank
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func newFilterBank(l, m int) *filterBank {
	// In input samples, the prototype's bandwidth and length scale with
	// the lower rate: downsampling by M/L widens the window by M/L.
	scale := max(1, float64(m)/float64(l))
	half := int(math.Ceil(halfWidth * scale))
	half += half % 2
	b := &filterBank{
		l: l, m: m,
		stepInt: m / l, stepFrac: m % l,
		half: half, taps: 2 * half,
	}
	rows := l
	if l*b.taps > maxTableCoeffs {
		b.grid = min(maxGridPhases, max(minGridPhases, maxTableCoeffs/b.taps))
		rows = b.grid + 1
	}
	fc := cutoff * 0.5 / scale // cycles per input sample
	b.coeffs = make([]float32, rows*b.taps)
	den := float64(l)
	if b.grid != 0 {
		den = float64(b.grid)
	}
	row := make([]float64, b.taps)
	for r := range rows {
		frac := float64(r) / den
		sum := 0.0
		for j := range row {
			// Coefficient j weighs input n-half+1+j for an output at
			// time n+frac.
			t := frac + float64(half-1-j)
			row[j] = kernel(t, fc, float64(half))
			sum += row[j]
		}
		// Unity gain at DC for every phase removes the small phase-to-phase
		// gain differences that would otherwise modulate the output.
		out := b.coeffs[r*b.taps : (r+1)*b.taps]
		for j, v := range row {
			out[j] = float32(v / sum)
		}
	}
	return b
}

// kernel is the Kaiser-windowed sinc with cutoff fc (cycles per sample) and
// window half-width half, at time t (samples).
func kernel(t, fc, half float64) float64 {
	u := t / half
	if u <= -1 || u >= 1 {
		return 0
	}
	x := 2 * fc * t
	s := 1.0
	if x != 0 {
		s = math.Sin(math.Pi*x) / (math.Pi * x)
	}
	return 2 * fc * s * besselI0(kaiserBeta*math.Sqrt(1-u*u)) / besselI0(kaiserBeta)
}

// besselI0 is the modified Bessel function of the first kind, order 0, by
// its power series (converges quickly for the arguments a window needs).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; term > sum*1e-17; k++ {
		term *= q / float64(k*k)
		sum += term
	}
	return sum
}
