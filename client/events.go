package client

import (
	"time"

	"github.com/parley-voice/parley/protocol"
)

// Event is one thing that happened on a Conn, delivered in order on Events:
// *Audio, *Done, *ErrorEvent, *Cleared, *Pong, *Reconnecting or
// *Reconnected.
type Event interface{ event() }

// Audio is one chunk of speech: mono PCM, signed 16-bit little-endian at
// protocol.SampleRate, the same bytes in JSON and binary mode. PCM belongs
// to the receiver.
type Audio struct {
	PCM        []byte
	Generation int
}

// Done ends a flushed generation; its fields are the server's.
type Done struct {
	protocol.Done
	Generation int
}

// ErrorEvent is a non-fatal error message from the server; the session goes
// on. Generation is the generation in progress when it came.
type ErrorEvent struct {
	Message    string
	Code       int
	Generation int
}

// Cleared answers Clear: no more audio will come for generations up to and
// including Generation.
type Cleared struct {
	Generation int
}

// Pong answers Ping.
type Pong struct{}

// Reconnecting is sent before each reconnection attempt: the Conn waits
// Delay and then dials. Cause is why the previous connection or attempt
// failed; a server close is a *CloseError.
type Reconnecting struct {
	Attempt int
	Delay   time.Duration
	Cause   error
}

// Reconnected reports a new connection that replaced a lost one, after
// Attempt attempts of the current backoff sequence.
type Reconnected struct {
	SessionID string
	Attempt   int
	// Generations lists the generations that had not reached their Done
	// when the connection was lost. If Replayed, their text was sent again
	// and they start over from their beginning, so audio already received
	// for them comes again; otherwise they are lost and no Done will come
	// for them.
	Generations []int
	Replayed    bool
}

func (*Audio) event()        {}
func (*Done) event()         {}
func (*ErrorEvent) event()   {}
func (*Cleared) event()      {}
func (*Pong) event()         {}
func (*Reconnecting) event() {}
func (*Reconnected) event()  {}
