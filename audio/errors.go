package audio

import "errors"

// Errors from ReadWAV and WAVWriter. Returned errors wrap one of these with
// the detail that made the input unacceptable; match them with errors.Is.
var (
	// ErrNotWAV means the input does not start with a RIFF/WAVE header.
	ErrNotWAV = errors.New("audio: not a RIFF/WAVE file")
	// ErrTruncated means the input ended before the header or the data its
	// header announced.
	ErrTruncated = errors.New("audio: truncated WAV")
	// ErrMalformed means the header is inconsistent (zero channels, a block
	// size that does not match the sample format, no fmt chunk, ...).
	ErrMalformed = errors.New("audio: malformed WAV")
	// ErrUnsupported means a well-formed file in an encoding this package
	// does not decode (compressed formats, RF64, big-endian RIFX, ...).
	ErrUnsupported = errors.New("audio: unsupported WAV encoding")
	// ErrTooLarge means the audio data exceeds the reader's limit or the
	// 4 GiB a WAV header can describe.
	ErrTooLarge = errors.New("audio: WAV too large")
	// ErrClosed is returned by a WAVWriter used after Close.
	ErrClosed = errors.New("audio: WAV writer closed")
)
