package espeak

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// protocolVersion is what a worker announces in its hello frame; the pool
// refuses a worker that speaks another version (a binary replaced on disk
// under a running server, say). Version 2 added phonemisation, version 3
// the phonemes flag of a request, version 4 word events (the words flag
// and words frames).
const protocolVersion = 4

// maxFrame bounds a frame's size after its length prefix, so that a
// corrupt or hostile prefix cannot make either side allocate much.
const maxFrame = 1 << 20

// readStep is how much a decoder grows its buffer at a time: a frame's
// memory is allocated as its bytes arrive, not when its prefix claims them.
const readStep = 64 << 10

// frameType is a frame's first byte after the length prefix.
type frameType byte

const (
	frameHello   frameType = 'h' // worker → pool, first: version, sample rate, error
	frameRequest frameType = 'r' // pool → worker: id, params, text
	frameCancel  frameType = 'c' // pool → worker: id
	frameAudio   frameType = 'a' // worker → pool: id, PCM
	frameEnd     frameType = 'e' // worker → pool: id, status, message

	framePhonemize frameType = 'p' // pool → worker: id, voice, text
	frameClauses   frameType = 'k' // worker → pool: id, clauses
	frameWords     frameType = 'w' // worker → pool: id, words
)

// errProtocol marks a frame that breaks the protocol.
var errProtocol = errors.New("espeak-ng worker protocol")

func protocolErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errProtocol, fmt.Sprintf(format, args...))
}

// status is how a request ended, in an end frame.
type status uint8

const (
	statusOK status = iota
	statusCancelled
	statusUnknownVoice
	statusUnknownVariant
	statusInvalidParams
	statusFailed
)

// hello is a worker's first frame: the protocol it speaks and its sample
// rate, or why espeak-ng could not start.
type hello struct {
	version uint16
	rate    uint32
	err     string
}

// wireRequest is one Synthesize call sent to a worker.
type wireRequest struct {
	id     uint64
	params Params
	text   string
	// words asks for word events (SynthesizeWords).
	words bool
}

// wordSize is one word's size in a words frame: sample, text start, text
// end.
const wordSize = 3 * 4

// maxWordsBody is the most words one frame carries, in bytes after its
// type and id; longer lists are split.
const maxWordsBody = (maxFrame - 1 - 8) / wordSize * wordSize

// wirePhonemize is one Phonemize call sent to a worker. The text is
// cleaned already (cleanText), so that the worker reads the same bytes the
// pool slices its clauses' texts from.
type wirePhonemize struct {
	id    uint64
	voice string
	text  string
}

// wireClause is a Clause on the wire. Its text is not sent: the pool has
// it, and n says how many bytes of it, from where the previous clause
// ended, the clause consumed.
type wireClause struct {
	n        uint32
	punct    rune
	phonemes string
}

// clauseHead is a clause's size in a clauses frame without its phonemes:
// text length, punctuation, phonemes' length.
const clauseHead = 4 + 1 + 4

// maxClausesBody is the most clauses one frame carries, in bytes after its
// type and id; longer lists are split.
const maxClausesBody = maxFrame - 1 - 8

// clauseMemory is what one Clause costs the pool beyond its phonemes: the
// struct (its Text shares the request's text).
const clauseMemory = 40

// maxClausesCost bounds what the clauses of a phonemisation of textLen
// bytes may cost in memory (clauseMemory per clause plus its phonemes),
// so that a worker cannot make the pool hold more than a few MiB for one
// request. espeak-ng 1.51's phonemes run to at most about 5 bytes per byte
// of text (digits, symbols, CJK read as "Chinese letter"), and a clause
// per comma costs up to about 18 per byte ("w, w, w, ..."): 64 per byte
// leaves room to spare.
func maxClausesCost(textLen int) int { return 64*textLen + 64<<10 }

// errPhonemesTooLong fails, in the worker, a phonemisation whose clauses
// would break maxClausesCost or a frame; espeak-ng makes none.
var errPhonemesTooLong = errors.New("espeak-ng: phonemes over the limit")

// checkClauses reports whether clauses, read from text, can be sent to the
// pool: each fits a frame and together they stay within maxClausesCost.
func checkClauses(text string, clauses []Clause) error {
	cost := 0
	for _, c := range clauses {
		if clauseHead+len(c.Phonemes) > maxClausesBody {
			return errPhonemesTooLong
		}
		cost += clauseMemory + len(c.Phonemes)
	}
	if cost > maxClausesCost(len(text)) {
		return errPhonemesTooLong
	}
	return nil
}

// puncts are the values Clause.Punct takes; a clauses frame carries one
// as its ASCII byte.
const puncts = ".,?!:;"

// end closes a request: the worker sends it once, after the request's last
// audio frame, whether it finished, failed or was cancelled.
type end struct {
	id     uint64
	status status
	msg    string
}

// endFor describes the error Synthesize returned in a worker.
func endFor(id uint64, err error) end {
	e := end{id: id}
	switch {
	case err == nil:
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.status = statusCancelled
	case errors.Is(err, ErrUnknownVoice):
		e.status = statusUnknownVoice
	case errors.Is(err, ErrUnknownVariant):
		e.status = statusUnknownVariant
	case errors.Is(err, ErrInvalidParams):
		e.status = statusInvalidParams
	default:
		e.status = statusFailed
	}
	e.msg = err.Error()
	return e
}

// err is the error a caller sees for e. The worker's message is kept and
// the sentinel it stands for still matches with errors.Is.
func (e end) err() error {
	var sentinel error
	switch e.status {
	case statusOK:
		return nil
	case statusCancelled:
		// Only a cancel frame, which detaches the caller first, or a worker
		// being stopped by someone else, ends a request this way.
		return fmt.Errorf("%w: it was stopped mid-request", ErrWorkerDied)
	case statusUnknownVoice:
		sentinel = ErrUnknownVoice
	case statusUnknownVariant:
		sentinel = ErrUnknownVariant
	case statusInvalidParams:
		sentinel = ErrInvalidParams
	default:
		return errors.New(e.msg)
	}
	return &workerError{sentinel: sentinel, msg: e.msg}
}

// workerError is an error reported by a worker process: its message as the
// worker wrote it, matching the sentinel it stands for.
type workerError struct {
	sentinel error
	msg      string
}

func (e *workerError) Error() string { return e.msg }
func (e *workerError) Unwrap() error { return e.sentinel }

// encoder builds frames in a reused buffer and writes each with a single
// Write, so that frames from one encoder never interleave.
type encoder struct {
	w   io.Writer
	buf []byte
}

func (e *encoder) begin(t frameType) {
	e.buf = append(e.buf[:0], 0, 0, 0, 0, byte(t))
}

func (e *encoder) u8(v uint8)   { e.buf = append(e.buf, v) }
func (e *encoder) u16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }
func (e *encoder) u32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }
func (e *encoder) i32(v int) {
	e.u32(uint32(int32(max(min(v, math.MaxInt32), math.MinInt32))))
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) flush() error {
	n := len(e.buf) - 4
	if n > maxFrame {
		return protocolErr("frame of %d bytes, at most %d", n, maxFrame)
	}
	binary.LittleEndian.PutUint32(e.buf, uint32(n))
	_, err := e.w.Write(e.buf)
	return err
}

func (e *encoder) hello(h hello) error {
	e.begin(frameHello)
	e.u16(h.version)
	e.u32(h.rate)
	e.str(h.err)
	return e.flush()
}

func (e *encoder) request(r wireRequest) error {
	e.begin(frameRequest)
	e.u64(r.id)
	e.i32(r.params.Rate)
	e.i32(r.params.Pitch)
	e.i32(r.params.Range)
	e.i32(r.params.Volume)
	e.str(r.params.Voice)
	e.str(r.params.Variant)
	e.str(r.text)
	var flags uint8
	if r.params.Phonemes {
		flags |= flagPhonemes
	}
	if r.words {
		flags |= flagWords
	}
	e.u8(flags)
	return e.flush()
}

// words sends a request's word events, in as many frames as they need.
func (e *encoder) words(id uint64, ws []Word) error {
	for len(ws) > 0 {
		n := min(len(ws), maxWordsBody/wordSize)
		e.begin(frameWords)
		e.u64(id)
		for _, w := range ws[:n] {
			e.u32(uint32(w.Sample))
			e.u32(uint32(w.TextStart))
			e.u32(uint32(w.TextEnd))
		}
		if err := e.flush(); err != nil {
			return err
		}
		ws = ws[n:]
	}
	return nil
}

func (e *encoder) cancel(id uint64) error {
	e.begin(frameCancel)
	e.u64(id)
	return e.flush()
}

// maxAudioSamples is the most PCM one audio frame carries; longer chunks
// are split.
const maxAudioSamples = (maxFrame - 1 - 8) / 2

func (e *encoder) audio(id uint64, pcm []int16) error {
	for first := true; first || len(pcm) > 0; first = false {
		n := min(len(pcm), maxAudioSamples)
		e.begin(frameAudio)
		e.u64(id)
		for _, s := range pcm[:n] {
			e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(s))
		}
		if err := e.flush(); err != nil {
			return err
		}
		pcm = pcm[n:]
	}
	return nil
}

func (e *encoder) end(x end) error {
	e.begin(frameEnd)
	e.u64(x.id)
	e.u8(uint8(x.status))
	e.str(x.msg)
	return e.flush()
}

func (e *encoder) phonemize(r wirePhonemize) error {
	e.begin(framePhonemize)
	e.u64(r.id)
	e.str(r.voice)
	e.str(r.text)
	return e.flush()
}

// clauses sends a phonemisation's clauses in as few frames as hold them,
// none if there are none. Each clause must fit a frame (checkClauses).
func (e *encoder) clauses(id uint64, clauses []Clause) error {
	for len(clauses) > 0 {
		e.begin(frameClauses)
		e.u64(id)
		body := len(e.buf)
		for len(clauses) > 0 {
			c := clauses[0]
			if size := clauseHead + len(c.Phonemes); len(e.buf)-body+size > maxClausesBody && len(e.buf) > body {
				break
			}
			e.u32(uint32(len(c.Text)))
			e.u8(uint8(c.Punct))
			e.str(c.Phonemes)
			clauses = clauses[1:]
		}
		if err := e.flush(); err != nil {
			return err
		}
	}
	return nil
}

// requestSize is the size of r's frame after the length prefix.
func requestSize(p Params, text string) int {
	return 1 + 8 + 4*4 + 3*4 + len(p.Voice) + len(p.Variant) + len(text) + 1
}

// Flags of a request: flagPhonemes is Params.Phonemes, flagWords asks for
// words frames.
const (
	flagPhonemes = 1
	flagWords    = 2
)

// decoder reads frames. The body it returns is valid until the next call.
type decoder struct {
	r   io.Reader
	hdr [5]byte
	buf []byte
}

// next reads one frame. A clean end of input before a frame is io.EOF; an
// end inside one is io.ErrUnexpectedEOF.
func (d *decoder) next() (frameType, []byte, error) {
	if _, err := io.ReadFull(d.r, d.hdr[:4]); err != nil {
		return 0, nil, err
	}
	n := int(binary.LittleEndian.Uint32(d.hdr[:4]))
	if n < 1 || n > maxFrame {
		return 0, nil, protocolErr("frame length %d, want 1..%d", n, maxFrame)
	}
	if _, err := io.ReadFull(d.r, d.hdr[4:]); err != nil {
		return 0, nil, noEOF(err)
	}
	n--
	d.buf = d.buf[:0]
	for len(d.buf) < n {
		have := len(d.buf)
		step := min(n-have, readStep)
		if cap(d.buf) < have+step {
			grown := make([]byte, have, have+step)
			copy(grown, d.buf)
			d.buf = grown
		}
		d.buf = d.buf[:have+step]
		if _, err := io.ReadFull(d.r, d.buf[have:]); err != nil {
			return 0, nil, noEOF(err)
		}
	}
	return frameType(d.hdr[4]), d.buf, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fields reads a frame body; the first error sticks and later reads return
// zero values.
type fields struct {
	b   []byte
	err error
}

func (f *fields) take(n int) []byte {
	if f.err != nil {
		return nil
	}
	if n > len(f.b) {
		f.err = protocolErr("frame ends early")
		return nil
	}
	v := f.b[:n]
	f.b = f.b[n:]
	return v
}

func (f *fields) u8() uint8 {
	if b := f.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (f *fields) u16() uint16 {
	if b := f.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (f *fields) u32() uint32 {
	if b := f.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (f *fields) u64() uint64 {
	if b := f.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (f *fields) i32() int { return int(int32(f.u32())) }

func (f *fields) str() string {
	n := f.u32()
	if f.err == nil && uint64(n) > uint64(len(f.b)) {
		f.err = protocolErr("string of %d bytes in %d", n, len(f.b))
	}
	return string(f.take(int(n)))
}

// done reports the first error, or bytes left over.
func (f *fields) done() error {
	if f.err == nil && len(f.b) > 0 {
		f.err = protocolErr("%d bytes left over in a frame", len(f.b))
	}
	return f.err
}

func parseHello(b []byte) (hello, error) {
	f := fields{b: b}
	h := hello{version: f.u16(), rate: f.u32(), err: f.str()}
	return h, f.done()
}

func parseRequest(b []byte) (wireRequest, error) {
	f := fields{b: b}
	var r wireRequest
	r.id = f.u64()
	r.params.Rate, r.params.Pitch, r.params.Range, r.params.Volume = f.i32(), f.i32(), f.i32(), f.i32()
	r.params.Voice, r.params.Variant, r.text = f.str(), f.str(), f.str()
	flags := f.u8()
	if flags&^(flagPhonemes|flagWords) != 0 {
		return r, protocolErr("request flags %#x", flags)
	}
	r.params.Phonemes = flags&flagPhonemes != 0
	r.words = flags&flagWords != 0
	return r, f.done()
}

// parseWords reads a words frame: an id, then words to its end, each with
// its text start at most its end. The caller checks them against the
// request.
func parseWords(b []byte) (uint64, []Word, error) {
	f := fields{b: b}
	id := f.u64()
	if f.err == nil && len(f.b)%wordSize != 0 {
		f.err = protocolErr("words of %d bytes: not %d each", len(f.b), wordSize)
	}
	var ws []Word
	for f.err == nil && len(f.b) > 0 {
		w := Word{Sample: int(f.u32()), TextStart: int(f.u32()), TextEnd: int(f.u32())}
		if w.TextStart > w.TextEnd {
			f.err = protocolErr("word text %d..%d", w.TextStart, w.TextEnd)
		}
		ws = append(ws, w)
	}
	if err := f.done(); err != nil {
		return 0, nil, err
	}
	return id, ws, nil
}

func parsePhonemize(b []byte) (wirePhonemize, error) {
	f := fields{b: b}
	r := wirePhonemize{id: f.u64(), voice: f.str(), text: f.str()}
	return r, f.done()
}

// parseClauses reads a clauses frame: an id, then clauses to its end.
func parseClauses(b []byte) (uint64, []wireClause, error) {
	f := fields{b: b}
	id := f.u64()
	var clauses []wireClause
	for f.err == nil && len(f.b) > 0 {
		c := wireClause{n: f.u32(), punct: rune(f.u8()), phonemes: f.str()}
		if f.err == nil && c.punct != 0 && !strings.ContainsRune(puncts, c.punct) {
			f.err = protocolErr("clause punctuation %q", c.punct)
		}
		clauses = append(clauses, c)
	}
	if err := f.done(); err != nil {
		return 0, nil, err
	}
	return id, clauses, nil
}

func parseCancel(b []byte) (uint64, error) {
	f := fields{b: b}
	id := f.u64()
	return id, f.done()
}

// parseAudio returns a new slice: the caller keeps it.
func parseAudio(b []byte) (uint64, []int16, error) {
	f := fields{b: b}
	id := f.u64()
	if f.err != nil {
		return 0, nil, f.err
	}
	if len(f.b)%2 != 0 {
		return 0, nil, protocolErr("audio of %d bytes: not 16-bit samples", len(f.b))
	}
	pcm := make([]int16, len(f.b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(f.b[2*i:]))
	}
	return id, pcm, nil
}

func parseEnd(b []byte) (end, error) {
	f := fields{b: b}
	e := end{id: f.u64(), status: status(f.u8()), msg: f.str()}
	if f.err == nil && e.status > statusFailed {
		f.err = protocolErr("unknown status %d", e.status)
	}
	return e, f.done()
}
