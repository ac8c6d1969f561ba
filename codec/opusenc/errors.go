package opusenc

import "errors"

var (
	// ErrUnavailable is returned by every call when the binary was built
	// without cgo, so libopusenc is not linked in.
	ErrUnavailable = errors.New("opusenc unavailable: built without cgo")
	// ErrInvalidConfig is returned for settings Opus cannot use.
	ErrInvalidConfig = errors.New("opusenc: invalid config")
	// ErrClosed is returned by an Encoder used after Close or Finish.
	ErrClosed = errors.New("opusenc: encoder closed")
	// ErrEncode is returned when libopusenc reports a failure.
	ErrEncode = errors.New("opusenc: encoding failed")
)
