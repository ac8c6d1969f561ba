package turn

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 15, 0, 0, 0, time.UTC)

// at is the fake clock: ms milliseconds after t0.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// input is one call into the Machine.
type input struct {
	name string
	do   func(m *Machine, now time.Time) []Action
}

func speechStart() input {
	return input{"SpeechStart", func(m *Machine, now time.Time) []Action { return m.SpeechStart(now) }}
}

func speechEnd() input {
	return input{"SpeechEnd", func(m *Machine, now time.Time) []Action { return m.SpeechEnd(now) }}
}

func partial(text string) input {
	return input{fmt.Sprintf("Partial(%q)", text), func(m *Machine, now time.Time) []Action { return m.Partial(text, now) }}
}

func final(text string) input {
	return input{fmt.Sprintf("Final(%q)", text), func(m *Machine, now time.Time) []Action { return m.Final(text, now) }}
}

func typed(text string) input {
	return input{fmt.Sprintf("TypedText(%q)", text), func(m *Machine, now time.Time) []Action { return m.TypedText(text, now) }}
}

func delta(turn int, text string) input {
	return input{fmt.Sprintf("LLMDelta(%d, %q)", turn, text), func(m *Machine, now time.Time) []Action { return m.LLMDelta(turn, text, now) }}
}

func llmDone(turn int, full string) input {
	return input{fmt.Sprintf("LLMDone(%d, %q)", turn, full), func(m *Machine, now time.Time) []Action { return m.LLMDone(turn, full, now) }}
}

func queued(turn int, text string) input {
	return input{fmt.Sprintf("SegmentQueued(%d, %q)", turn, text), func(m *Machine, now time.Time) []Action { return m.SegmentQueued(turn, text, now) }}
}

// audio delivers ms milliseconds of 24 kHz TTS audio.
func audio(turn, ms int) input {
	return input{fmt.Sprintf("SegmentAudio(%d, %d ms)", turn, ms), func(m *Machine, now time.Time) []Action { return m.SegmentAudio(turn, ms*24, now) }}
}

func segDone(turn int) input {
	return input{fmt.Sprintf("SegmentDone(%d)", turn), func(m *Machine, now time.Time) []Action { return m.SegmentDone(turn, now) }}
}

func played(turn int, ms int64) input {
	return input{fmt.Sprintf("Playback(%d, %d)", turn, ms), func(m *Machine, now time.Time) []Action { return m.Playback(turn, ms, now) }}
}

func tick() input {
	return input{"Tick", func(m *Machine, now time.Time) []Action { return m.Tick(now) }}
}

// step is one input at a time, with the actions and state it must give.
// turn, when not zero, is the Turn the machine must report after it.
type step struct {
	at    int
	in    input
	want  []Action
	state State
	turn  int
}

// play runs steps on m, failing at the first step that differs.
func play(t *testing.T, m *Machine, steps []step) {
	t.Helper()
	for i, s := range steps {
		got := s.in.do(m, at(s.at))
		if !sameActions(got, s.want) {
			t.Fatalf("step %d, %s at %d ms:\n got: %s\nwant: %s", i, s.in.name, s.at, showActions(got), showActions(s.want))
		}
		if m.State() != s.state {
			t.Fatalf("step %d, %s at %d ms: state %v, want %v", i, s.in.name, s.at, m.State(), s.state)
		}
		if s.turn != 0 && m.Turn() != s.turn {
			t.Fatalf("step %d, %s at %d ms: turn %d, want %d", i, s.in.name, s.at, m.Turn(), s.turn)
		}
	}
}

func sameActions(got, want []Action) bool {
	if len(got) == 0 && len(want) == 0 {
		return true
	}
	return reflect.DeepEqual(got, want)
}

func showActions(as []Action) string {
	if len(as) == 0 {
		return "(none)"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%T%+v", a, a)
	}
	return strings.Join(parts, "\n      ")
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// Shorthands for the actions most scripts repeat.
func sc(from, to State, turn int) Action { return StateChanged{From: from, To: to, Turn: turn} }
func line(turn int, text string, final bool) Action {
	return EmitTranscript{Turn: turn, Text: text, Final: final}
}
