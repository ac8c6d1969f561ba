package protocol

import (
	"errors"
	"fmt"
)

// Error is a protocol error: a message for the client and the close code it
// maps to. Fatal errors end the connection with Code; non-fatal ones are sent
// as an "error" message and the session goes on.
type Error struct {
	Code    CloseCode
	Message string
	Fatal   bool
	// ContextID names the context a non-fatal error is about (extension).
	ContextID string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d)", e.Message, int(e.Code)) }

// Errorf returns a fatal protocol error with the given code.
func Errorf(code CloseCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Fatal: true}
}

// AsError extracts a *Error from err, if there is one.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}

// Sentinel wire errors. Each is matched with errors.Is through the *Error
// that wraps it.
var (
	ErrBufferOverflow = &Error{Code: CloseInvalid, Message: "buffer overflow"}
	ErrSecondConfig   = &Error{Code: CloseInvalid, Message: "config already received", Fatal: true}
	ErrNotConfigured  = &Error{Code: CloseInvalid, Message: "first message must be config", Fatal: true}
	ErrFrameTooLarge  = &Error{Code: CloseInvalid, Message: "frame exceeds 65536 bytes", Fatal: true}
	ErrBinaryFrame    = &Error{Code: CloseInvalid, Message: "binary frames are not accepted from clients", Fatal: true}
	ErrInvalidUTF8    = &Error{Code: CloseInvalid, Message: "frame is not valid UTF-8", Fatal: true}
	ErrAuthTimeout    = &Error{Code: CloseAuthTimeout, Message: "Authentication timeout", Fatal: true}
	ErrAuthFailed     = &Error{Code: CloseAuthFailed, Message: "Authentication failed", Fatal: true}
	ErrNoRealtime     = &Error{Code: CloseAuthFailed, Message: "plan does not include WebSocket access", Fatal: true}
	ErrSlotsOccupied  = &Error{Code: CloseSlotsOccupied, Message: "All slots occupied", Fatal: true}
	ErrTooManyConns   = &Error{Code: CloseRateLimited, Message: "too many connections for this key", Fatal: true}
	ErrTooManyGens    = &Error{Code: CloseRateLimited, Message: "too many generations per minute for this key", Fatal: true}
	ErrQuotaExceeded  = &Error{Code: CloseRateLimited, Message: "monthly character quota exhausted", Fatal: true}
	ErrSlowClient     = &Error{Code: CloseServerError, Message: "client is not reading fast enough", Fatal: true}
	ErrServer         = &Error{Code: CloseServerError, Message: "internal server error", Fatal: true}
	// ErrTooManyContexts refuses a message that would open a context
	// beyond MaxContexts (extension). Like a buffer overflow it is a limit
	// of what one socket holds, so it is 4003 and not fatal: nothing of
	// the message is kept, and closing a context makes room.
	ErrTooManyContexts = &Error{Code: CloseInvalid, Message: "too many open contexts: at most 5; close one with close_context"}
	// ErrUnknownContext refuses close_context for a context that is not
	// open (extension); not fatal.
	ErrUnknownContext = &Error{Code: CloseInvalid, Message: "close_context: no such context is open"}
)
