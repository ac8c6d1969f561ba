//go:build cgo

package lame

/*
#cgo LDFLAGS: -lmp3lame
#include <stdlib.h>
#include <lame/lame.h>

// LAME prints its warnings and errors through these; a library must not
// write to the server's stderr, and every failure is also a return code.
static void pl_silent(const char *format, va_list ap) {}

static lame_global_flags *pl_new(int rate, int kbps, int quality, int tag) {
	lame_global_flags *g = lame_init();
	if (g == NULL) return NULL;
	lame_set_errorf(g, pl_silent);
	lame_set_debugf(g, pl_silent);
	lame_set_msgf(g, pl_silent);
	lame_set_num_channels(g, 1);
	lame_set_mode(g, MONO);
	lame_set_in_samplerate(g, rate);
	lame_set_out_samplerate(g, rate);
	lame_set_VBR(g, vbr_off);
	lame_set_brate(g, kbps);
	lame_set_quality(g, quality);
	lame_set_bWriteVbrTag(g, tag);
	if (lame_init_params(g) < 0) {
		lame_close(g);
		return NULL;
	}
	return g;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"slices"
	"unsafe"
)

// block bounds the samples per LAME call, and so the output space each
// call must reserve.
const block = 8192

// Encoder turns PCM into MP3 frames. It is not safe for concurrent use.
type Encoder struct {
	g        *C.lame_global_flags
	cleanup  runtime.Cleanup
	finished bool
}

// NewEncoder returns an encoder for cfg. Close must be called to free it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tag := 0
	if cfg.InfoTag {
		tag = 1
	}
	g := C.pl_new(C.int(cfg.SampleRate), C.int(cfg.Bitrate), C.int(cfg.Quality), C.int(tag))
	if g == nil {
		return nil, fmt.Errorf("%w: lame_init_params rejected %+v", ErrEncode, cfg)
	}
	e := &Encoder{g: g}
	// An encoder dropped without Close must not leak its C state.
	e.cleanup = runtime.AddCleanup(e, func(g *C.lame_global_flags) { C.lame_close(g) }, g)
	return e, nil
}

// maxOut is LAME's documented worst case for n samples in one call.
func maxOut(n int) int { return n + n/4 + 7200 }

// Encode appends to dst the MP3 bytes that pcm completes, often none for a
// short pcm, and returns the extended slice.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if e.g == nil || e.finished {
		return dst, ErrClosed
	}
	for len(pcm) > 0 {
		n := min(len(pcm), block)
		dst = slices.Grow(dst, maxOut(n))
		out := dst[len(dst):cap(dst)]
		got := C.lame_encode_buffer(e.g, (*C.short)(unsafe.Pointer(&pcm[0])), nil, C.int(n),
			(*C.uchar)(unsafe.Pointer(&out[0])), C.int(len(out)))
		if got < 0 {
			return dst, fmt.Errorf("%w: lame_encode_buffer returned %d", ErrEncode, int(got))
		}
		dst = dst[:len(dst)+int(got)]
		pcm = pcm[n:]
	}
	return dst, nil
}

// Finish encodes the samples LAME still holds, pads the last frame, and
// appends the final frames to dst. After Finish the encoder takes no more
// input; InfoTag and Padding become meaningful.
func (e *Encoder) Finish(dst []byte) ([]byte, error) {
	if e.g == nil || e.finished {
		return dst, ErrClosed
	}
	e.finished = true
	dst = slices.Grow(dst, maxOut(block))
	out := dst[len(dst):cap(dst)]
	got := C.lame_encode_flush(e.g, (*C.uchar)(unsafe.Pointer(&out[0])), C.int(len(out)))
	if got < 0 {
		return dst, fmt.Errorf("%w: lame_encode_flush returned %d", ErrEncode, int(got))
	}
	return dst[:len(dst)+int(got)], nil
}

// InfoTag returns the final LAME Info tag frame, which replaces the first
// frame of the stream; nil unless Config.InfoTag was set. Call it after
// Finish.
func (e *Encoder) InfoTag() ([]byte, error) {
	if e.g == nil {
		return nil, ErrClosed
	}
	if !e.finished {
		return nil, fmt.Errorf("%w: InfoTag before Finish", ErrEncode)
	}
	n := C.lame_get_lametag_frame(e.g, nil, 0)
	if n == 0 {
		return nil, nil
	}
	tag := make([]byte, int(n))
	if got := C.lame_get_lametag_frame(e.g, (*C.uchar)(unsafe.Pointer(&tag[0])), n); got != n {
		return nil, fmt.Errorf("%w: LAME tag of %d bytes, then %d", ErrEncode, int(n), int(got))
	}
	return tag, nil
}

// Delay is the number of samples of silence LAME puts before the audio,
// not counting the decoder's own delay of 529 samples.
func (e *Encoder) Delay() int {
	if e.g == nil {
		return 0
	}
	return int(C.lame_get_encoder_delay(e.g))
}

// Padding is the number of samples LAME appended after the audio to fill
// the last frame; known only after Finish.
func (e *Encoder) Padding() int {
	if e.g == nil {
		return 0
	}
	return int(C.lame_get_encoder_padding(e.g))
}

// Close frees the encoder without flushing. It is idempotent.
func (e *Encoder) Close() {
	if e.g == nil {
		return
	}
	e.cleanup.Stop()
	C.lame_close(e.g)
	e.g = nil
}
