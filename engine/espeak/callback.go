//go:build cgo

package espeak

/*
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// parleyEspeakCallback is espeak-ng's synth callback. It runs on the worker
// thread inside espeak_Synth; returning 1 makes espeak-ng abandon the text.
//
//export parleyEspeakCallback
func parleyEspeakCallback(wav *C.short, n C.int, handle C.uintptr_t) C.int {
	if handle == 0 {
		return 1
	}
	j := cgo.Handle(handle).Value().(*job)
	var pcm []int16
	if wav != nil && n > 0 {
		// The buffer is espeak-ng's and is reused for the next chunk.
		pcm = make([]int16, int(n))
		copy(pcm, unsafe.Slice((*int16)(unsafe.Pointer(wav)), int(n)))
	}
	if j.deliver(pcm) {
		return 0
	}
	return 1
}
