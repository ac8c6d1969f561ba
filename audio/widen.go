package audio

import (
	"math"
	"math/rand/v2"
)

// Widener settings; see "Telephone audio" in doc.go for how they were
// chosen.
const (
	// widenEdge is where the envelope's band starts: the top of the
	// telephone band, 2.5–4 kHz, where fricatives and bursts show.
	widenEdge = 2500.0
	// widenAttack is the envelope follower's step per 8 kHz sample: a
	// time constant of 2.5 ms, short enough to follow a burst.
	widenAttack = 0.05
	// widenGain scales the envelope onto the noise; widenFloor is the
	// noise's RMS when the top band is silent.
	widenGain  = 1.0
	widenFloor = 100.0
	// widenNoise is the white noise's level before shaping; it is divided
	// out again, so it only has to keep the Resampler's int16 well above
	// rounding.
	widenNoise = 8000.0
)

// Widener turns 8 kHz telephone audio into 16 kHz audio for a speech
// recogniser whose model was trained on wideband speech (pocketsphinx's
// US English model reads 130–6800 Hz). Telephone audio has nothing above
// 4 kHz, and such a model reads an empty upper band as silence: it hears
// next to nothing. The Widener upsamples the signal and fills 4–8 kHz
// with noise whose level follows the envelope of the signal's 2.5–4 kHz
// band, as a fricative's energy would continue upwards: a crude bandwidth
// extension, enough to give the recogniser features like those it was
// trained on. It is for recognition only: the fill is audible hiss.
//
// Like Resampler, its output is time-aligned with its input and any
// chunking of the same stream gives the same output. A Widener is not safe
// for concurrent use.
type Widener struct {
	up, noise *Resampler // 8 → 16 kHz: the signal, and the noise band
	rng       *rand.Rand

	hp  [2]hpSection // the envelope band's high-pass, fourth order
	env float64

	envs    []float64 // the envelope from input sample envBase on
	envBase int64
	out     int64 // output samples so far
	buf     []int16
	nbuf    []int16
}

// NewWidener returns a Widener from 8 kHz to 16 kHz.
func NewWidener() *Widener {
	w := &Widener{up: NewResampler(8000, 16000), noise: NewResampler(8000, 16000), rng: rand.New(rand.NewPCG(1, 2))}
	// Two second-order Butterworth high-passes at widenEdge (RBJ's
	// cookbook): a steep enough edge that voicing below it does not
	// lift the envelope.
	w0 := 2 * math.Pi * widenEdge / 8000
	cos, alpha := math.Cos(w0), math.Sin(w0)/math.Sqrt2
	a0 := 1 + alpha
	hp := hpSection{b0: (1 + cos) / 2 / a0, b1: -(1 + cos) / a0, b2: (1 + cos) / 2 / a0, a1: -2 * cos / a0, a2: (1 - alpha) / a0}
	w.hp = [2]hpSection{hp, hp}
	return w
}

// Process appends to dst the 16 kHz output that in (8 kHz) makes
// available and returns the extended slice.
func (w *Widener) Process(dst, in []int16) []int16 {
	for _, v := range in {
		y := w.hp[1].step(w.hp[0].step(float64(v)))
		w.env += (math.Abs(y) - w.env) * widenAttack
		w.envs = append(w.envs, w.env)
	}
	w.nbuf = w.nbuf[:0]
	for range in {
		w.nbuf = append(w.nbuf, int16(max(-32767, min(32767, w.rng.NormFloat64()*widenNoise))))
	}
	w.buf = w.up.Process(w.buf[:0], in)
	noise := w.noise.Process(nil, w.nbuf)
	// Both Resamplers have had the same input lengths, so they have
	// given the same number of outputs.
	for i, v := range w.buf {
		k := w.out + int64(i)
		env := w.envs[min(k/2-w.envBase, int64(len(w.envs)-1))]
		// Inverting every other sample shifts the noise's 0–4 kHz band
		// to 4–8 kHz.
		n := float64(noise[i]) / widenNoise
		if k%2 == 1 {
			n = -n
		}
		dst = append(dst, toInt16(float32(float64(v)+(widenGain*env+widenFloor)*n)))
	}
	w.out += int64(len(w.buf))
	// Keep the envelope from the next output's input time on.
	if drop := w.out/2 - w.envBase; drop > 0 {
		w.envs = w.envs[:copy(w.envs, w.envs[drop:])]
		w.envBase += drop
	}
	return dst
}

// hpSection is a second-order IIR filter section, direct form I.
type hpSection struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

func (f *hpSection) step(x float64) float64 {
	y := f.b0*x + f.b1*f.x1 + f.b2*f.x2 - f.a1*f.y1 - f.a2*f.y2
	f.x2, f.x1, f.y2, f.y1 = f.x1, x, f.y1, y
	return y
}
