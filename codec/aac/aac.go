//go:build cgo

package aac

/*
#cgo pkg-config: libavcodec libavutil
#include <libavutil/error.h>
#include "shim.h"

static int pa_errstr(int err, char *buf, size_t n) { return av_strerror(err, buf, n); }
*/
import "C"

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// block bounds the samples per libavcodec call.
const block = 8192

var quietOnce sync.Once

// Encoder turns PCM into ADTS-framed AAC. It is not safe for concurrent
// use.
type Encoder struct {
	e        *C.pa_encoder
	cleanup  runtime.Cleanup
	finished bool
}

// NewEncoder returns an encoder for cfg. Close must be called to free it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	quietOnce.Do(func() { C.pa_quiet() })
	var cerr C.int
	e := C.pa_new(C.int(cfg.SampleRate), C.int(slices.Index(adtsRates, cfg.SampleRate)), C.int(cfg.Bitrate), &cerr)
	if e == nil {
		return nil, avError("opening the native aac encoder", cerr)
	}
	enc := &Encoder{e: e}
	// An encoder dropped without Close must not leak its C state.
	enc.cleanup = runtime.AddCleanup(enc, func(e *C.pa_encoder) { C.pa_free(e) }, e)
	return enc, nil
}

func avError(what string, code C.int) error {
	var buf [128]C.char
	C.pa_errstr(code, &buf[0], C.size_t(len(buf)))
	return fmt.Errorf("%w: %s: %s", ErrEncode, what, C.GoString(&buf[0]))
}

// Encode appends to dst the ADTS frames that pcm completes, often none
// for a short pcm, and returns the extended slice.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if e.e == nil || e.finished {
		return dst, ErrClosed
	}
	for len(pcm) > 0 {
		n := min(len(pcm), block)
		if rc := C.pa_write(e.e, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.size_t(n)); rc < 0 {
			return e.take(dst), avError("encoding", rc)
		}
		pcm = pcm[n:]
	}
	return e.take(dst), nil
}

// Finish encodes the last partial frame, drains the encoder and appends
// the final frames to dst. The encoder takes no more input afterwards.
func (e *Encoder) Finish(dst []byte) ([]byte, error) {
	if e.e == nil || e.finished {
		return dst, ErrClosed
	}
	e.finished = true
	if rc := C.pa_finish(e.e); rc < 0 {
		return e.take(dst), avError("flushing", rc)
	}
	return e.take(dst), nil
}

// take moves the ADTS frames collected in C to dst.
func (e *Encoder) take(dst []byte) []byte {
	if e.e.len == 0 {
		return dst
	}
	dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(e.e.out)), int(e.e.len))...)
	e.e.len = 0
	return dst
}

// Delay is the number of priming samples a decoder outputs before the
// input.
func (e *Encoder) Delay() int {
	if e.e == nil {
		return 0
	}
	return int(C.pa_delay(e.e))
}

// Close frees the encoder, abandoning an unfinished stream. It is
// idempotent.
func (e *Encoder) Close() {
	if e.e == nil {
		return
	}
	e.cleanup.Stop()
	C.pa_free(e.e)
	e.e = nil
}
