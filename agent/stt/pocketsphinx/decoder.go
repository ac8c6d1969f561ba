//go:build cgo

package pocketsphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

var initOnce sync.Once

// Decoder is one pocketsphinx decoder: a loaded model and the state of at
// most one utterance. It is not meant for concurrent use (an utterance is
// one stream of audio), but its methods are serialised, so a Close racing
// a Write is safe. Separate decoders share nothing and run in parallel.
type Decoder struct {
	mu    sync.Mutex
	ps    *C.ps_decoder_t // nil after Close
	argv  []*C.char       // owned by the decoder's config until ps_free
	cmn   *C.psg_cmn_t    // the CMN state as loaded, for Reset
	inUtt bool
}

// NewDecoder loads a decoder. Loading reads the whole model: for the
// default English model it takes about 0.3 s on an idle core (up to a
// second on a busy machine) and holds about 90 MB, so load decoders ahead
// of need, in a Pool. The first call switches pocketsphinx's logging off
// for the process; a failed load returns pocketsphinx's reason instead.
func NewDecoder(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	initOnce.Do(func() { C.psg_init() })
	for k := range cfg.Extra {
		ck := C.CString(k)
		known := C.psg_known(ck) != 0
		C.free(unsafe.Pointer(ck))
		if !known {
			return nil, fmt.Errorf("%w: pocketsphinx has no flag %s", ErrConfig, k)
		}
	}
	args := cfg.args()
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	cargv := (**C.char)(C.malloc(C.size_t(len(argv)) * C.size_t(unsafe.Sizeof(argv[0]))))
	defer C.free(unsafe.Pointer(cargv))
	copy(unsafe.Slice(cargv, len(argv)), argv)
	var msg [256]C.char
	ps := C.psg_open(C.int(len(argv)), cargv, &msg[0], C.int(len(msg)))
	if ps == nil {
		freeAll(argv)
		return nil, fmt.Errorf("%w: %s", ErrInit, cleanMessage(C.GoString(&msg[0])))
	}
	return &Decoder{ps: ps, argv: argv, cmn: C.psg_cmn_save(ps)}, nil
}

func freeAll(argv []*C.char) {
	for _, s := range argv {
		C.free(unsafe.Pointer(s))
	}
}

// cleanMessage strips sphinxbase's `ERROR: "file.c", line 12: ` prefix.
func cleanMessage(m string) string {
	if i := strings.Index(m, ", line "); i >= 0 {
		if j := strings.Index(m[i:], ": "); j >= 0 {
			m = m[i+j+2:]
		}
	}
	m = strings.TrimSpace(m)
	if m == "" {
		return "no reason given"
	}
	return m
}

// Start begins an utterance.
func (d *Decoder) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.ps == nil:
		return ErrClosed
	case d.inUtt:
		return ErrInUtterance
	}
	if C.ps_start_utt(d.ps) < 0 {
		return fmt.Errorf("%w: cannot start an utterance", ErrDecode)
	}
	d.inUtt = true
	return nil
}

// Write decodes the next chunk of the utterance: mono 16-bit PCM at the
// configured rate, in chunks of any size. The work is done before Write
// returns, in proportion to the chunk's length.
func (d *Decoder) Write(pcm []int16) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check(); err != nil {
		return err
	}
	if len(pcm) == 0 {
		return nil
	}
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)), 0, 0) < 0 {
		return fmt.Errorf("%w: processing %d samples", ErrDecode, len(pcm))
	}
	return nil
}

// Partial returns the best hypothesis for the utterance so far. It reads
// the forward search's current best path, which costs far less than a
// Write of a few hundred milliseconds; the words may still change, and End
// rescores them.
func (d *Decoder) Partial() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check(); err != nil {
		return "", err
	}
	return d.hyp(), nil
}

// End finishes the utterance and returns its final hypothesis, which is
// empty when nothing was recognised.
func (d *Decoder) End() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check(); err != nil {
		return "", err
	}
	d.inUtt = false
	if C.ps_end_utt(d.ps) < 0 {
		return "", fmt.Errorf("%w: cannot end the utterance", ErrDecode)
	}
	return d.hyp(), nil
}

func (d *Decoder) check() error {
	switch {
	case d.ps == nil:
		return ErrClosed
	case !d.inUtt:
		return ErrNoUtterance
	}
	return nil
}

func (d *Decoder) hyp() string {
	if h := C.psg_hyp(d.ps); h != nil {
		return C.GoString(h)
	}
	return ""
}

// WordTime is a word of the last utterance's hypothesis and the frames it
// spans, in seconds from the utterance's start (pocketsphinx's frames are
// 10 ms).
type WordTime struct {
	Word       string
	Start, End float64
}

// Words returns the words of the utterance that End finished, with their
// times, silences and fillers included as pocketsphinx names them
// ("<sil>", "<s>", "</s>"). With a grammar of the one sentence spoken
// (Extra "-jsgf"), it is a forced alignment of that sentence.
func (d *Decoder) Words() ([]WordTime, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.ps == nil:
		return nil, ErrClosed
	case d.inUtt:
		return nil, ErrInUtterance
	}
	var out []WordTime
	for seg := C.ps_seg_iter(d.ps); seg != nil; seg = C.ps_seg_next(seg) {
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		out = append(out, WordTime{Word: C.GoString(C.ps_seg_word(seg)), Start: float64(sf) / 100, End: float64(ef+1) / 100})
	}
	return out, nil
}

// Reset makes the decoder forget what earlier utterances taught it.
// pocketsphinx estimates the channel (the cepstral mean) and the
// background noise from the audio it hears and carries the estimates into
// the next utterance, which helps with one speaker on one microphone but
// makes a hypothesis depend on what the decoder heard before. After Reset the next utterance decodes exactly
// as on a freshly loaded decoder. Reset ends an utterance in progress,
// discarding it.
func (d *Decoder) Reset() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ps == nil {
		return ErrClosed
	}
	if d.inUtt {
		d.inUtt = false
		if C.ps_end_utt(d.ps) < 0 {
			return fmt.Errorf("%w: cannot end the utterance", ErrDecode)
		}
	}
	// A new stream resets the noise estimate that -remove_noise keeps.
	if C.ps_start_stream(d.ps) < 0 {
		return fmt.Errorf("%w: cannot restart the stream", ErrDecode)
	}
	C.psg_cmn_restore(d.ps, d.cmn)
	return nil
}

// Close frees the decoder. It is idempotent.
func (d *Decoder) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ps == nil {
		return nil
	}
	C.ps_free(d.ps)
	C.psg_cmn_free(d.cmn)
	d.ps, d.cmn = nil, nil
	d.inUtt = false
	// The config, whose table is keyed by these strings, went with ps.
	freeAll(d.argv)
	d.argv = nil
	return nil
}
