package turn

import (
	"fmt"
	"time"
)

// State is where the conversation is. Its String is the name sent to the
// page.
type State int

// States.
const (
	// Listening: nobody speaks; the agent waits for the user.
	Listening State = iota
	// UserSpeaking: the user speaks and speech recognition runs.
	UserSpeaking
	// Thinking: the user has finished; the agent waits for the transcript,
	// the language model and the first TTS audio. No audio of the answer
	// has been sent to the page yet.
	Thinking
	// Speaking: audio of the answer is being sent to the page and played.
	Speaking
)

func (s State) String() string {
	switch s {
	case Listening:
		return "listening"
	case UserSpeaking:
		return "user_speaking"
	case Thinking:
		return "thinking"
	case Speaking:
		return "speaking"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// CancelReason says why an answer was cancelled.
type CancelReason int

// Cancel reasons.
const (
	// ReasonInterrupted: the user spoke or typed over the answer while it
	// was being played (barge-in).
	ReasonInterrupted CancelReason = iota + 1
	// ReasonResumed: the user went on speaking within the resume window
	// before any audio was sent; the turn goes on, and a new answer will
	// answer the joined text.
	ReasonResumed
	// ReasonSuperseded: the user spoke again after the resume window, or
	// typed, before any audio was sent; the new input is answered together
	// with the old.
	ReasonSuperseded
)

func (r CancelReason) String() string {
	switch r {
	case ReasonInterrupted:
		return "interrupted"
	case ReasonResumed:
		return "resumed"
	case ReasonSuperseded:
		return "superseded"
	}
	return fmt.Sprintf("CancelReason(%d)", int(r))
}

// Action is something the session must do, returned by the Machine's
// methods in the order to perform them. It is one of the types below.
type Action interface{ action() }

// StateChanged reports a new state, for the page. Turn is the turn the new
// state belongs to.
type StateChanged struct {
	From, To State
	Turn     int
}

// StartRecognition: speech started; recognition of it begins under Turn.
// The speech may be a barge-in not yet confirmed: its transcript is then
// withheld from the page until it is.
type StartRecognition struct{ Turn int }

// FinishRecognition: the speech ended; its Final is due. Discard means the
// speech was too short to interrupt the agent and its text will be
// ignored, but the session still delivers its Final (empty will do), since
// the Machine matches Finals to recognitions in order.
type FinishRecognition struct {
	Turn    int
	Discard bool
}

// EmitTranscript shows the user's words on the page. Text is the whole
// line so far, replacing what was shown for Turn. Continues, when not
// zero, is an earlier turn whose line this one takes over: the user went
// on speaking, and Text holds both.
type EmitTranscript struct {
	Turn      int
	Text      string
	Final     bool
	Continues int
}

// AddUser appends what the user said to the conversation history
// (llm.History.AddUser). Two AddUser in a row with no answer between them
// are one user message: History merges them.
type AddUser struct {
	Turn int
	Text string
}

// AddAssistant appends the agent's answer, or the part of it the user
// heard, to the conversation history (llm.History.AddAssistant). It comes
// only once the answer is over, so the history never holds words that
// were not played.
type AddAssistant struct {
	Turn int
	Text string
}

// StartResponse: run the language model on the history, which already
// holds the user's text, and speak the answer as Turn. UserText is all
// the user input it answers, for logs and the page.
type StartResponse struct {
	Turn     int
	UserText string
}

// CancelResponse: stop the language model and clear TTS for Turn. Events
// for Turn that are still in flight are ignored from now on.
type CancelResponse struct {
	Turn   int
	Reason CancelReason
}

// StopPlayback: tell the page to stop playing Turn's audio at once.
type StopPlayback struct{ Turn int }

// HoldPlayback (with Config.HoldPlayback): the user may be barging in;
// stop playing Turn's audio at once, dropping what is queued for playback
// but keeping the place, until ResumePlayback or StopPlayback.
type HoldPlayback struct{ Turn int }

// ResumePlayback (with Config.HoldPlayback): the speech that held Turn's
// playback was echo or noise; play on from where the user stopped
// hearing it.
type ResumePlayback struct{ Turn int }

// Interrupted: the user cut Turn's answer off; HeardText is what had been
// played of it, whole words only (see HeardText).
type Interrupted struct {
	Turn      int
	HeardText string
}

// ResponseComplete: Turn's answer was played to the end. Text is the
// language model's full answer.
type ResponseComplete struct {
	Turn int
	Text string
}

// Metrics are one turn's latencies, emitted once per answered turn: when
// its first audio is reported played, or, failing that, when the answer
// ends. A stage not reached, or not measured (typed input has no speech
// end), is zero.
type Metrics struct {
	Turn int
	// SpeechEndToTranscript runs from the end of the user's speech (the
	// VAD boundary, so it includes the hangover) to the transcript that
	// started the answer.
	SpeechEndToTranscript  time.Duration
	TranscriptToFirstToken time.Duration
	FirstTokenToFirstAudio time.Duration
	// FirstAudioToPlayed runs from the first TTS audio to the first
	// playback report with progress.
	FirstAudioToPlayed time.Duration
	SpeechEndToPlayed  time.Duration
	// Interrupted means the answer ended, cancelled, before any of it was
	// reported played.
	Interrupted bool
}

func (StateChanged) action()      {}
func (StartRecognition) action()  {}
func (FinishRecognition) action() {}
func (EmitTranscript) action()    {}
func (AddUser) action()           {}
func (AddAssistant) action()      {}
func (StartResponse) action()     {}
func (CancelResponse) action()    {}
func (StopPlayback) action()      {}
func (HoldPlayback) action()      {}
func (ResumePlayback) action()    {}
func (Interrupted) action()       {}
func (ResponseComplete) action()  {}
func (Metrics) action()           {}
