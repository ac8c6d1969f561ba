// Package flac is a thin binding to libFLAC's stream encoder and the only
// code that sees its C API. It turns 16-bit mono PCM into a native FLAC
// stream, losslessly. The package knows nothing of the codec package; its
// API is bytes in, bytes out. Without cgo every call returns
// ErrUnavailable.
//
// libFLAC writes through callbacks; the C half of this package collects
// what they write in a buffer that Encode and Finish hand over after each
// call, so no C code calls back into Go. The stream header ("fLaC" and
// STREAMINFO) is ready at once, and each frame as soon as its block of
// samples (4,096 at compression level 5, 171 ms at 24 kHz) is complete.
//
// A stream written front to back cannot know its length when STREAMINFO
// goes out, so STREAMINFO says "total samples unknown" and carries no MD5,
// both allowed by the format; decoders then read to the end. Once the
// stream is finished, StreamInfo returns the completed block, which a
// caller that can seek may write over the first one at offset
// StreamInfoOffset.
package flac
