package vad

// machine is the one implementation of hysteresis, minimum speech and
// hangover, shared by every detector: it turns per-frame speech
// probabilities into utterance boundaries. Positions are sample counts from
// the start of the stream, so event times are exact multiples of the frame
// length whatever the frame duration.
//
//   - Silent: a frame at or above threshold makes it the candidate onset.
//   - Pending: frames at or above negThreshold extend the candidate; one
//     below it drops the candidate as a noise burst. Once the candidate
//     spans minSpeech, speech starts at its onset.
//   - Speaking: a frame at or above threshold extends speech. A frame below
//     negThreshold opens a pause; frames between the thresholds extend
//     speech only while no pause is open, so a slowly decaying tail cannot
//     hold speech open for ever. Speech ends, at the end of its last speech
//     frame, once a pause has lasted hangover.
type machine struct {
	threshold, negThreshold float64
	minSpeech, hangover     int64 // samples

	state  machineState
	onset  int64 // first sample of the candidate or current utterance
	end    int64 // one past the last sample of its last speech frame
	paused bool  // a frame below negThreshold came after end
}

type machineState uint8

const (
	silent machineState = iota
	pending
	speaking
)

func newMachine(cfg Config) machine {
	return machine{
		threshold:    cfg.Threshold,
		negThreshold: cfg.NegThreshold,
		minSpeech:    samplesIn(cfg.MinSpeech, cfg.SampleRate),
		hangover:     samplesIn(cfg.Hangover, cfg.SampleRate),
	}
}

func (m *machine) reset() {
	m.state, m.onset, m.end, m.paused = silent, 0, 0, false
}

// step takes the probability p of the frame covering samples [start, stop)
// and returns the event it causes, if any, with the event's position.
func (m *machine) step(p float64, start, stop int64) (EventType, int64, bool) {
	switch m.state {
	case silent:
		if p < m.threshold {
			return 0, 0, false
		}
		m.state, m.onset, m.end = pending, start, stop
	case pending:
		if p < m.negThreshold {
			m.state = silent
			return 0, 0, false
		}
		m.end = stop
	case speaking:
		switch {
		case p >= m.threshold:
			m.end, m.paused = stop, false
		case p >= m.negThreshold:
			if !m.paused {
				m.end = stop
			}
		default:
			m.paused = true
		}
		if stop-m.end >= m.hangover && stop > m.end {
			m.state = silent
			return SpeechEnd, m.end, true
		}
		return 0, 0, false
	}
	if m.end-m.onset >= m.minSpeech {
		m.state, m.paused = speaking, false
		return SpeechStart, m.onset, true
	}
	return 0, 0, false
}
