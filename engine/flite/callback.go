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

// pfGoWords takes an utterance's words from send_words in shim.c: per
// word, its token's byte span in the text and its start and end in
// seconds from the utterance's start. The arrays are C's and are freed
// when this returns.
//
//export pfGoWords
func pfGoWords(handle C.uintptr_t, n C.int, pos, length *C.int, start, end *C.float) {
	r := cgo.Handle(handle).Value().(*request)
	k := int(n)
	r.utteranceWords(
		unsafe.Slice((*int32)(unsafe.Pointer(pos)), k),
		unsafe.Slice((*int32)(unsafe.Pointer(length)), k),
		unsafe.Slice((*float32)(unsafe.Pointer(start)), k),
		unsafe.Slice((*float32)(unsafe.Pointer(end)), k))
}
