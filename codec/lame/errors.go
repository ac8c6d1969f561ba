package lame

import "errors"

var (
	// ErrUnavailable is returned by every call when the binary was built
	// without cgo, so libmp3lame is not linked in.
	ErrUnavailable = errors.New("lame unavailable: built without cgo")
	// ErrInvalidConfig is returned for a sample rate or bitrate MP3 cannot
	// carry.
	ErrInvalidConfig = errors.New("lame: invalid config")
	// ErrClosed is returned by an Encoder used after Close or Finish.
	ErrClosed = errors.New("lame: encoder closed")
	// ErrEncode is returned when libmp3lame reports a failure.
	ErrEncode = errors.New("lame: encoding failed")
)
