package turn

import (
	"strings"
	"time"
)

// Machine decides turn-taking for one conversation. It does no I/O and
// keeps no clock: every method takes the time of its event and returns the
// actions the session must perform, in order. Methods must not be called
// concurrently.
//
// Times are on one clock (the session's time.Now). SpeechStart and
// SpeechEnd take the speech boundaries themselves (vad.Event.At placed on
// that clock), which come earlier than the events arrive; every other
// method takes the time its event arrived. Timers run on the latest time
// seen, so a boundary in the past never moves them back.
type Machine struct {
	cfg   Config
	state State
	turn  int // the turn the state belongs to
	last  int // the last turn number given out
	now   time.Time

	// pending is the user input not yet answered, in order: utterances and
	// typed texts since the last answer that got as far as audio.
	pending []*utterance
	// open is the speech in progress, if any; its recognition is open.
	open *utterance
	// barge is open speech over the agent's voice not yet confirmed as a
	// barge-in, and bargeBy the time at which it is, if no speech_end
	// has come by then.
	barge   *utterance
	bargeBy time.Time
	// awaiting is every finished recognition whose Final has not come,
	// in the order Finals will come.
	awaiting []*utterance
	resp     *response

	out []Action
}

type recState uint8

const (
	recOpen      recState = iota // speech in progress
	recFinishing                 // speech ended, Final due
	recFinal                     // text known (typed input starts here)
)

// utterance is one piece of user input: speech or typed text.
type utterance struct {
	turn    int
	text    string
	rec     recState
	spoken  bool
	startAt time.Time // speech boundaries, zero for typed text
	endAt   time.Time
	joins   bool // continues the line of the utterance before it
	hidden  bool // unconfirmed barge-in: its line is withheld
	discard bool // dropped as echo or noise; its Final is ignored
	added   bool // AddUser issued (or nothing to add)

	// The last line shown for the group this utterance ends.
	shown      string
	shownFinal bool
	shownAny   bool
}

// response is one answer in flight.
type response struct {
	turn int
	// Metric stamps.
	speechEndAt, startAt, firstTokenAt, firstAudioAt, firstPlayedAt time.Time
	metricsSent                                                     bool

	deltas  strings.Builder
	full    string
	llmDone bool
	segs    []ttsSegment
	undone  int // the oldest segment TTS has not finished

	playedMS int64
	// progressAt is when playback last advanced (first audio until the
	// first report), allInAt when the last of the audio was known to be
	// in, zero while more may come; both on the timer clock.
	progressAt, allInAt time.Time
}

type ttsSegment struct {
	text    string
	samples int64
	done    bool
}

// maxSamples caps audio accounting far beyond any real answer (about 500
// days at 24 kHz), so that sums cannot overflow.
const maxSamples = int64(1) << 40

// New returns a Machine in Listening, before the first turn. cfg takes
// its defaults where unset; call cfg.Validate to reject absurd values.
func New(cfg Config) *Machine {
	return &Machine{cfg: cfg.WithDefaults()}
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// Turn returns the turn the current state belongs to: the speech being
// recognised, the input being answered, the answer being played, or, in
// Listening, the last turn (0 before the first). Every utterance and every
// typed text gets the next number when it starts, and a number is never
// given twice, so that events of an abandoned answer can be told from
// those of its successor. Input that gets no answer of its own (nothing
// recognised, echo, speech that continues a turn) leaves gaps.
func (m *Machine) Turn() int { return m.turn }

// SpeechStart takes the VAD's speech_start, at the start of the speech.
//
// In Listening a user turn begins. In Thinking the pending answer is
// cancelled: speech within ResumeWindow of the last speech's end continues
// the same line, later speech starts a new one; both are answered
// together. In Speaking the speech is a barge-in only once sustained for
// BargeInMinSpeech; its recognition starts at once all the same, so that
// no word is lost.
func (m *Machine) SpeechStart(now time.Time) []Action {
	m.begin(now)
	if m.open != nil {
		return m.end()
	}
	u := m.newUtterance(true, now)
	u.rec = recOpen
	switch m.state {
	case Listening:
		m.setState(UserSpeaking, u.turn)
	case Thinking:
		if n := len(m.pending); n > 0 {
			last := m.pending[n-1]
			u.joins = last.spoken && now.Sub(last.endAt) <= m.cfg.ResumeWindow
		}
		if m.resp != nil {
			reason := ReasonSuperseded
			if u.joins {
				reason = ReasonResumed
			}
			m.cancel(reason)
		}
		m.setState(UserSpeaking, u.turn)
	case Speaking:
		u.hidden = true
		m.barge = u
		m.bargeBy = now.Add(m.cfg.BargeInMinSpeech + m.cfg.Hangover)
	}
	m.open = u
	m.pending = append(m.pending, u)
	m.emit(StartRecognition{Turn: u.turn})
	if m.barge == u && m.cfg.HoldPlayback && m.resp != nil {
		m.emit(HoldPlayback{Turn: m.resp.turn})
	}
	return m.end()
}

// SpeechEnd takes the VAD's speech_end, at the end of the speech. Speech
// over the agent's voice that lasted less than BargeInMinSpeech is dropped
// as echo or noise.
func (m *Machine) SpeechEnd(now time.Time) []Action {
	m.begin(now)
	u := m.open
	if u == nil {
		return m.end()
	}
	m.open = nil
	if u == m.barge {
		if now.Sub(u.startAt) < m.cfg.BargeInMinSpeech {
			m.barge = nil
			m.pending = m.pending[:len(m.pending)-1]
			u.discard = true
			m.awaiting = append(m.awaiting, u)
			m.emit(FinishRecognition{Turn: u.turn, Discard: true})
			if m.cfg.HoldPlayback && m.resp != nil {
				m.emit(ResumePlayback{Turn: m.resp.turn})
			}
			return m.end()
		}
		m.confirmBargeIn()
	}
	u.rec = recFinishing
	u.endAt = now
	m.awaiting = append(m.awaiting, u)
	m.setState(Thinking, u.turn)
	m.emit(FinishRecognition{Turn: u.turn})
	return m.end()
}

// Partial takes a partial transcript of the speech in progress.
func (m *Machine) Partial(text string, now time.Time) []Action {
	m.begin(now)
	if u := m.open; u != nil {
		u.text = strings.TrimSpace(text)
		if !u.hidden {
			m.showLine(u)
		}
	}
	return m.end()
}

// Final takes the transcript of the oldest finished speech whose
// transcript has not come: every FinishRecognition is answered by exactly
// one Final, in order. Empty text means nothing was recognised: with no
// other input pending the machine returns to Listening without an answer.
func (m *Machine) Final(text string, now time.Time) []Action {
	m.begin(now)
	if len(m.awaiting) == 0 {
		return m.end()
	}
	u := m.awaiting[0]
	m.awaiting = m.awaiting[1:]
	if u.discard {
		return m.end()
	}
	u.text = strings.TrimSpace(text)
	u.rec = recFinal
	m.showLine(u)
	m.addUsers()
	m.respond(now)
	return m.end()
}

// TypedText takes text the user typed. It counts as a finished utterance
// of its own: answered at once when nothing else is pending, joined to
// the speech in progress when there is some, and an immediate barge-in
// (typing is no echo) while the agent speaks.
func (m *Machine) TypedText(text string, now time.Time) []Action {
	m.begin(now)
	text = strings.TrimSpace(text)
	if text == "" {
		return m.end()
	}
	u := m.newUtterance(false, now)
	u.text, u.rec = text, recFinal
	switch m.state {
	case Listening:
		m.setState(Thinking, u.turn)
	case Thinking:
		if m.resp != nil {
			m.cancel(ReasonSuperseded)
		}
		m.turn = u.turn
	case Speaking:
		m.interrupt()
		if !m.releaseBargeIn() {
			m.setState(Thinking, u.turn)
		}
	}
	m.pending = append(m.pending, u)
	m.showLine(u)
	m.addUsers()
	m.respond(now)
	return m.end()
}

// LLMDelta takes text streamed by the language model for turn.
func (m *Machine) LLMDelta(turn int, delta string, now time.Time) []Action {
	m.begin(now)
	if r := m.active(turn); r != nil {
		if delta != "" && r.firstTokenAt.IsZero() {
			r.firstTokenAt = now
		}
		r.deltas.WriteString(delta)
	}
	return m.end()
}

// LLMDone says the language model has finished turn's answer, full being
// the whole text (what it produced before failing, on error). The session
// calls it after SegmentQueued for the answer's last segment: from then
// on the answer is over once its queued segments are played.
func (m *Machine) LLMDone(turn int, full string, now time.Time) []Action {
	m.begin(now)
	if r := m.active(turn); r != nil && !r.llmDone {
		r.llmDone, r.full = true, full
		if full != "" && r.firstTokenAt.IsZero() {
			r.firstTokenAt = now
		}
		m.checkPlayed()
	}
	return m.end()
}

// SegmentQueued says the session sent text, a segment of turn's answer, to
// TTS. text is the segment as the segmenter cut it, untrimmed, so that the
// heard text can be cut from the answer exactly. Every queued segment must
// be answered by SegmentDone, or the answer never ends: a segment not sent
// to TTS (a blank one) must not be queued.
func (m *Machine) SegmentQueued(turn int, text string, now time.Time) []Action {
	m.begin(now)
	if r := m.active(turn); r != nil {
		r.segs = append(r.segs, ttsSegment{text: text})
		r.allInAt = time.Time{}
	}
	return m.end()
}

// SegmentAudio counts samples of TTS audio, at Config.SampleRate, received
// for the oldest segment of turn not yet done and sent to the page. The
// first audio of an answer moves Thinking to Speaking.
func (m *Machine) SegmentAudio(turn int, samples int, now time.Time) []Action {
	m.begin(now)
	r := m.active(turn)
	if r == nil || samples <= 0 || r.undone >= len(r.segs) {
		return m.end()
	}
	s := &r.segs[r.undone]
	s.samples = min(s.samples+min(int64(samples), maxSamples), maxSamples)
	if r.firstAudioAt.IsZero() {
		r.firstAudioAt, r.progressAt = now, m.now
		// The answer has reached the user: the input it answers is no
		// longer pending.
		m.pending = nil
		m.setState(Speaking, r.turn)
	}
	return m.end()
}

// SegmentDone says TTS has finished the oldest segment of turn not yet
// done.
func (m *Machine) SegmentDone(turn int, now time.Time) []Action {
	m.begin(now)
	if r := m.active(turn); r != nil && r.undone < len(r.segs) {
		r.segs[r.undone].done = true
		r.undone++
		m.checkPlayed()
	}
	return m.end()
}

// Playback takes the page's report that playedMS milliseconds of turn's
// audio have been played.
func (m *Machine) Playback(turn int, playedMS int64, now time.Time) []Action {
	m.begin(now)
	r := m.active(turn)
	if r == nil || m.state != Speaking || playedMS < 0 {
		return m.end()
	}
	if playedMS > r.playedMS {
		r.playedMS, r.progressAt = playedMS, m.now
	}
	if playedMS > 0 && r.firstPlayedAt.IsZero() {
		r.firstPlayedAt = now
		m.metrics(r, false)
	}
	m.checkPlayed()
	return m.end()
}

// Tick runs the timers: barge-in confirmation and the end of an answer
// whose playback the page stopped reporting. The session calls it often
// (every 50 ms, say); every other method runs them too.
func (m *Machine) Tick(now time.Time) []Action {
	m.begin(now)
	return m.end()
}

func (m *Machine) begin(now time.Time) {
	if now.After(m.now) {
		m.now = now
	}
	m.advance()
}

func (m *Machine) end() []Action {
	m.advance()
	out := m.out
	m.out = nil
	return out
}

func (m *Machine) emit(a Action) { m.out = append(m.out, a) }

func (m *Machine) setState(to State, turn int) {
	if to != m.state {
		m.emit(StateChanged{From: m.state, To: to, Turn: turn})
		m.state = to
	}
	m.turn = turn
}

func (m *Machine) newUtterance(spoken bool, now time.Time) *utterance {
	m.last++
	u := &utterance{turn: m.last, spoken: spoken}
	if spoken {
		u.startAt = now
	}
	return u
}

func (m *Machine) active(turn int) *response {
	if m.resp != nil && m.resp.turn == turn {
		return m.resp
	}
	return nil
}

// advance fires the timers due by m.now, earliest first.
func (m *Machine) advance() {
	for m.state == Speaking {
		bargeDue := m.barge != nil && !m.bargeBy.After(m.now)
		playedBy, ok := m.playedDeadline()
		playedDue := ok && !playedBy.After(m.now)
		switch {
		case bargeDue && !(playedDue && playedBy.Before(m.bargeBy)):
			m.confirmBargeIn()
		case playedDue:
			m.complete()
		default:
			return
		}
	}
}

// playedDeadline is when the answer in Speaking must have finished playing
// if the page plays in real time: the remaining audio after the later of
// the last progress and the last audio's arrival, plus PlaybackGrace.
func (m *Machine) playedDeadline() (time.Time, bool) {
	r := m.resp
	if r == nil || r.firstAudioAt.IsZero() || !r.allIn() {
		return time.Time{}, false
	}
	base := r.progressAt
	if r.allInAt.After(base) {
		base = r.allInAt
	}
	left := max(r.total(m.cfg.SampleRate)-msDuration(r.playedMS), 0)
	return base.Add(left).Add(m.cfg.PlaybackGrace), true
}

// checkPlayed completes the answer once it is all in and played.
func (m *Machine) checkPlayed() {
	r := m.resp
	if r == nil || !r.allIn() {
		return
	}
	if r.allInAt.IsZero() {
		r.allInAt = m.now
	}
	if msDuration(r.playedMS) >= r.total(m.cfg.SampleRate)-m.cfg.PlaybackTolerance {
		m.complete()
	}
}

// respond starts the answer once the user has finished and every pending
// input is transcribed, or returns to Listening if none of it holds words.
func (m *Machine) respond(now time.Time) {
	if m.state != Thinking || m.resp != nil || len(m.pending) == 0 {
		return
	}
	for _, u := range m.pending {
		if u.rec != recFinal {
			return
		}
	}
	last := m.pending[len(m.pending)-1]
	text := joinText(m.pending)
	if text == "" {
		m.pending = nil
		m.setState(Listening, last.turn)
		return
	}
	m.resp = &response{turn: last.turn, startAt: now, speechEndAt: last.endAt}
	m.turn = last.turn
	m.emit(StartResponse{Turn: last.turn, UserText: text})
}

// addUsers adds pending input to the history in order, as far as it is
// transcribed.
func (m *Machine) addUsers() {
	for _, u := range m.pending {
		if u.added {
			continue
		}
		if u.rec != recFinal {
			return
		}
		u.added = true
		if u.text != "" {
			m.emit(AddUser{Turn: u.turn, Text: u.text})
		}
	}
}

// showLine emits the transcript line of u's group: u and the utterances
// joined to it, shown under the last one's turn.
func (m *Machine) showLine(u *utterance) {
	i := 0
	for i < len(m.pending) && m.pending[i] != u {
		i++
	}
	if i == len(m.pending) {
		return
	}
	first, last := i, i
	for first > 0 && m.pending[first].joins {
		first--
	}
	for last+1 < len(m.pending) && m.pending[last+1].joins {
		last++
	}
	group := m.pending[first : last+1]
	text := joinText(group)
	final := true
	for _, g := range group {
		final = final && g.rec == recFinal
	}
	end := group[len(group)-1]
	if end.shownAny && end.shown == text && end.shownFinal == final {
		return
	}
	end.shown, end.shownFinal, end.shownAny = text, final, true
	line := EmitTranscript{Turn: end.turn, Text: text, Final: final}
	if len(group) > 1 {
		line.Continues = group[len(group)-2].turn
	}
	m.emit(line)
}

func joinText(us []*utterance) string {
	var parts []string
	for _, u := range us {
		if u.text != "" {
			parts = append(parts, u.text)
		}
	}
	return strings.Join(parts, " ")
}

// cancel abandons the answer while Thinking, before any audio.
func (m *Machine) cancel(reason CancelReason) {
	r := m.resp
	m.resp = nil
	m.emit(CancelResponse{Turn: r.turn, Reason: reason})
	m.metrics(r, true)
}

// interrupt cuts off the answer in Speaking, keeping what was heard.
func (m *Machine) interrupt() {
	r := m.resp
	m.resp = nil
	heard := HeardText(r.segments(m.cfg.SampleRate), r.playedMS)
	m.emit(StopPlayback{Turn: r.turn})
	m.emit(CancelResponse{Turn: r.turn, Reason: ReasonInterrupted})
	m.emit(Interrupted{Turn: r.turn, HeardText: heard})
	if heard != "" {
		m.emit(AddAssistant{Turn: r.turn, Text: heard})
	}
	m.metrics(r, true)
}

func (m *Machine) confirmBargeIn() {
	m.interrupt()
	m.releaseBargeIn()
}

// releaseBargeIn makes the speech pending over the agent's voice, if any,
// the user's turn, once the agent has stopped speaking.
func (m *Machine) releaseBargeIn() bool {
	u := m.barge
	if u == nil {
		return false
	}
	m.barge = nil
	u.hidden = false
	m.setState(UserSpeaking, u.turn)
	if u.text != "" {
		m.showLine(u)
	}
	return true
}

// complete ends an answer played to its end (or one with no audio).
func (m *Machine) complete() {
	r := m.resp
	m.resp = nil
	text := r.full
	if text == "" {
		text = r.deltas.String()
	}
	m.emit(ResponseComplete{Turn: r.turn, Text: text})
	if strings.TrimSpace(text) != "" {
		m.emit(AddAssistant{Turn: r.turn, Text: text})
	}
	m.metrics(r, false)
	if m.state == Thinking {
		m.pending = nil
	}
	if !m.releaseBargeIn() {
		m.setState(Listening, r.turn)
	}
}

func (m *Machine) metrics(r *response, interrupted bool) {
	if r.metricsSent {
		return
	}
	r.metricsSent = true
	span := func(from, to time.Time) time.Duration {
		if from.IsZero() || to.IsZero() {
			return 0
		}
		return to.Sub(from)
	}
	m.emit(Metrics{
		Turn:                   r.turn,
		SpeechEndToTranscript:  span(r.speechEndAt, r.startAt),
		TranscriptToFirstToken: span(r.startAt, r.firstTokenAt),
		FirstTokenToFirstAudio: span(r.firstTokenAt, r.firstAudioAt),
		FirstAudioToPlayed:     span(r.firstAudioAt, r.firstPlayedAt),
		SpeechEndToPlayed:      span(r.speechEndAt, r.firstPlayedAt),
		Interrupted:            interrupted,
	})
}

func (r *response) allIn() bool { return r.llmDone && r.undone == len(r.segs) }

func (r *response) total(rate int) time.Duration {
	var n int64
	for _, s := range r.segs {
		n = min(n+s.samples, maxSamples)
	}
	return samplesDuration(n, rate)
}

func (r *response) segments(rate int) []Segment {
	out := make([]Segment, len(r.segs))
	for i, s := range r.segs {
		out[i] = Segment{Text: s.text, Duration: samplesDuration(s.samples, rate), Done: s.done}
	}
	return out
}

// samplesDuration converts without overflow for n up to maxSamples.
func samplesDuration(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r)
}
