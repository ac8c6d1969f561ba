//go:build cgo

package opusenc

/*
#cgo pkg-config: libopusenc opus
#include <opus/opusenc.h>

// ope_encoder_ctl is variadic, which cgo cannot call.
static int po_setup(OggOpusEnc *enc, int bitrate, int app, int voice, int complexity, int bandwidth, int page_delay, int serial) {
	int err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_APPLICATION(app))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_VBR(1))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_VBR_CONSTRAINT(1))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(bandwidth))) != OPE_OK) return err;
	if (voice && (err = ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPE_SET_DECISION_DELAY(0))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPE_SET_MUXING_DELAY(page_delay))) != OPE_OK) return err;
	if ((err = ope_encoder_ctl(enc, OPE_SET_COMMENT_PADDING(0))) != OPE_OK) return err;
	return ope_encoder_ctl(enc, OPE_SET_SERIALNO(serial));
}

// po_start makes the header pages. libopusenc 0.2.1 sets a stream's end
// position only in ope_encoder_write, so draining a stream that was never
// written reads uninitialised memory and fails an assertion; an empty
// write sets it.
static int po_start(OggOpusEnc *enc) {
	int err = ope_encoder_flush_header(enc);
	if (err != OPE_OK) return err;
	opus_int16 none = 0;
	return ope_encoder_write(enc, &none, 0);
}

static OggOpusEnc *po_new(int rate, int *err) {
	OggOpusComments *c = ope_comments_create();
	if (c == NULL) {
		*err = OPE_ALLOC_FAIL;
		return NULL;
	}
	// The encoder copies the comments.
	OggOpusEnc *enc = ope_encoder_create_pull(c, rate, 1, 0, err);
	ope_comments_destroy(c);
	return enc;
}
*/
import "C"

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"unsafe"
)

// Encoder turns PCM into Ogg Opus pages. It is not safe for concurrent use.
type Encoder struct {
	enc      *C.OggOpusEnc
	cleanup  runtime.Cleanup
	finished bool
}

// bandwidth is the narrowest Opus audio bandwidth that holds everything
// below the Nyquist frequency of rate.
func bandwidth(rate int) C.int {
	switch {
	case rate <= 8000:
		return C.OPUS_BANDWIDTH_NARROWBAND
	case rate <= 12000:
		return C.OPUS_BANDWIDTH_MEDIUMBAND
	case rate <= 16000:
		return C.OPUS_BANDWIDTH_WIDEBAND
	case rate <= 24000:
		return C.OPUS_BANDWIDTH_SUPERWIDEBAND
	default:
		return C.OPUS_BANDWIDTH_FULLBAND
	}
}

// NewEncoder returns an encoder for cfg whose first Encode or Finish
// starts with the stream headers. Close must be called to free it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var cerr C.int
	enc := C.po_new(C.int(cfg.SampleRate), &cerr)
	if enc == nil {
		return nil, opeError("ope_encoder_create_pull", cerr)
	}
	app := C.int(C.OPUS_APPLICATION_AUDIO)
	if cfg.Application == VoIP {
		app = C.OPUS_APPLICATION_VOIP
	}
	voice := C.int(0)
	if cfg.Speech {
		voice = 1
	}
	// The muxing delay counts 48 kHz samples whatever the input rate.
	pageDelay := C.int(cfg.MaxPageDelay.Microseconds() * 48 / 1000)
	// A random serial number lets streams be chained or multiplexed; libc's
	// rand(), libopusenc's default, repeats across processes.
	serial := C.int(int32(rand.Uint32()))
	if e := C.po_setup(enc, C.int(cfg.Bitrate), app, voice, C.int(cfg.Complexity), bandwidth(cfg.SampleRate), pageDelay, serial); e != C.OPE_OK {
		C.ope_encoder_destroy(enc)
		return nil, opeError("ope_encoder_ctl", e)
	}
	if e := C.po_start(enc); e != C.OPE_OK {
		C.ope_encoder_destroy(enc)
		return nil, opeError("starting the stream", e)
	}
	e := &Encoder{enc: enc}
	// An encoder dropped without Close must not leak its C state.
	e.cleanup = runtime.AddCleanup(e, func(enc *C.OggOpusEnc) { C.ope_encoder_destroy(enc) }, enc)
	return e, nil
}

func opeError(call string, code C.int) error {
	return fmt.Errorf("%w: %s: %s", ErrEncode, call, C.GoString(C.ope_strerror(code)))
}

// Encode appends to dst the Ogg pages that pcm completes, often none for
// a short pcm, and returns the extended slice.
func (e *Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if e.enc == nil || e.finished {
		return dst, ErrClosed
	}
	if len(pcm) > 0 {
		if rc := C.ope_encoder_write(e.enc, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm))); rc != C.OPE_OK {
			return dst, opeError("ope_encoder_write", rc)
		}
	}
	return e.pages(dst, false)
}

// Finish encodes the rest of the input, ends the stream and appends its
// last pages to dst. The encoder takes no more input afterwards.
func (e *Encoder) Finish(dst []byte) ([]byte, error) {
	if e.enc == nil || e.finished {
		return dst, ErrClosed
	}
	e.finished = true
	if rc := C.ope_encoder_drain(e.enc); rc != C.OPE_OK {
		return dst, opeError("ope_encoder_drain", rc)
	}
	return e.pages(dst, true)
}

// pages appends every page libopusenc has finished; flush also finishes
// the page being filled.
func (e *Encoder) pages(dst []byte, flush bool) ([]byte, error) {
	f := C.int(0)
	if flush {
		f = 1
	}
	for {
		var page *C.uchar
		var n C.opus_int32
		switch rc := C.ope_encoder_get_page(e.enc, &page, &n, f); {
		case rc == 0:
			return dst, nil
		case rc < 0:
			return dst, opeError("ope_encoder_get_page", rc)
		}
		dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(page)), int(n))...)
	}
}

// Close frees the encoder without finishing the stream. It is idempotent.
func (e *Encoder) Close() {
	if e.enc == nil {
		return
	}
	e.cleanup.Stop()
	C.ope_encoder_destroy(e.enc)
	e.enc = nil
}
