package aac

import "errors"

var (
	// ErrUnavailable is returned by every call when the binary was built
	// without cgo, so libavcodec is not linked in.
	ErrUnavailable = errors.New("aac unavailable: built without cgo")
	// ErrInvalidConfig is returned for settings ADTS or the encoder cannot
	// use.
	ErrInvalidConfig = errors.New("aac: invalid config")
	// ErrClosed is returned by an Encoder used after Close or Finish.
	ErrClosed = errors.New("aac: encoder closed")
	// ErrEncode is returned when libavcodec reports a failure.
	ErrEncode = errors.New("aac: encoding failed")
)
