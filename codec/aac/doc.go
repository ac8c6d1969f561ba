// Package aac is a thin binding to FFmpeg's native AAC encoder in
// libavcodec, and the only code that sees libavcodec's API. It turns
// 16-bit mono PCM into AAC-LC in ADTS framing: a raw .aac stream that
// players and browsers open without a container, and that can be sent as
// it is made. The package knows nothing of the codec package; its API is
// bytes in, bytes out. Without cgo every call returns ErrUnavailable.
//
// FFmpeg's own encoder ("aac") is in Debian main; the better-known
// Fraunhofer encoder (libfdk-aac) is non-free and not used. NewEncoder
// insists on the native encoder by name.
//
// # Delay
//
// AAC decoders start with one frame (1,024 samples) of priming, which MP4
// files announce in an edit list but ADTS has no field for. A decoded
// .aac stream therefore starts with 1,024 samples (42.7 ms at 24 kHz) of
// near-silence before the input, and ends with the last frame's padding.
// Delay reports the priming.
//
// # Logging
//
// The first NewEncoder sets libavcodec's process-wide log level to quiet:
// a library must not write to the server's stderr, and every failure is
// also a return code.
package aac
