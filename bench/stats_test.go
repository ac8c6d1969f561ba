package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"empty", nil, 50, 0},
		{"one sample", []float64{7}, 50, 7},
		{"one sample p99", []float64{7}, 99, 7},
		{"p50 of 1..100", hundred, 50, 50},
		{"p90 of 1..100", hundred, 90, 90},
		{"p99 of 1..100", hundred, 99, 99},
		{"p100 is the max", hundred, 100, 100},
		{"tiny p is the min", hundred, 0.1, 1},
		{"p50 of two", []float64{1, 2}, 50, 1},
		{"p51 of two", []float64{1, 2}, 51, 2},
		{"p50 of four is a sample, not interpolated", []float64{1, 2, 10, 20}, 50, 2},
		{"p99 of ten is the max", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
		{"p90 of ten", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"negative samples", []float64{-30, -20, -10}, 50, -20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %g) = %g, want %g", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestDistOf(t *testing.T) {
	tests := []struct {
		name    string
		samples []float64
		want    Dist
	}{
		{"empty", nil, Dist{}},
		{"unsorted", []float64{5, 1, 4, 2, 3}, Dist{N: 5, Min: 1, Mean: 3, P50: 3, P90: 5, P99: 5, Max: 5}},
		{"with negatives", []float64{-4, 8, 2, -2}, Dist{N: 4, Min: -4, Mean: 1, P50: -2, P90: 8, P99: 8, Max: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distOf(tt.samples); got != tt.want {
				t.Errorf("distOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// timeline builds arrivals from (arrival ms, audio ms) pairs.
func timeline(pairs ...[2]int) []arrival {
	out := make([]arrival, len(pairs))
	for i, p := range pairs {
		out[i] = arrival{at: time.Duration(p[0]) * time.Millisecond, audio: time.Duration(p[1]) * time.Millisecond}
	}
	return out
}

func TestSimulatePlayback(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		frames    []arrival
		prebuffer int
		want      playback
	}{
		{"no frames", nil, 2, playback{}},
		{"one frame", timeline([2]int{10, 80}), 2, playback{end: 90 * ms}},
		// 80 ms chunks every 20 ms: far faster than playback.
		{"faster than real time", timeline([2]int{10, 80}, [2]int{30, 80}, [2]int{50, 80}, [2]int{70, 80}, [2]int{90, 80}), 2, playback{end: 430 * ms}},
		// Exactly real time after the prebuffer: the buffer never empties.
		{"real time", timeline([2]int{0, 80}, [2]int{80, 80}, [2]int{160, 80}, [2]int{240, 80}), 1, playback{end: 320 * ms}},
		// Start at 20 with 160 ms buffered: runs out at 180; the third chunk
		// comes at 300, so the player waits 120 ms.
		{"one gap longer than the buffer", timeline([2]int{10, 80}, [2]int{20, 80}, [2]int{300, 80}, [2]int{310, 80}), 2,
			playback{underruns: 1, dry: 120 * ms, end: 460 * ms}},
		// The same gap with a larger prebuffer is absorbed: start at 300
		// with 240 ms, runs out at 540; the last chunk is at 310.
		{"prebuffer absorbs the gap", timeline([2]int{10, 80}, [2]int{20, 80}, [2]int{300, 80}, [2]int{310, 80}), 3, playback{end: 620 * ms}},
		// Start at 40 with 80 ms: dry at 120, chunk at 200 (80 ms wait, runs
		// out at 280); dry again until 400 (120 ms wait).
		{"two underruns", timeline([2]int{0, 40}, [2]int{40, 40}, [2]int{200, 80}, [2]int{400, 40}), 2,
			playback{underruns: 2, dry: 200 * ms, end: 440 * ms}},
		// A gap exactly as long as the buffer is not an underrun.
		{"gap equal to the buffer", timeline([2]int{0, 50}, [2]int{0, 50}, [2]int{100, 50}), 2, playback{end: 150 * ms}},
		{"prebuffer larger than the generation", timeline([2]int{0, 10}, [2]int{500, 10}), 3, playback{end: 520 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := simulatePlayback(tt.frames, tt.prebuffer); got != tt.want {
				t.Errorf("simulatePlayback = %+v, want %+v", got, tt.want)
			}
		})
	}
}
