package flac

import "errors"

var (
	// ErrUnavailable is returned by every call when the binary was built
	// without cgo, so libFLAC is not linked in.
	ErrUnavailable = errors.New("flac unavailable: built without cgo")
	// ErrInvalidConfig is returned for settings FLAC cannot use.
	ErrInvalidConfig = errors.New("flac: invalid config")
	// ErrClosed is returned by an Encoder used after Close or Finish.
	ErrClosed = errors.New("flac: encoder closed")
	// ErrEncode is returned when libFLAC reports a failure.
	ErrEncode = errors.New("flac: encoding failed")
)
