package bench

import (
	"math"
	"slices"
	"time"
)

// Dist summarises a set of samples exactly. Units are those of the field
// that holds it (milliseconds for latencies; a plain ratio for real-time
// factors). A Dist of no samples is all zero.
type Dist struct {
	N    int     `json:"n"`
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// distOf summarises samples, sorting them in place.
func distOf(samples []float64) Dist {
	if len(samples) == 0 {
		return Dist{}
	}
	slices.Sort(samples)
	var sum float64
	for _, v := range samples {
		sum += v
	}
	return Dist{
		N:    len(samples),
		Min:  samples[0],
		Mean: sum / float64(len(samples)),
		P50:  percentile(samples, 50),
		P90:  percentile(samples, 90),
		P99:  percentile(samples, 99),
		Max:  samples[len(samples)-1],
	}
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted samples: the smallest sample that at least p percent of the
// samples do not exceed. It is always one of the samples, so a p99 of 100
// samples is the 99th smallest, not an interpolation. It is 0 for no
// samples.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// arrival is one audio frame as the client saw it: when it arrived (from
// any fixed origin) and how much audio it carried.
type arrival struct {
	at    time.Duration
	audio time.Duration
}

// playback is what a simulated player heard of one generation.
type playback struct {
	underruns int           // times the buffer ran dry before a later frame
	dry       time.Duration // total time spent waiting for those frames
	end       time.Duration // when the last frame has been played
}

// simulatePlayback plays frames in real time on a player that starts once
// prebuffer frames have arrived (or with all of them, if fewer came) and
// reports every time its buffer runs dry before a later frame arrives.
func simulatePlayback(frames []arrival, prebuffer int) playback {
	var pb playback
	if len(frames) == 0 {
		return pb
	}
	n := min(prebuffer, len(frames))
	// Playback starts when the n-th frame arrives, with all n buffered.
	runsOut := frames[n-1].at
	for _, f := range frames[:n] {
		runsOut += f.audio
	}
	for _, f := range frames[n:] {
		if f.at > runsOut {
			pb.underruns++
			pb.dry += f.at - runsOut
			runsOut = f.at
		}
		runsOut += f.audio
	}
	pb.end = runsOut
	return pb
}
