// Package opusenc is a thin binding to libopusenc and libopus, and the only
// code that sees their C API. It turns 16-bit mono PCM into an Ogg Opus
// stream (RFC 7845) that any Opus player or browser opens as .opus. The
// package knows nothing of the codec package; its API is bytes in, bytes
// out. Without cgo every call returns ErrUnavailable.
//
// # Sample rate
//
// libopus itself accepts 8, 12, 16, 24 and 48 kHz, but libopusenc always
// runs it at 48 kHz and converts other rates with its built-in Speex
// resampler (quality 5), compensating the resampler's delay. The stream
// header records the input rate for information only: decoders produce
// 48 kHz by the Ogg Opus convention, and ffprobe reports 48000. The
// encoder is told the input's bandwidth (super-wideband for 24 kHz), so it
// spends no bits above the input's Nyquist frequency.
//
// # Streaming
//
// libopusenc normally holds up to two seconds of audio for "delayed
// decisions" and up to one second in an Ogg page. NewEncoder turns the
// first off (only stream chaining needs it) and caps the second at
// Config.MaxPageDelay, so Encode returns a finished page at least that
// often. Each page costs 27 bytes of header plus one byte per packet: at
// 200 ms a page, 1.5 kbit/s.
//
// # Length
//
// The header's pre-skip (the encoder lookahead, 312 samples at 48 kHz) and
// the last page's granule position give the exact length of the input, so
// players trim both ends and ffprobe reports the exact duration.
package opusenc
