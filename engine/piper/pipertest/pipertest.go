package pipertest

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Block is a symbol's length in samples at the model's rate and
// length_scale 1.
const Block = 1024

// Symbols returns what a test model speaks for sentences (the phoneme ids
// of each run) with speaker sid and the given scales.
func Symbols(sentences [][]int64, sid int, noiseScale, noiseW float64) []int {
	var out []int
	for _, ids := range sentences {
		out = append(out, sid, int(math.Round(noiseScale*100)), int(math.Round(noiseW*100)))
		for _, id := range ids {
			out = append(out, int(id))
		}
	}
	return out
}

// Decode reads the symbols of pcm at rate in blocks of n samples (not
// always a whole number once resampled): each block's strongest candidate
// frequency, or -1 for a silent block. A trailing part shorter than a
// block is ignored.
func Decode(pcm []int16, rate int, n float64) []int {
	var out []int
	for i := 0; ; i++ {
		lo, hi := int(math.Round(float64(i)*n)), int(math.Round(float64(i+1)*n))
		if hi > len(pcm) {
			break
		}
		b := pcm[lo:hi]
		var energy float64
		for _, s := range b {
			energy += float64(s) * float64(s)
		}
		if math.Sqrt(energy/float64(len(b))) < 100 {
			out = append(out, -1)
			continue
		}
		best, bestP := 0, -1.0
		for k := 0; k <= 200; k++ {
			f := 200 + 40*float64(k)
			if f >= float64(rate)/2 {
				break
			}
			if p := goertzel(b, f/float64(rate)); p > bestP {
				best, bestP = k, p
			}
		}
		out = append(out, best)
	}
	return out
}

// goertzel is the power of x at frequency f (cycles per sample).
func goertzel(x []int16, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + c*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// Testdata is the absolute path of engine/piper/testdata, where the
// generated models and the real en_US-amy-low config are.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Install copies testdata's model and config into dir as the voice name:
// dir/name.onnx and dir/name.onnx.json. An empty model or config leaves
// that file out.
func Install(t testing.TB, dir, name, model, config string) {
	t.Helper()
	for src, dst := range map[string]string{model: name + ".onnx", config: name + ".onnx.json"} {
		if src == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(Testdata(), src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
