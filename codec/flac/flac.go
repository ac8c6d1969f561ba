//go:build cgo

package flac

/*
#cgo pkg-config: flac
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// block bounds the samples per libFLAC call, and so the C scratch buffer.
const block = 8192

// Encoder turns PCM into a FLAC stream. It is not safe for concurrent use.
type Encoder struct {
	e        *C.pf_encoder
	cleanup  runtime.Cleanup
	finished bool
}

// NewEncoder returns an encoder for cfg whose first Encode or Finish
// starts with the stream header. Close must be called to free it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var state C.int
	e := C.pf_new(C.uint(cfg.SampleRate), C.uint(cfg.Level), &state)
	if e == nil {
		return nil, stateError("init", state)
	}
	enc := &Encoder{e: e}
	// An encoder dropped without Close must not leak its C state.
	enc.cleanup = runtime.AddCleanup(enc, func(e *C.pf_encoder) { C.pf_free(e) }, e)
	return enc, nil
}

func stateError(call string, state C.int) error {
	return fmt.Errorf("%w: %s: %s", ErrEncode, call, C.GoString(C.FLAC__StreamEncoderStateString[state]))
}

// Encode appends to dst the FLAC bytes that pcm completes, often none for
// a short pcm, and returns the extended slice.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if e.e == nil || e.finished {
		return dst, ErrClosed
	}
	for len(pcm) > 0 {
		n := min(len(pcm), block)
		if st := C.pf_write(e.e, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.size_t(n)); st != 0 {
			return e.take(dst), stateError("process", st)
		}
		pcm = pcm[n:]
	}
	return e.take(dst), nil
}

// Finish encodes the last partial block and appends the rest of the
// stream to dst. The encoder takes no more input afterwards.
func (e *Encoder) Finish(dst []byte) ([]byte, error) {
	if e.e == nil || e.finished {
		return dst, ErrClosed
	}
	e.finished = true
	if st := C.pf_finish(e.e); st != 0 {
		return e.take(dst), stateError("finish", st)
	}
	return e.take(dst), nil
}

// take moves what libFLAC has written from the C buffer to dst.
func (e *Encoder) take(dst []byte) []byte {
	if e.e.len == 0 {
		return dst
	}
	dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(e.e.out)), int(e.e.len))...)
	e.e.len = 0
	return dst
}

// StreamInfo returns the STREAMINFO body with the final length, frame
// sizes and MD5 of the audio, to be written at StreamInfoOffset over the
// provisional one; nil before Finish.
func (e *Encoder) StreamInfo() []byte {
	if e.e == nil || e.e.have_info == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(&e.e.info[0]), StreamInfoLen)
}

// Close frees the encoder, abandoning an unfinished stream. It is
// idempotent.
func (e *Encoder) Close() {
	if e.e == nil {
		return
	}
	e.cleanup.Stop()
	C.pf_free(e.e)
	e.e = nil
}
