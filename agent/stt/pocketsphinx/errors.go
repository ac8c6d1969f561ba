package pocketsphinx

import "errors"

var (
	// ErrUnavailable is returned by NewDecoder when the binary was built
	// without cgo, so pocketsphinx is not linked in.
	ErrUnavailable = errors.New("pocketsphinx unavailable: built without cgo")
	// ErrConfig is returned for a Config that cannot work: a missing model
	// file, a bad sample rate or a malformed or conflicting Extra flag.
	ErrConfig = errors.New("pocketsphinx: invalid config")
	// ErrInit is returned when pocketsphinx refuses the configuration or
	// fails to load the model.
	ErrInit = errors.New("pocketsphinx: initialisation failed")
	// ErrClosed is returned by a Decoder or Pool after Close.
	ErrClosed = errors.New("pocketsphinx: closed")
	// ErrNoUtterance is returned by Write, Partial and End outside an
	// utterance, and ErrInUtterance by Start inside one.
	ErrNoUtterance = errors.New("pocketsphinx: no utterance started")
	ErrInUtterance = errors.New("pocketsphinx: utterance already started")
	// ErrDecode is returned when pocketsphinx fails on audio it was given.
	ErrDecode = errors.New("pocketsphinx: decoding failed")
)
