package voice

import "errors"

// Errors from Analyze. Returned errors wrap one of these with the measured
// figure that made the audio unusable; match them with errors.Is.
var (
	// ErrSampleRate means the sample rate is outside MinReferenceRate to
	// MaxReferenceRate.
	ErrSampleRate = errors.New("voice: unsupported sample rate")
	// ErrTooLong means the audio is longer than MaxReference.
	ErrTooLong = errors.New("voice: reference audio too long")
	// ErrSilent means the audio holds no sound above the silence floor.
	ErrSilent = errors.New("voice: reference audio is silent")
	// ErrTooShort means the audio holds less than MinSpeech of speech.
	ErrTooShort = errors.New("voice: too little speech in reference audio")
	// ErrUnvoiced means too little of the sound is voiced to measure a
	// pitch: whispering, noise or music without a clear fundamental.
	ErrUnvoiced = errors.New("voice: reference audio has too little voiced speech")
)

// ErrRefText is wrapped by CheckRefText's errors: a reference text too long
// to be what its recording says.
var ErrRefText = errors.New("voice: reference text too long")

// ErrInvalidPrompt is DecodePrompt's one error. It says nothing about what
// was wrong, so that a forger learns nothing from trying.
var ErrInvalidPrompt = errors.New("voice: invalid voice clone prompt")

// ErrUnknownNeural means a neural voice name that names no installed
// voice (Catalog.Profile).
var ErrUnknownNeural = errors.New("voice: unknown neural voice")
