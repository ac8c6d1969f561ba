package audio

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

const (
	wavHeaderLen = 44
	// unknownSize is what streaming writers put in size fields they cannot
	// know; readers take it as "until end of stream".
	unknownSize = 0xFFFFFFFF
	// maxWAVData is the most 16-bit data a RIFF size field can describe
	// beside the 36 other header bytes it counts, kept to whole samples.
	maxWAVData = (0xFFFFFFFF - 36) &^ 1

	formatPCM        = 1
	formatFloat      = 3
	formatExtensible = 0xFFFE

	// DefaultMaxWAVBytes is ReadWAV's limit on the data chunk: about 23
	// minutes of 24 kHz 16-bit mono, far beyond any reference clip.
	DefaultMaxWAVBytes = 64 << 20
	// maxWAVChannels bounds the frame size a header can demand.
	maxWAVChannels = 64
	// maxMetadataBytes bounds the bytes read outside the data chunk (fmt,
	// LIST, and any other chunks skipped on the way).
	maxMetadataBytes = 1 << 20
)

// extensibleGUIDTail is the part of KSDATAFORMAT_SUBTYPE_PCM and
// KSDATAFORMAT_SUBTYPE_IEEE_FLOAT after their leading format code.
var extensibleGUIDTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// appendWAVHeader appends the canonical 44-byte header of a 16-bit mono
// PCM file whose data chunk holds dataBytes bytes (unknownSize for a
// stream).
func appendWAVHeader(dst []byte, sampleRate int, dataBytes uint32) []byte {
	riffSize := uint32(unknownSize)
	if dataBytes != unknownSize {
		riffSize = 36 + dataBytes
	}
	le := binary.LittleEndian
	dst = append(dst, "RIFF"...)
	dst = le.AppendUint32(dst, riffSize)
	dst = append(dst, "WAVEfmt "...)
	dst = le.AppendUint32(dst, 16)
	dst = le.AppendUint16(dst, formatPCM)
	dst = le.AppendUint16(dst, 1) // channels
	dst = le.AppendUint32(dst, uint32(sampleRate))
	dst = le.AppendUint32(dst, uint32(sampleRate)*2) // byte rate
	dst = le.AppendUint16(dst, 2)                    // block align
	dst = le.AppendUint16(dst, 16)                   // bits per sample
	dst = append(dst, "data"...)
	return le.AppendUint32(dst, dataBytes)
}

// EncodeWAV returns pcm as a complete 16-bit mono WAV file. It panics if
// the audio is too long for a WAV header (over 4 GiB of data).
func EncodeWAV(pcm []int16, sampleRate int) []byte {
	if 2*len(pcm) > maxWAVData {
		panic("audio: EncodeWAV: audio exceeds 4 GiB")
	}
	out := make([]byte, 0, wavHeaderLen+2*len(pcm))
	out = appendWAVHeader(out, sampleRate, uint32(2*len(pcm)))
	return PCMToBytes(out, pcm)
}

// WAVWriter streams 16-bit mono PCM into a WAV file.
//
// Made with NewWAVWriter it writes into an io.WriteSeeker and Close goes
// back to fill in the sizes. Made with NewStreamingWAVWriter it writes to
// any io.Writer (stdout, an HTTP response) and the header's two size fields
// hold 0xFFFFFFFF, the convention for "until end of stream" that ffmpeg,
// sox and ReadWAV follow; Close then writes nothing.
//
// Close does not close the underlying writer. A WAVWriter is not safe for
// concurrent use.
type WAVWriter struct {
	w      io.Writer
	seeker io.WriteSeeker // nil when streaming
	start  int64          // offset of the header in seeker
	data   int64          // data bytes written
	buf    []byte
	err    error // first write error; every later call returns it
	closed bool
}

// NewWAVWriter writes a WAV header at w's current offset and returns a
// writer whose Close fixes the header's sizes.
func NewWAVWriter(w io.WriteSeeker, sampleRate int) (*WAVWriter, error) {
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("audio: WAV writer: %w", err)
	}
	ww := &WAVWriter{w: w, seeker: w, start: start}
	return ww, ww.writeHeader(sampleRate, 0)
}

// NewStreamingWAVWriter writes a WAV header with unknown sizes (0xFFFFFFFF)
// to w, for outputs that cannot seek.
func NewStreamingWAVWriter(w io.Writer, sampleRate int) (*WAVWriter, error) {
	ww := &WAVWriter{w: w}
	return ww, ww.writeHeader(sampleRate, unknownSize)
}

func (w *WAVWriter) writeHeader(sampleRate int, dataBytes uint32) error {
	if sampleRate <= 0 {
		return fmt.Errorf("%w: sample rate %d", ErrMalformed, sampleRate)
	}
	w.buf = appendWAVHeader(w.buf[:0], sampleRate, dataBytes)
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("audio: WAV writer: %w", err)
	}
	return w.err
}

// WritePCM appends samples to the data chunk.
func (w *WAVWriter) WritePCM(pcm []int16) error {
	switch {
	case w.closed:
		return ErrClosed
	case w.err != nil:
		return w.err
	case w.data+2*int64(len(pcm)) > maxWAVData:
		return fmt.Errorf("%w: data would exceed 4 GiB", ErrTooLarge)
	}
	w.buf = PCMToBytes(w.buf[:0], pcm)
	n, err := w.w.Write(w.buf)
	w.data += int64(n)
	if err != nil {
		w.err = fmt.Errorf("audio: WAV writer: %w", err)
	}
	return w.err
}

// Close finishes the file: in seekable mode it writes the final sizes into
// the header and leaves the offset at the end of the data. It is
// idempotent.
func (w *WAVWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.seeker == nil || w.err != nil {
		return w.err
	}
	var field [4]byte
	patch := func(off int64, v uint32) error {
		if _, err := w.seeker.Seek(w.start+off, io.SeekStart); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(field[:], v)
		_, err := w.seeker.Write(field[:])
		return err
	}
	err := patch(4, uint32(36+w.data))
	if err == nil {
		err = patch(40, uint32(w.data))
	}
	if err == nil {
		_, err = w.seeker.Seek(w.start+wavHeaderLen+w.data, io.SeekStart)
	}
	if err != nil {
		w.err = fmt.Errorf("audio: WAV writer: %w", err)
	}
	return w.err
}

// ReadWAV decodes a RIFF/WAVE file to 16-bit mono PCM with a data limit of
// DefaultMaxWAVBytes. See ReadWAVLimit.
func ReadWAV(r io.Reader) (pcm []int16, sampleRate int, err error) {
	return ReadWAVLimit(r, DefaultMaxWAVBytes)
}

// ReadWAVLimit decodes a RIFF/WAVE file to 16-bit mono PCM at the file's own
// rate. It reads integer PCM of 8 (unsigned), 16, 24 and 32 bits and IEEE
// float of 32 and 64 bits, plain or as WAVE_FORMAT_EXTENSIBLE, with any
// number of channels up to 64, averaged to mono. Float samples are clipped
// to [-1, 1]; wider integers are rounded to 16 bits. Chunks other than fmt
// and data (LIST, fact, cue, ...) are skipped, odd-sized chunks' pad bytes
// honoured, and anything after the data chunk ignored. A data size of
// 0xFFFFFFFF, as streaming writers emit, means "until end of input"; a
// partial frame at the end of the data is dropped.
//
// The data chunk may hold at most maxBytes bytes, and at most 1 MiB of other
// chunks may precede it. Memory grows with the bytes actually read, never
// with what the header claims, so a hostile header costs nothing. Errors
// wrap ErrNotWAV, ErrTruncated, ErrMalformed, ErrUnsupported or ErrTooLarge.
func ReadWAVLimit(r io.Reader, maxBytes int64) (pcm []int16, sampleRate int, err error) {
	return readWAV(r, maxBytes, WAVLimits{})
}

// WAVLimits bound what ReadWAVLimits accepts. A zero field sets no limit of
// its own.
type WAVLimits struct {
	// MaxBytes bounds the data chunk, in bytes.
	MaxBytes int64
	// MaxDuration bounds the audio's length. It is checked against the
	// size the header announces before any sample is read, and, when the
	// size is unknown, as the samples arrive.
	MaxDuration time.Duration
	// MinRate and MaxRate narrow [MinSampleRate, MaxSampleRate]; a rate
	// outside them is refused before any sample is read.
	MinRate, MaxRate int
}

// ReadWAVLimits is ReadWAVLimit with limits on the audio's length and
// sample rate as well as its bytes, so that a file that is small for its
// length (8-bit at a low rate) cannot carry more audio than a caller can
// afford to process. A rate outside the limits is ErrUnsupported; audio
// longer than MaxDuration is ErrTooLarge, as are data bytes beyond
// MaxBytes.
func ReadWAVLimits(r io.Reader, lim WAVLimits) (pcm []int16, sampleRate int, err error) {
	maxBytes := lim.MaxBytes
	if maxBytes <= 0 {
		maxBytes = math.MaxInt64
	}
	return readWAV(r, maxBytes, lim)
}

// readWAV is ReadWAVLimits with the data chunk bounded by maxBytes, not
// lim.MaxBytes.
func readWAV(r io.Reader, maxBytes int64, lim WAVLimits) (pcm []int16, sampleRate int, err error) {
	maxBytes = min(maxBytes, math.MaxInt64/2)
	lr := &io.LimitedReader{R: r, N: maxMetadataBytes}
	var hdr [12]byte
	if n, err := io.ReadFull(lr, hdr[:]); err != nil {
		if k := min(n, 4); string(hdr[:k]) != "RIFF"[:k] {
			return nil, 0, fmt.Errorf("%w: starts with %q, not RIFF", ErrNotWAV, hdr[:k])
		}
		return nil, 0, fmt.Errorf("%w: %d bytes, shorter than a RIFF header", ErrTruncated, n)
	}
	switch string(hdr[:4]) {
	case "RIFF":
	case "RF64", "RIFX":
		return nil, 0, fmt.Errorf("%w: %q container", ErrUnsupported, hdr[:4])
	default:
		return nil, 0, fmt.Errorf("%w: starts with %q, not RIFF", ErrNotWAV, hdr[:4])
	}
	if string(hdr[8:]) != "WAVE" {
		return nil, 0, fmt.Errorf("%w: RIFF form %q, not WAVE", ErrNotWAV, hdr[8:])
	}

	var f *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(lr, ch[:]); err != nil {
			if lr.N == 0 {
				return nil, 0, fmt.Errorf("%w: no data chunk in the first %d bytes", ErrTooLarge, maxMetadataBytes)
			}
			return nil, 0, fmt.Errorf("%w: no data chunk", ErrTruncated)
		}
		id, size := string(ch[:4]), binary.LittleEndian.Uint32(ch[4:])
		switch id {
		case "fmt ":
			if f != nil {
				return nil, 0, fmt.Errorf("%w: second fmt chunk", ErrMalformed)
			}
			if f, err = readFormat(lr, size); err != nil {
				return nil, 0, err
			}
			if (lim.MinRate > 0 && f.rate < lim.MinRate) || (lim.MaxRate > 0 && f.rate > lim.MaxRate) {
				return nil, 0, fmt.Errorf("%w: sample rate %d Hz outside [%d, %d]", ErrUnsupported, f.rate, max(lim.MinRate, MinSampleRate), cmp.Or(lim.MaxRate, MaxSampleRate))
			}
		case "data":
			if f == nil {
				return nil, 0, fmt.Errorf("%w: data chunk before fmt chunk", ErrMalformed)
			}
			lr.N = math.MaxInt64 // the data has its own limit
			limit, byDuration := maxBytes, false
			if lim.MaxDuration > 0 {
				// Whole frames within MaxDuration, rounded down.
				frames := int64(lim.MaxDuration/time.Microsecond) * int64(f.rate) / 1e6
				if b := frames * int64(f.channels*f.bytes); b < limit {
					limit, byDuration = b, true
				}
			}
			pcm, err := f.decode(lr, size, limit)
			if byDuration && errors.Is(err, ErrTooLarge) {
				if size == unknownSize {
					return nil, 0, fmt.Errorf("%w: more than %v of audio", ErrTooLarge, lim.MaxDuration)
				}
				secs := float64(size) / float64(f.channels*f.bytes) / float64(f.rate)
				return nil, 0, fmt.Errorf("%w: %.1f s of audio, more than %v", ErrTooLarge, secs, lim.MaxDuration)
			}
			if err != nil {
				return nil, 0, err
			}
			return pcm, f.rate, nil
		default:
			if err := skip(lr, int64(size)+int64(size&1)); err != nil {
				if lr.N == 0 {
					return nil, 0, fmt.Errorf("%w: chunk %q exceeds %d bytes of metadata", ErrTooLarge, id, maxMetadataBytes)
				}
				return nil, 0, fmt.Errorf("%w: in chunk %q", ErrTruncated, id)
			}
		}
	}
}

func skip(r io.Reader, n int64) error {
	got, err := io.CopyN(io.Discard, r, n)
	if got == n {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// wavFormat is a validated fmt chunk.
type wavFormat struct {
	float    bool
	channels int
	bytes    int // per sample
	rate     int
}

func readFormat(r io.Reader, size uint32) (*wavFormat, error) {
	if size < 16 {
		return nil, fmt.Errorf("%w: fmt chunk of %d bytes, want at least 16", ErrMalformed, size)
	}
	// Only the first 40 bytes matter, even for WAVE_FORMAT_EXTENSIBLE.
	var b [40]byte
	n := min(int(size), len(b))
	if _, err := io.ReadFull(r, b[:n]); err != nil {
		return nil, fmt.Errorf("%w: in fmt chunk", ErrTruncated)
	}
	if err := skip(r, int64(size)-int64(n)+int64(size&1)); err != nil {
		return nil, fmt.Errorf("%w: in fmt chunk", ErrTruncated)
	}
	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	channels := int(le.Uint16(b[2:]))
	rate := le.Uint32(b[4:])
	blockAlign := int(le.Uint16(b[12:]))
	bits := int(le.Uint16(b[14:]))
	if tag == formatExtensible {
		if n < 40 || le.Uint16(b[16:]) < 22 {
			return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes, want 40", ErrMalformed, size)
		}
		if !bytes.Equal(b[26:40], extensibleGUIDTail) {
			return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE sub-format % x", ErrUnsupported, b[24:40])
		}
		tag = le.Uint16(b[24:])
	}
	f := &wavFormat{float: tag == formatFloat, channels: channels, bytes: bits / 8, rate: int(rate)}
	switch {
	case tag != formatPCM && tag != formatFloat:
		return nil, fmt.Errorf("%w: format tag %#x (only PCM and IEEE float)", ErrUnsupported, tag)
	case channels == 0:
		return nil, fmt.Errorf("%w: zero channels", ErrMalformed)
	case channels > maxWAVChannels:
		return nil, fmt.Errorf("%w: %d channels (at most %d)", ErrUnsupported, channels, maxWAVChannels)
	case rate < MinSampleRate || rate > MaxSampleRate:
		return nil, fmt.Errorf("%w: sample rate %d Hz outside [%d, %d]", ErrUnsupported, rate, MinSampleRate, MaxSampleRate)
	case !f.float && bits != 8 && bits != 16 && bits != 24 && bits != 32:
		return nil, fmt.Errorf("%w: %d-bit integer PCM", ErrUnsupported, bits)
	case f.float && bits != 32 && bits != 64:
		return nil, fmt.Errorf("%w: %d-bit float", ErrUnsupported, bits)
	case blockAlign != channels*f.bytes:
		return nil, fmt.Errorf("%w: block align %d for %d channels of %d bits", ErrMalformed, blockAlign, channels, bits)
	}
	return f, nil
}

// decode reads a data chunk of size bytes and mixes it down to mono.
func (f *wavFormat) decode(r io.Reader, size uint32, maxBytes int64) ([]int16, error) {
	frame := f.channels * f.bytes
	toEOF := size == unknownSize
	remaining := int64(size)
	if toEOF {
		remaining = maxBytes + 1 // one byte more tells "too large" from "exactly at the limit"
	} else if remaining > maxBytes {
		return nil, fmt.Errorf("%w: data chunk of %d bytes exceeds the limit of %d", ErrTooLarge, size, maxBytes)
	}
	// Blocks hold whole frames; the buffer and the output grow only as
	// bytes actually arrive.
	block := max(1, (32<<10)/frame) * frame
	buf := make([]byte, min(int64(block), remaining))
	var pcm []int16
	var read int64
	for remaining > 0 {
		want := int(min(int64(len(buf)), remaining))
		n, err := io.ReadFull(r, buf[:want])
		read += int64(n)
		remaining -= int64(n)
		pcm = f.appendMono(pcm, buf[:n-n%frame])
		if err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("audio: reading WAV data: %w", err)
		}
		if toEOF {
			return pcm, nil
		}
		return nil, fmt.Errorf("%w: data chunk announces %d bytes, input holds %d", ErrTruncated, size, read)
	}
	if toEOF {
		return nil, fmt.Errorf("%w: data exceeds the limit of %d bytes", ErrTooLarge, maxBytes)
	}
	return pcm, nil
}

// appendMono decodes whole frames in b and appends their channel average.
func (f *wavFormat) appendMono(dst []int16, b []byte) []int16 {
	frame := f.channels * f.bytes
	n := len(b) / frame
	dst = slices.Grow(dst, n)
	le := binary.LittleEndian
	if f.channels == 1 && f.bytes == 2 && !f.float {
		for i := range n {
			dst = append(dst, int16(le.Uint16(b[2*i:])))
		}
		return dst
	}
	for i := range n {
		fr := b[i*frame : (i+1)*frame]
		sum := 0.0
		for c := range f.channels {
			sum += f.sample(fr[c*f.bytes:])
		}
		dst = append(dst, roundClamp(sum/float64(f.channels)*32768))
	}
	return dst
}

// sample decodes one sample as a fraction of full scale, in [-1, 1].
func (f *wavFormat) sample(b []byte) float64 {
	le := binary.LittleEndian
	switch {
	case f.float && f.bytes == 4:
		return clampUnit(float64(math.Float32frombits(le.Uint32(b))))
	case f.float:
		return clampUnit(math.Float64frombits(le.Uint64(b)))
	case f.bytes == 1:
		return float64(int(b[0])-128) / 128
	case f.bytes == 2:
		return float64(int16(le.Uint16(b))) / (1 << 15)
	case f.bytes == 3:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float64(v) / (1 << 23)
	default:
		return float64(int32(le.Uint32(b))) / (1 << 31)
	}
}

// clampUnit limits float samples to full scale; NaN counts as silence.
func clampUnit(v float64) float64 {
	switch {
	case v > 1:
		return 1
	case v < -1:
		return -1
	case v == v:
		return v
	default:
		return 0
	}
}
