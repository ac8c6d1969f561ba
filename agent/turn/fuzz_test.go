package turn

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var fuzzTexts = []string{"", "hello", " world.", "今天天气", " what is it", "  ", " Go语言 is fun.", "wait"}

// FuzzMachine feeds random events at random times, speech boundaries
// sometimes in the past as the VAD reports them, and checks the Machine's
// invariants after every call.
func FuzzMachine(f *testing.F) {
	for _, b := range fuzzSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := runMachine(data, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzSeeds are random event sequences; the opcode of each event is drawn
// with weights that get answers started, played and interrupted often.
func fuzzSeeds() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	weights := []int{0: 3, 1: 3, 2: 2, 3: 4, 4: 1, 5: 2, 6: 2, 7: 3, 8: 4, 9: 3, 10: 4, 11: 2}
	var ops []byte
	for op, w := range weights {
		for range w {
			ops = append(ops, byte(op))
		}
	}
	seeds := make([][]byte, 64)
	for i := range seeds {
		b := []byte{byte(rng.UintN(256))}
		for range 20 + rng.IntN(200) {
			b = append(b, ops[rng.IntN(len(ops))], byte(rng.UintN(64)), byte(rng.UintN(256)))
		}
		seeds[i] = b
	}
	return seeds
}

// runMachine plays data as events and returns the first broken invariant.
// seen, if not nil, collects the states and action types reached.
func runMachine(data []byte, seen map[string]bool) error {
	if len(data) == 0 {
		return nil
	}
	cfg := Config{BargeInMinSpeech: ms(100 * int(data[0]%4)), ResumeWindow: ms(300 * int(data[0]/4%4)), HoldPlayback: data[0]&16 != 0}
	m := New(cfg)
	c := newChecker()
	clock := 0
	var log []string
	for i := 1; i+2 < len(data); i += 3 {
		op, dt, arg := data[i]%12, int(data[i+1]), int(data[i+2])
		clock += dt * 5
		now := at(clock)
		turn := c.pickTurn(m, arg)
		text := fuzzTexts[arg%len(fuzzTexts)]
		var name string
		var acts []Action
		switch op {
		case 0:
			name, acts = "SpeechStart", m.SpeechStart(now.Add(-ms(50*(arg%8))))
		case 1:
			name, acts = "SpeechEnd", m.SpeechEnd(now.Add(-ms(50*(arg%10))))
		case 2:
			name, acts = "Partial", m.Partial(text, now)
		case 3:
			name, acts = "Final", m.Final(text, now)
		case 4:
			name, acts = "TypedText", m.TypedText(text, now)
		case 5:
			name, acts = "LLMDelta", m.LLMDelta(turn, text, now)
		case 6:
			name, acts = "LLMDone", m.LLMDone(turn, text, now)
		case 7:
			if turn == c.active {
				c.answer[turn] += text
			}
			name, acts = "SegmentQueued", m.SegmentQueued(turn, text, now)
		case 8:
			name, acts = "SegmentAudio", m.SegmentAudio(turn, arg*480-2400, now)
		case 9:
			name, acts = "SegmentDone", m.SegmentDone(turn, now)
		case 10:
			name, acts = "Playback", m.Playback(turn, int64(arg*40-40), now)
		default:
			name, acts = "Tick", m.Tick(now)
		}
		log = append(log, fmt.Sprintf("%d ms %s(turn %d, arg %d): %s", clock, name, turn, arg, showActions(acts)))
		if err := c.check(m, acts); err != nil {
			return fmt.Errorf("%v\nafter:\n%s", err, strings.Join(log, "\n"))
		}
		if seen != nil {
			seen[m.State().String()] = true
			for _, a := range acts {
				seen[fmt.Sprintf("%T", a)] = true
				switch a := a.(type) {
				case CancelResponse:
					seen[a.Reason.String()] = true
				case Interrupted:
					if a.HeardText != "" {
						seen["heard text"] = true
					}
				case FinishRecognition:
					if a.Discard {
						seen["discarded"] = true
					}
				}
			}
		}
	}
	return nil
}

// checker tracks what the actions said so far and checks each call's
// actions against it.
type checker struct {
	state                                  State
	started, ended, interrupted, gotMetric map[int]bool
	answer                                 map[int]string // segments queued while the answer was in flight
	active                                 int            // answer in flight
	held                                   int            // answer whose playback is held
	rec                                    map[int]int    // 1 started, 2 finished
	lastRec                                int
}

func newChecker() *checker {
	return &checker{
		started: map[int]bool{}, ended: map[int]bool{}, interrupted: map[int]bool{}, gotMetric: map[int]bool{},
		answer: map[int]string{}, rec: map[int]int{},
	}
}

// pickTurn chooses the turn an event claims: mostly the live one, often a
// stale or unknown one.
func (c *checker) pickTurn(m *Machine, arg int) int {
	switch arg % 4 {
	case 0:
		if c.active != 0 {
			return c.active
		}
		return m.Turn()
	case 1:
		return m.Turn()
	case 2:
		return m.Turn() - 1
	}
	return arg / 4 % 6
}

func validState(s State) bool { return s >= Listening && s <= Speaking }

func (c *checker) check(m *Machine, acts []Action) error {
	endedNow := map[int]bool{}
	for i, a := range acts {
		switch a := a.(type) {
		case StateChanged:
			if a.From != c.state || a.From == a.To || !validState(a.To) {
				return fmt.Errorf("bad %+v in state %v", a, c.state)
			}
			c.state = a.To
		case StartRecognition:
			if a.Turn <= c.lastRec {
				return fmt.Errorf("recognition %d after %d", a.Turn, c.lastRec)
			}
			c.rec[a.Turn], c.lastRec = 1, a.Turn
		case FinishRecognition:
			if c.rec[a.Turn] != 1 {
				return fmt.Errorf("%+v of a recognition not open", a)
			}
			c.rec[a.Turn] = 2
		case EmitTranscript:
			if a.Turn <= 0 || a.Turn > m.last || a.Continues >= a.Turn || a.Continues < 0 {
				return fmt.Errorf("bad %+v", a)
			}
		case AddUser:
			if strings.TrimSpace(a.Text) == "" {
				return fmt.Errorf("blank %+v", a)
			}
		case StartResponse:
			if c.started[a.Turn] || c.active != 0 || strings.TrimSpace(a.UserText) == "" {
				return fmt.Errorf("%+v with turn %d in flight (started before: %v)", a, c.active, c.started[a.Turn])
			}
			c.started[a.Turn], c.active = true, a.Turn
		case CancelResponse, ResponseComplete:
			turn := turnOf(a)
			if turn != c.active {
				return fmt.Errorf("%T%+v with turn %d in flight", a, a, c.active)
			}
			c.ended[turn], endedNow[turn], c.active = true, true, 0
			if c.held == turn {
				c.held = 0
			}
		case StopPlayback:
			if a.Turn != c.active || c.state != Speaking {
				return fmt.Errorf("%+v in %v with turn %d in flight", a, c.state, c.active)
			}
			c.held = 0
		case HoldPlayback:
			if !m.cfg.HoldPlayback || a.Turn != c.active || c.state != Speaking || c.held != 0 {
				return fmt.Errorf("%+v in %v with turn %d in flight, %d held", a, c.state, c.active, c.held)
			}
			c.held = a.Turn
		case ResumePlayback:
			if a.Turn != c.held || a.Turn != c.active || c.state != Speaking {
				return fmt.Errorf("%+v in %v with turn %d in flight, %d held", a, c.state, c.active, c.held)
			}
			c.held = 0
		case Interrupted:
			if i == 0 || acts[i-1] != (CancelResponse{a.Turn, ReasonInterrupted}) || c.interrupted[a.Turn] {
				return fmt.Errorf("%+v not right after its cancellation", a)
			}
			c.interrupted[a.Turn] = true
			if !strings.HasPrefix(c.answer[a.Turn], a.HeardText) {
				return fmt.Errorf("heard %q is not a prefix of the answer %q", a.HeardText, c.answer[a.Turn])
			}
		case AddAssistant:
			if !endedNow[a.Turn] || strings.TrimSpace(a.Text) == "" {
				return fmt.Errorf("%+v for an answer not ending now", a)
			}
		case Metrics:
			if !c.started[a.Turn] || c.gotMetric[a.Turn] {
				return fmt.Errorf("%+v: started %v, metrics before %v", a, c.started[a.Turn], c.gotMetric[a.Turn])
			}
			c.gotMetric[a.Turn] = true
		default:
			return fmt.Errorf("unknown action %T", a)
		}
	}
	for turn := range endedNow {
		if !c.gotMetric[turn] {
			return fmt.Errorf("answer %d ended without metrics", turn)
		}
	}
	switch {
	case m.State() != c.state || !validState(m.State()):
		return fmt.Errorf("state %v, actions said %v", m.State(), c.state)
	case m.State() == Speaking && c.active == 0:
		return fmt.Errorf("speaking with no answer in flight")
	case (m.State() == Listening || m.State() == UserSpeaking) && c.active != 0:
		return fmt.Errorf("%v with answer %d in flight", m.State(), c.active)
	case m.Turn() < 0 || m.Turn() > m.last:
		return fmt.Errorf("turn %d of %d", m.Turn(), m.last)
	}
	return nil
}

func turnOf(a Action) int {
	switch a := a.(type) {
	case CancelResponse:
		return a.Turn
	case ResponseComplete:
		return a.Turn
	}
	return 0
}

// TestFuzzSeedsReachEveryState keeps the seed corpus honest: the seeds
// must drive the machine through all its states and every way an answer
// ends, or the invariants are checked on too little.
func TestFuzzSeedsReachEveryState(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range fuzzSeeds() {
		if err := runMachine(b, seen); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"listening", "user_speaking", "thinking", "speaking",
		"turn.Interrupted", "turn.ResponseComplete", "interrupted", "resumed", "superseded",
		"heard text", "discarded", "turn.AddAssistant", "turn.Metrics", "turn.HoldPlayback", "turn.ResumePlayback"} {
		if !seen[want] {
			t.Errorf("the seeds never reach %s", want)
		}
	}
}
