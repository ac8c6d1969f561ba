//go:build cgo

package espeak

import (
	"flag"
	"math"
	"testing"
)

var calibrate = flag.Bool("calibrate", false, "print espeak-ng's pitch, range, rate and volume response")

const calibrationText = "The quick brown fox jumps over the lazy dog, and then it runs away into the forest."

func TestCalibrate(t *testing.T) {
	if !*calibrate {
		t.Skip("prints measurements; run with -calibrate")
	}
	e, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sr := e.SampleRate()
	for _, variant := range []string{"", "m3", "f2", "f4"} {
		_, base, _ := medianF0(speak(t, e, calibrationText, Params{Voice: "en-us", Variant: variant}), sr)
		for _, pitch := range []int{Zero, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100} {
			pcm := speak(t, e, calibrationText, Params{Voice: "en-us", Variant: variant, Pitch: pitch})
			lo, med, hi := medianF0(pcm, sr)
			t.Logf("pitch variant=%-3s pitch=%3d F0 p10=%6.1f median=%6.1f p90=%6.1f  st=%+6.2f", variant, pitch, lo, med, hi, 12*math.Log2(med/base))
		}
	}
	for _, variant := range []string{"", "f2"} {
		for _, rng := range []int{Zero, 10, 25, 50, 75, 100} {
			pcm := speak(t, e, calibrationText, Params{Voice: "en-us", Variant: variant, Range: rng})
			lo, med, hi := medianF0(pcm, sr)
			t.Logf("range variant=%-3s range=%3d F0 p10=%6.1f median=%6.1f p90=%6.1f spread=%5.2f st", variant, rng, lo, med, hi, 12*math.Log2(hi/lo))
		}
	}
	base := speechSeconds(speak(t, e, calibrationText, Params{Voice: "en-us"}), sr)
	for _, rate := range []int{80, 100, 130, 175, 220, 260, 300, 350, 400, 449, 450, 500, 600, 700, 800, 1000} {
		d := speechSeconds(speak(t, e, calibrationText, Params{Voice: "en-us", Rate: rate}), sr)
		t.Logf("rate=%3d duration=%.3fs  speedup=%.3f  rate/175=%.3f", rate, d, base/d, float64(rate)/175)
	}
	loud := rms(speak(t, e, calibrationText, Params{Voice: "en-us"}))
	for _, vol := range []int{10, 25, 50, 75, 100, 125, 150, 200} {
		r := rms(speak(t, e, calibrationText, Params{Voice: "en-us", Volume: vol}))
		t.Logf("volume=%3d rms=%7.1f ratio=%.3f vol/100=%.2f", vol, r, r/loud, float64(vol)/100)
	}
}
