package codec

import "errors"

var (
	// ErrUnsupportedFormat is wrapped by NewEncoder's error for a format
	// that is unknown or not built into this binary; the message lists the
	// formats that are, so it can go back to the client as it is.
	ErrUnsupportedFormat = errors.New("codec: unsupported response format")
	// ErrClosed is returned by an Encoder used after Close.
	ErrClosed = errors.New("codec: encoder closed")
)
