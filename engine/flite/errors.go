package flite

import "errors"

var (
	// ErrUnavailable is returned by every call when the binary was built
	// without cgo, so flite is not linked in.
	ErrUnavailable = errors.New("flite unavailable: built without cgo")
	// ErrUnknownVoice is returned for a voice name not in Voices.
	ErrUnknownVoice = errors.New("flite: unknown voice")
	// ErrInvalidParams is returned for a negative, non-finite or
	// out-of-range prosody setting.
	ErrInvalidParams = errors.New("flite: invalid params")
	// ErrSynthesis is returned when flite fails to produce a waveform.
	ErrSynthesis = errors.New("flite: synthesis failed")
)
