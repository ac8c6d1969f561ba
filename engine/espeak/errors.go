package espeak

import "errors"

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnavailable means the binary was built without espeak-ng.
	ErrUnavailable = errors.New("espeak-ng unavailable: built without cgo")
	// ErrClosed is returned by Synthesize on a closed Engine, and to
	// requests still queued when the last Engine closes.
	ErrClosed = errors.New("espeak-ng: engine closed")
	// ErrUnknownVoice means Params.Voice names no installed voice.
	ErrUnknownVoice = errors.New("espeak-ng: unknown voice")
	// ErrUnknownVariant means Params.Variant names no installed variant.
	ErrUnknownVariant = errors.New("espeak-ng: unknown variant")
	// ErrInvalidParams means a numeric parameter is out of range.
	ErrInvalidParams = errors.New("espeak-ng: invalid parameters")
)
