package twilio

import "errors"

var (
	// ErrInvalid is returned, wrapped with the reason, for a message or an
	// argument that breaks Twilio's documented format.
	ErrInvalid = errors.New("twilio: invalid")
	// ErrUnknownEvent is returned by Decode for a message whose event this
	// package does not know; a server should ignore it.
	ErrUnknownEvent = errors.New("twilio: unknown event")
)
