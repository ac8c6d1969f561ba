// Package lame is a thin binding to libmp3lame and the only code that sees
// LAME's C API. It turns 16-bit mono PCM into a constant-bitrate MP3
// stream: 24 kHz input makes MPEG-2 Layer III, 576 samples a frame. The
// package knows nothing of the codec package; its API is bytes in, bytes
// out. Without cgo every call returns ErrUnavailable.
//
// Encode appends whatever frames LAME has completed, so a caller can send
// them on at once: fed 20 ms at a time, the first frame comes out after
// 40 ms of input.
//
// MP3 has no field for a stream's exact length. LAME prefixes its output
// with an encoder delay (Delay, 576 samples; 1,105 once the decoder's own
// 529 are counted) and pads the last frame (Padding). A file that
// can be rewritten at the end carries both in the LAME "Info" tag, which
// gapless decoders (ffmpeg among them) use to trim
// them: with Config.InfoTag, LAME reserves the first frame and InfoTag
// returns its final contents after Finish. A stream sent as it is made
// cannot be rewritten, so it has no tag, and its decoded length is the
// input plus the delay and padding.
package lame
