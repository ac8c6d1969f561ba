//go:build cgo

package flite

/*
#cgo LDFLAGS: -lflite_cmu_us_slt -lflite_cmu_us_rms -lflite_cmu_us_awb -lflite_cmu_us_kal16 -lflite_usenglish -lflite_cmulex -lflite -lm
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/cgo"
	"strings"
	"sync"
	"unsafe"
)

// chunkSeconds is the least audio flite hands over per streamed chunk. It
// bounds how late a cancellation is noticed, and how much cgo traffic a
// second of speech costs.
const chunkSeconds = 0.05

type voiceInfo struct {
	rate             int
	f0Mean, f0Stddev float64
	stretch          float64 // the voice's own duration_stretch
}

var (
	initOnce sync.Once
	initErr  error
	info     [numVoices]voiceInfo
)

// load registers every voice with flite, once for the process, before any
// synthesis: registration writes flite globals (the shared lexicon), which
// must not race with a synthesis already running on another voice.
func load() error {
	initOnce.Do(func() {
		if C.pf_init() != 0 {
			initErr = errors.New("flite: registering voices failed")
			return
		}
		for i, name := range voiceNames {
			rate := int(C.pf_probe_rate(C.int(i)))
			if rate <= 0 {
				initErr = fmt.Errorf("flite: voice %s produced no audio", name)
				return
			}
			var mean, stddev C.float
			if C.pf_default_pitch(C.int(i), &mean, &stddev) != 0 {
				initErr = fmt.Errorf("flite: voice %s has no pitch target", name)
				return
			}
			info[i] = voiceInfo{
				rate:     rate,
				f0Mean:   float64(mean),
				f0Stddev: float64(stddev),
				stretch:  float64(C.pf_default_stretch(C.int(i))),
			}
		}
	})
	return initErr
}

func voiceInfoFor(voice string) (voiceInfo, error) {
	i, err := voiceIndex(voice)
	if err != nil {
		return voiceInfo{}, err
	}
	if err := load(); err != nil {
		return voiceInfo{}, err
	}
	return info[i], nil
}

// SampleRate returns the rate, in Hz, of the PCM that voice produces, as
// measured from a synthesis at start-up.
func SampleRate(voice string) (int, error) {
	vi, err := voiceInfoFor(voice)
	return vi.rate, err
}

// DefaultPitch returns the voice's own target F0 mean and standard
// deviation in Hz, so that callers can express pitch relative to it.
func DefaultPitch(voice string) (mean, stddev float64, err error) {
	vi, err := voiceInfoFor(voice)
	return vi.f0Mean, vi.f0Stddev, err
}

// Synthesize speaks text with p, calling emit with mono PCM at
// SampleRate(p.Voice) as flite produces it. emit runs on the calling
// goroutine, inside flite's C stack, and owns each slice it is given; a
// panic in emit is re-raised from Synthesize once flite has cleaned up,
// but emit must not call runtime.Goexit (t.FailNow, for one). Synthesize returns when
// speech is complete, with emit's error if emit fails, or with ctx.Err()
// once ctx is done. Text is spoken a sentence (or, for long ones, a part)
// at a time; flite analyses all of it before its first sample, and
// cancellation is noticed at the next chunk or sentence, whichever comes
// first.
// Text with nothing speakable in it emits nothing and returns nil.
func Synthesize(ctx context.Context, text string, p Params, emit func(pcm []int16) error) error {
	return SynthesizeWords(ctx, text, p, nil, emit)
}

// Word is a word flite speaks: its start and end in samples at
// SampleRate from the first sample of the call, and the bytes of the text
// of the token it reads (a token "$5" is read as two words, each with the
// token's bytes).
type Word struct {
	Start, End         int
	TextStart, TextEnd int
}

// SynthesizeWords is Synthesize that also reports, when words is not nil,
// the words of each utterance before its first audio: flite predicts
// every segment's duration before it makes a sample, and a word starts
// where the segment before its first one ends. words runs like emit.
func SynthesizeWords(ctx context.Context, text string, p Params, words func([]Word), emit func(pcm []int16) error) error {
	v, err := p.validate()
	if err != nil {
		return err
	}
	if err := load(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var offsets []int
	if words != nil {
		text, offsets = sanitizeMapped(text)
	} else {
		text = sanitize(text)
	}
	if text == "" {
		return nil
	}

	vi := info[v]
	r := &request{ctx: ctx, emit: emit, gain: 1, words: words, offsets: offsets, rate: vi.rate}
	if p.Volume != 0 {
		r.gain = p.Volume
	}
	creq := C.pf_request{
		f0_mean:      C.float(p.PitchMean),
		f0_stddev:    C.float(p.PitchStddev),
		min_buffsize: C.int(float64(vi.rate) * chunkSeconds),
	}
	if words != nil {
		creq.words = 1
	}
	if p.Rate != 0 {
		creq.duration_stretch = C.float(vi.stretch / p.Rate)
	}
	h := cgo.NewHandle(r)
	defer h.Delete()
	creq.handle = C.uintptr_t(h)
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))

	rc := C.pf_synth(C.int(v), ctext, &creq)
	switch {
	case r.panicked:
		// Re-raised here, after flite has freed its utterance, rather than
		// unwound through flite's C frames.
		panic(r.panicVal)
	case r.err != nil:
		return r.err
	case rc != 0:
		return ErrSynthesis
	}
	return nil
}

// request is the Go side of one synthesis, reached from flite's streaming
// callback through a cgo.Handle.
type request struct {
	ctx      context.Context
	emit     func([]int16) error
	gain     float64
	err      error
	panicked bool
	panicVal any

	// words, when not nil, takes each utterance's words; offsets maps
	// the bytes of the text flite reads to the caller's, rate is the
	// voice's and samples counts the samples emitted.
	words   func([]Word)
	offsets []int
	rate    int
	samples int
}

// utteranceWords reports one utterance's words, given flite's token spans
// in the sanitised text and times in seconds from the utterance's start.
func (r *request) utteranceWords(pos, length []int32, start, end []float32) {
	if r.panicked || r.err != nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.panicVal = true, v
		}
	}()
	ws := make([]Word, 0, len(pos))
	last := len(r.offsets) - 1
	for i := range pos {
		a := min(max(int(pos[i]), 0), last)
		b := min(max(int(pos[i]+length[i]), a), last)
		s := r.samples + int(math.Round(float64(start[i])*float64(r.rate)))
		e := r.samples + int(math.Round(float64(end[i])*float64(r.rate)))
		ws = append(ws, Word{Start: s, End: max(e, s), TextStart: r.offsets[a], TextEnd: r.offsets[b]})
	}
	r.words(ws)
}

// chunk handles one streamed chunk, which aliases flite's wave buffer, or
// with no samples the gap between two sentences, and reports whether flite
// should go on. flite ignores the answer for a sentence's last chunk, so a
// stop must also hold for every later call.
func (r *request) chunk(samples []int16) (cont bool) {
	if r.panicked || r.err != nil {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.panicVal, cont = true, v, false
		}
	}()
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	if len(samples) > 0 {
		pcm := make([]int16, len(samples))
		scale(pcm, samples, r.gain)
		r.samples += len(pcm)
		if err := r.emit(pcm); err != nil {
			r.err = err
			return false
		}
	}
	// Checked again so that a cancellation during emit stops flite now
	// rather than one chunk later.
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	return true
}

// scale copies src into dst multiplied by gain, rounding and clipping to
// the int16 range.
func scale(dst, src []int16, gain float64) {
	if gain == 1 {
		copy(dst, src)
		return
	}
	for i, s := range src {
		dst[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(float64(s)*gain))))
	}
}

// maxRun is the longest run of non-space characters sanitize passes on.
// flite cannot split a token, and spells out an unknown one letter by
// letter: a 10 KB token was one utterance that took 18 s (kal16) to 114 s
// (slt) to analyse before its first sample, deaf to cancellation.
const maxRun = 40

// sanitize makes text safe and sayable for flite, which reads bytes as
// ASCII and has no business with control characters. C strings end at NUL
// and flite's tokenizer has no rule for other controls, so those become
// spaces; tabs and line breaks stay, as flite reads a blank line as the end
// of a sentence. Typographic punctuation and accented Latin letters fold
// to ASCII (flite drops a word wrapped in curly quotes, and splits a word
// at an accented letter); any other non-ASCII character, and broken UTF-8,
// becomes a space, since flite could only mangle it. A space breaks every
// run of maxRun non-space bytes. It returns "" when only whitespace is
// left.
func sanitize(text string) string {
	s, _ := sanitizeWith(text, false)
	return s
}

// sanitizeMapped is sanitize that also maps each byte of its result, and
// its end, to the byte of text it came from.
func sanitizeMapped(text string) (string, []int) { return sanitizeWith(text, true) }

func sanitizeWith(text string, mapped bool) (string, []int) {
	var b strings.Builder
	b.Grow(len(text))
	var offsets []int
	speakable := false
	run := 0
	from := 0 // the byte of text being written
	write := func(s string) {
		for i := range len(s) {
			if mapped {
				offsets = append(offsets, from)
			}
			if c := s[i]; c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				run = 0
			} else if run++; run > maxRun {
				b.WriteByte(' ')
				if mapped {
					offsets = append(offsets, from)
				}
				run = 1
			}
			b.WriteByte(s[i])
		}
	}
	for i, r := range text {
		from = i
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			write(string(r))
		case r < 0x20 || r == 0x7f:
			write(" ")
		case r < 0x80:
			write(string(r))
			speakable = speakable || r != ' '
		case asciiFold[r] != "":
			write(asciiFold[r])
			speakable = true
		default:
			write(" ")
		}
	}
	if !speakable {
		return "", nil
	}
	if mapped {
		offsets = append(offsets, len(text))
	}
	return b.String(), offsets
}

// asciiFold maps the non-ASCII characters common in English text to
// ASCII. Spaces other than ASCII ones are left to the default (a space).
var asciiFold = func() map[rune]string {
	m := map[rune]string{
		'ß': "ss", 'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", '…': "...",
	}
	for _, f := range []struct{ from, to string }{
		{"‘’‚‛′", "'"},
		{"“”„‟″«»", `"`},
		{"‐‑‒–—―−", "-"},
		{"ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ",
			"AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy"},
	} {
		to := []rune(f.to)
		for i, r := range []rune(f.from) {
			m[r] = string(to[min(i, len(to)-1)])
		}
	}
	return m
}()
