package phone

import "errors"

// Errors the API maps to statuses.
var (
	// ErrInvalid wraps what is wrong with a request (400).
	ErrInvalid = errors.New("phone: invalid request")
	// ErrForbidden is a webhook or a stream that cannot be shown to come
	// from Twilio for a registered number (403), or a key whose plan has
	// no realtime access.
	ErrForbidden = errors.New("phone: forbidden")
	// ErrNotFound is an unknown number of the account (404).
	ErrNotFound = errors.New("phone: not found")
	// ErrConflict is a number registered already, by any account (409).
	ErrConflict = errors.New("phone: number already registered")
	// ErrLimit means the account has as many numbers as it may (403).
	ErrLimit = errors.New("phone: number limit reached")
)
