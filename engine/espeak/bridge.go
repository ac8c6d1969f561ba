//go:build cgo

package espeak

/*
#cgo pkg-config: espeak-ng
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <espeak-ng/speak_lib.h>

// Defined in callback.go.
extern int parleyEspeakCallback(short *wav, int n, uintptr_t handle, espeak_EVENT *events);

// Every callback in synchronous mode carries an event list whose
// terminating entry holds the user_data given to espeak_Synth.
static int parley_callback(short *wav, int n, espeak_EVENT *events) {
	return parleyEspeakCallback(wav, n, events ? (uintptr_t)events->user_data : 0, events);
}

// parley_event_word reads one event of a callback's list: 1 for a word
// (its character position from 1, its length in characters and its time
// in ms), 0 for another event, -1 for the end of the list.
int parley_event_word(const espeak_EVENT *e, int i, int *pos, int *len, int *ms) {
	if (e[i].type == espeakEVENT_LIST_TERMINATED)
		return -1;
	if (e[i].type != espeakEVENT_WORD)
		return 0;
	*pos = e[i].text_position;
	*len = e[i].length;
	*ms = e[i].audio_position;
	return 1;
}

// DONT_EXIT: without it a missing data directory calls exit(1).
static int parley_initialize(int buflen_ms) {
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, buflen_ms, NULL, espeakINITIALIZE_DONT_EXIT);
	if (rate > 0)
		espeak_SetSynthCallback(parley_callback);
	return rate;
}

enum { PARLEY_OK, PARLEY_BAD_VOICE, PARLEY_BAD_PARAM };

// Every setting this package changes is set on every request, so nothing
// leaks from one request into the next. (Text cannot change settings: SSML
// is off and cleanText removes embedded-command characters.)
static int parley_apply(const char *voice, int rate, int volume, int pitch, int range) {
	if (espeak_SetVoiceByName(voice) != EE_OK)
		return PARLEY_BAD_VOICE;
	if (espeak_SetParameter(espeakRATE, rate, 0) != EE_OK ||
	    espeak_SetParameter(espeakVOLUME, volume, 0) != EE_OK ||
	    espeak_SetParameter(espeakPITCH, pitch, 0) != EE_OK ||
	    espeak_SetParameter(espeakRANGE, range, 0) != EE_OK)
		return PARLEY_BAD_PARAM;
	return PARLEY_OK;
}

// No espeakSSML: the text is only ever text, but for phoneme input in
// [[ ]] when phonemes is set (espeak-ng reads the flag afresh on every
// call, so it never carries over).
static int parley_synth(const char *text, uintptr_t handle, int phonemes) {
	return espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
		espeakCHARS_UTF8 | (phonemes ? espeakPHONEMES : 0), NULL, (void *)handle);
}

// One clause of *textptr in IPA; *textptr moves on, and is NULL after the
// last clause. The text is plain UTF-8, as for parley_synth.
static const char *parley_phonemes(const void **textptr) {
	return espeak_TextToPhonemes(textptr, espeakCHARS_UTF8, espeakPHONEMES_IPA);
}

// lang is NULL for every voice, or "variant" for the variants.
static const espeak_VOICE **parley_list(const char *lang) {
	espeak_VOICE spec;
	if (lang == NULL)
		return espeak_ListVoices(NULL);
	memset(&spec, 0, sizeof spec);
	spec.languages = lang;
	return espeak_ListVoices(&spec);
}
*/
import "C"

import (
	"fmt"
	"path"
	"strings"
	"unsafe"
)

// bufferMS is the audio buffer handed to espeak_Initialize. espeak-ng 1.51
// delivers about 1080 samples (49 ms) per callback for any value up to 40,
// and the first chunk arrives about 0.3 ms after espeak_Synth is called
// whatever the value; 20 keeps chunks at that floor.
const bufferMS = 20

// initialize starts espeak-ng and reads its voices. It must run on the
// worker thread.
func initialize() (int, *catalog, error) {
	rate := int(C.parley_initialize(bufferMS))
	if rate <= 0 {
		var data *C.char
		C.espeak_Info(&data)
		return 0, nil, fmt.Errorf("espeak-ng: cannot initialise from data directory %q", C.GoString(data))
	}
	var voices []VoiceInfo
	for _, v := range listVoices(nil) {
		id := C.GoString(v.identifier)
		voices = append(voices, VoiceInfo{
			Name:        strings.ToLower(path.Base(id)),
			Description: C.GoString(v.name),
			Identifier:  id,
			Languages:   languages(v.languages),
		})
	}
	variantLang := C.CString("variant")
	defer C.free(unsafe.Pointer(variantLang))
	var variants []string
	for _, v := range listVoices(variantLang) {
		variants = append(variants, path.Base(C.GoString(v.identifier)))
	}
	return rate, newCatalog(voices, variants), nil
}

// listVoices returns espeak_ListVoices' NULL-terminated array as a slice.
// The array is espeak-ng's and is overwritten by the next call.
func listVoices(lang *C.char) []*C.espeak_VOICE {
	list := C.parley_list(lang)
	if list == nil {
		return nil
	}
	n := 0
	for unsafe.Slice(list, n+1)[n] != nil {
		n++
	}
	return unsafe.Slice(list, n)
}

// languages decodes espeak_VOICE.languages: a priority byte, a
// NUL-terminated tag, repeated, ending with an empty tag.
func languages(p *C.char) []string {
	var tags []string
	for p != nil && *p != 0 {
		tag := C.GoString((*C.char)(unsafe.Add(unsafe.Pointer(p), 1)))
		tags = append(tags, tag)
		p = (*C.char)(unsafe.Add(unsafe.Pointer(p), len(tag)+2))
	}
	return tags
}

// apply selects the request's voice and settings. It must run on the
// worker thread.
func apply(r request) error {
	voice := C.CString(r.voice)
	defer C.free(unsafe.Pointer(voice))
	switch C.parley_apply(voice, C.int(r.rate), C.int(r.volume), C.int(r.pitch), C.int(r.prange)) {
	case C.PARLEY_OK:
		return nil
	case C.PARLEY_BAD_VOICE:
		return fmt.Errorf("%w %q", ErrUnknownVoice, r.voice)
	default:
		return fmt.Errorf("%w: espeak-ng rejected a parameter", ErrInvalidParams)
	}
}

// synth runs espeak_Synth; audio arrives through parleyEspeakCallback with
// handle. phonemes reads [[ ]] as phoneme input. It must run on the worker
// thread.
func synth(text string, handle uintptr, phonemes bool) error {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	ph := C.int(0)
	if phonemes {
		ph = 1
	}
	if rc := C.parley_synth(ctext, C.uintptr_t(handle), ph); rc != C.EE_OK {
		return fmt.Errorf("espeak-ng: synthesis failed (espeak_ERROR %d)", int(rc))
	}
	return nil
}

// textToPhonemes runs espeak_TextToPhonemes over text clause by clause. It
// must run on the worker thread, after apply has selected the voice.
// interrupted is checked between clauses.
func textToPhonemes(text string, interrupted func() error) ([]Clause, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	base := uintptr(unsafe.Pointer(ctext))
	p := unsafe.Pointer(ctext)
	var clauses []Clause
	start := 0
	for p != nil {
		if err := interrupted(); err != nil {
			// Read the rest, so that espeak-ng holds no half-read text for
			// the next request.
			for p != nil {
				C.parley_phonemes(&p)
			}
			return nil, err
		}
		ph := C.GoString(C.parley_phonemes(&p))
		end := len(text)
		if p != nil {
			end = min(max(int(uintptr(p)-base), start), len(text))
		}
		clauses = append(clauses, newClause(text[start:end], p == nil, ph))
		start = end
	}
	return clauses, nil
}
