package vad

import (
	"slices"
	"testing"
	"time"
)

// Frames are 32 ms (512 samples at 16 kHz). With the defaults, MinSpeech
// (150 ms) takes 5 frames (160 ms) and Hangover (400 ms) 13 frames
// (416 ms); the thresholds are 0.5 and 0.35.
const frameLen = 512

// run is a probability p repeated n frames.
type run struct {
	p float64
	n int
}

func probs(runs ...run) []float64 {
	var ps []float64
	for _, r := range runs {
		for range r.n {
			ps = append(ps, r.p)
		}
	}
	return ps
}

// mevent is an expected event: its type, its position in frames, and the
// frame whose probability caused it (counted from zero).
type mevent struct {
	typ       EventType
	at, frame int
}

func TestMachine(t *testing.T) {
	const (
		S = 0.9  // speech
		A = 0.4  // ambiguous: between the thresholds
		Q = 0.05 // silence
	)
	tests := []struct {
		name  string
		probs []float64
		want  []mevent
	}{
		{"silence", probs(run{Q, 100}), nil},
		{"burst shorter than MinSpeech", probs(run{Q, 10}, run{S, 4}, run{Q, 30}), nil},
		{"repeated short bursts", probs(run{Q, 10}, run{S, 4}, run{Q, 1}, run{S, 4}, run{Q, 1}, run{S, 4}, run{Q, 30}), nil},
		{"burst of exactly MinSpeech", probs(run{Q, 10}, run{S, 5}, run{Q, 30}),
			// Start decided on the 5th speech frame (index 14); end after
			// 13 frames of silence (index 27).
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 15, 27}}},
		{"utterance", probs(run{Q, 10}, run{S, 40}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 50, 62}}},
		{"speech from the first frame", probs(run{S, 20}, run{Q, 20}),
			[]mevent{{SpeechStart, 0, 4}, {SpeechEnd, 20, 32}}},
		{"pause shorter than Hangover", probs(run{Q, 10}, run{S, 20}, run{Q, 12}, run{S, 20}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 62, 74}}},
		{"pause of Hangover", probs(run{Q, 10}, run{S, 20}, run{Q, 13}, run{S, 20}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 30, 42}, {SpeechStart, 43, 47}, {SpeechEnd, 63, 75}}},
		{"many short pauses", probs(run{Q, 10}, run{S, 10}, run{Q, 8}, run{S, 3}, run{Q, 12}, run{S, 10}, run{Q, 10}, run{S, 1}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 64, 76}}},
		{"ambiguous frames never start speech", probs(run{Q, 5}, run{A, 100}), nil},
		{"ambiguous frames complete MinSpeech", probs(run{Q, 10}, run{S, 1}, run{A, 4}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 15, 27}}},
		{"silence drops a candidate", probs(run{Q, 10}, run{S, 3}, run{Q, 1}, run{S, 5}, run{Q, 30}),
			[]mevent{{SpeechStart, 14, 18}, {SpeechEnd, 19, 31}}},
		{"ambiguous tail extends speech", probs(run{Q, 10}, run{S, 20}, run{A, 6}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 36, 48}}},
		{"ambiguous frames after a pause do not", probs(run{Q, 10}, run{S, 20}, run{Q, 1}, run{A, 12}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 30, 42}}},
		{"ambiguous frames do not reset the hangover", probs(run{Q, 10}, run{S, 20}, run{Q, 6}, run{A, 3}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 30, 42}}},
		{"speech resets it", probs(run{Q, 10}, run{S, 20}, run{Q, 12}, run{S, 1}, run{Q, 30}),
			[]mevent{{SpeechStart, 10, 14}, {SpeechEnd, 43, 55}}},
		{"threshold is inclusive", probs(run{Q, 2}, run{0.5, 5}, run{0.35, 3}, run{0.3499, 13}),
			[]mevent{{SpeechStart, 2, 6}, {SpeechEnd, 10, 22}}},
		{"unfinished utterance", probs(run{Q, 10}, run{S, 20}, run{Q, 12}),
			[]mevent{{SpeechStart, 10, 14}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(Config{}.WithDefaults())
			var got []mevent
			for i, p := range tt.probs {
				start := int64(i * frameLen)
				typ, at, ok := m.step(p, start, start+frameLen)
				if !ok {
					continue
				}
				if at%frameLen != 0 {
					t.Fatalf("%v at sample %d, not a frame boundary", typ, at)
				}
				got = append(got, mevent{typ, int(at / frameLen), i})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %v\nwant   %v", got, tt.want)
			}
		})
	}
}

// TestMachineDurations: the frame counts above follow from the durations,
// for other settings too: speech starts on the frame that makes it at
// least MinSpeech long and ends on the first frame that makes the pause at
// least Hangover long.
func TestMachineDurations(t *testing.T) {
	for _, tc := range []struct {
		minSpeech, hangover time.Duration
		startFrames         int // frames of speech before the start
		endFrames           int // frames of silence before the end
	}{
		{150 * time.Millisecond, 400 * time.Millisecond, 5, 13},
		{32 * time.Millisecond, 32 * time.Millisecond, 1, 1},
		{33 * time.Millisecond, 300 * time.Millisecond, 2, 10},
		{500 * time.Millisecond, time.Second, 16, 32},
	} {
		m := newMachine(Config{MinSpeech: tc.minSpeech, Hangover: tc.hangover}.WithDefaults())
		ps := probs(run{0.9, 40}, run{0, 40})
		var starts, ends []int
		for i, p := range ps {
			typ, _, ok := m.step(p, int64(i*frameLen), int64((i+1)*frameLen))
			switch {
			case ok && typ == SpeechStart:
				starts = append(starts, i)
			case ok && typ == SpeechEnd:
				ends = append(ends, i)
			}
		}
		wantStart, wantEnd := []int{tc.startFrames - 1}, []int{40 + tc.endFrames - 1}
		if !slices.Equal(starts, wantStart) || !slices.Equal(ends, wantEnd) {
			t.Errorf("MinSpeech %v, Hangover %v: start decided at frames %v, end at %v; want %v, %v",
				tc.minSpeech, tc.hangover, starts, ends, wantStart, wantEnd)
		}
	}
}
