//go:build cgo

package espeak

/*
#include <stdint.h>
#include <espeak-ng/speak_lib.h>

int parley_event_word(const espeak_EVENT *e, int i, int *pos, int *len, int *ms);
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
func parleyEspeakCallback(wav *C.short, n C.int, handle C.uintptr_t, events *C.espeak_EVENT) C.int {
	if handle == 0 {
		return 1
	}
	j := cgo.Handle(handle).Value().(*job)
	if j.onWords != nil && events != nil {
		var pos, length, ms C.int
		for i := 0; ; i++ {
			k := C.parley_event_word(events, C.int(i), &pos, &length, &ms)
			if k < 0 {
				break
			}
			if k == 1 {
				j.word(int(pos), int(length), int(ms))
			}
		}
	}
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
