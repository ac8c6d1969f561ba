package agent

import (
	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// transport is a session's connection to its user: the browser's
// /v1/agent socket (browser.go) or a Twilio media stream (twilio.go). The
// session runs one pipeline whichever it is; a transport turns the
// session's messages into its wire format and its user's input into
// session events. The session calls writeLoop on a goroutine of its own
// and handshake, then readLoop, on the connection's handler.
type transport interface {
	// kind names the transport in metrics and call records.
	kind() string
	// holdsPlayback says whether the transport holds playback at the
	// start of a possible barge-in (turn.Config.HoldPlayback).
	holdsPlayback() bool
	// handshake reads the user's opening and says how to start the
	// session; it reports a failure to the user itself (s.fail).
	handshake(s *session) (opening, error)
	// readLoop turns the user's messages into session input until the
	// connection ends.
	readLoop(s *session)
	// writeLoop is the only writer of the connection. It returns once a
	// close has been written, or the connection failed (then it cancels
	// the session).
	writeLoop(s *session)
	// send hands the user one of the session's messages: the /v1/agent
	// server messages of protocol.go, or the audio and playback controls
	// below. It never blocks. A transport drops what it has no way to say.
	send(m any)
	// close closes the connection with code and reason after what is
	// queued; idempotent.
	close(code websocket.StatusCode, reason string)
	// closeNow drops the connection at once.
	closeNow()
}

// opening is what a transport's handshake learned: who the user is and
// how the session should run.
type opening struct {
	// apiKey authenticates the user: the browser's key, or a phone
	// call's credential.
	apiKey                                string
	language                              protocol.Language
	inputRate                             int // Hz of the user's audio
	voice, voiceDescription, instructions string
}

// Messages from the session to its transport besides the /v1/agent ones.
type (
	// audioOut is answer audio for turn: 24 kHz s16le.
	audioOut struct {
		turn int
		pcm  []byte
	}
	// segmentEnd says turn's audio reached the end of a TTS segment,
	// where a resampling transport may flush its filter.
	segmentEnd struct{ turn int }
	// holdMsg holds turn's playback (turn.HoldPlayback).
	holdMsg struct{ turn int }
	// resumeMsg resumes it (turn.ResumePlayback).
	resumeMsg struct{ turn int }
)
