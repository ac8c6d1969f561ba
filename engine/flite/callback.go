//go:build cgo

package flite

/*
#include <stdint.h>
#include <flite/cst_audio.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// pfGoChunk is flite's streaming callback, by way of stream_chunk in
// shim.c, and is also called with no samples between utterances. samples
// points into flite's wave and is only valid until this returns.
//
//export pfGoChunk
func pfGoChunk(handle C.uintptr_t, samples *C.short, n C.int) C.int {
	r := cgo.Handle(handle).Value().(*request)
	if r.chunk(unsafe.Slice((*int16)(unsafe.Pointer(samples)), int(n))) {
		return C.CST_AUDIO_STREAM_CONT
	}
	return C.CST_AUDIO_STREAM_STOP
}
