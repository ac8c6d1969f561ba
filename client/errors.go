package client

import (
	"errors"
	"fmt"

	"github.com/parley-voice/parley/protocol"
)

var (
	// ErrClosed is returned by the methods of a Conn that has finished: it
	// was closed, the server closed it with 1000, or reconnection gave up.
	// Err says which.
	ErrClosed = errors.New("client: connection closed")
	// ErrCleared is returned by Speak when Clear cancelled its generation.
	ErrCleared = errors.New("client: generation cleared")
	// ErrLost is returned by Speak when its generation was dropped in a
	// reconnection because Config.DisableReplay is set.
	ErrLost = errors.New("client: generation lost in a reconnection")
	// ErrKeepalive is the cause of a reconnection when the server stopped
	// answering WebSocket pings.
	ErrKeepalive = errors.New("client: keepalive ping not answered")
	// ErrEmptyText is returned by Speak for empty text, which would start no
	// generation and so never end.
	ErrEmptyText = errors.New("client: nothing to speak")
)

// CloseError reports that the server closed the WebSocket with a status
// code.
type CloseError struct {
	Code   protocol.CloseCode
	Reason string
	// Message is the error message the server sent just before closing
	// during the handshake, if any: servers explain a 4003 on config that
	// way.
	Message string
}

func (e *CloseError) Error() string {
	s := fmt.Sprintf("client: server closed the connection: %s (%d)", e.Code, int(e.Code))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Message != "" && e.Message != e.Reason {
		s += ": " + e.Message
	}
	return s
}

// ServerError is an error message from the server: a non-fatal problem,
// after which the session goes on. Speak returns it.
type ServerError struct {
	Code    int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("client: server error: %s (%d)", e.Message, e.Code)
}

// ReconnectError is the reason a Conn finished when it could not reconnect
// within Config.MaxReconnects attempts. Err is the last failure.
type ReconnectError struct {
	Attempts int
	Err      error
}

func (e *ReconnectError) Error() string {
	return fmt.Sprintf("client: gave up after %d reconnection attempts: %v", e.Attempts, e.Err)
}

func (e *ReconnectError) Unwrap() error { return e.Err }

// isNormalClose reports whether err is a 1000 close, after which nobody
// reconnects.
func isNormalClose(err error) bool {
	var ce *CloseError
	return errors.As(err, &ce) && !ce.Code.Reconnect()
}
