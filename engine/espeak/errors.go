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
	// ErrWorkerDied means the worker process serving the request exited
	// (killed, or crashed inside espeak-ng) or broke the protocol before
	// the request ended. The pool replaces the worker; a retry is safe.
	ErrWorkerDied = errors.New("espeak-ng: worker process died")
	// ErrWorkerHung means the worker process serving the request sent
	// nothing for PoolConfig.HangTimeout; it was killed and is replaced.
	ErrWorkerHung = errors.New("espeak-ng: worker process hung")
	// ErrTextTooLong means the text is over MaxTextBytes, the most a
	// Pool takes in one request.
	ErrTextTooLong = errors.New("espeak-ng: text too long")
)
