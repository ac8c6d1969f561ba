package codec

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// SampleRate is the rate of the PCM every Encoder takes: Parley's protocol
// audio, 24 kHz 16-bit mono.
const SampleRate = 24000

// DefaultFormat is the response format when a request names none.
const DefaultFormat = "wav"

// Encoder turns a stream of 24 kHz mono PCM into one audio file, sending
// its bytes to the io.Writer as soon as the encoder produces them. Nothing
// reaches the writer before the first Write or Close, so a caller may still
// answer with an error if synthesis fails before the first audio.
//
// The first error from the writer or the library is returned by that call
// and every later one; Close still frees the encoder. An Encoder is not
// safe for concurrent use.
type Encoder interface {
	// Write encodes pcm, of any length.
	Write(pcm []int16) error
	// Close flushes the encoder and finishes the file. It does not close
	// the writer. Later calls return the first call's result.
	Close() error
}

// container is one response format and how to make its encoder.
type container struct {
	name        string
	contentType string
	open        func(w io.Writer) (Encoder, error)
}

// formats in the order error messages list them.
var formats = []container{
	{"wav", "audio/wav", newWAV},
	{"pcm", "audio/pcm", newPCM},
	{"mp3", "audio/mpeg", newMP3},
	{"opus", "audio/opus", newOpus},
	{"flac", "audio/flac", newFLAC},
	{"aac", "audio/aac", newAAC},
}

var (
	probeOnce sync.Once
	// probeErr holds, for each format that cannot be used in this binary,
	// why not.
	probeErr map[string]error
	// supported lists the formats that can.
	supported []string
)

// probe opens and closes one encoder of every format, once per process,
// to learn which C libraries this binary has: none without cgo, and aac
// only where libavcodec has its native encoder.
func probe() {
	probeOnce.Do(func() {
		probeErr = make(map[string]error)
		for _, f := range formats {
			enc, err := f.open(io.Discard)
			if err == nil {
				err = enc.Close()
			}
			if err != nil {
				probeErr[f.name] = err
				continue
			}
			supported = append(supported, f.name)
		}
	})
}

// Formats lists the response formats this binary supports, the default
// first.
func Formats() []string {
	probe()
	return slices.Clone(supported)
}

// ContentType returns the media type of a response in format, or "" for
// an unknown format. The types are those of OpenAI's speech endpoint.
func ContentType(format string) string {
	for _, f := range formats {
		if f.name == format {
			return f.contentType
		}
	}
	return ""
}

// NewEncoder returns an encoder of format, one of Formats, that writes to
// w. An unknown or unavailable format gives an error wrapping
// ErrUnsupportedFormat that lists the supported ones.
func NewEncoder(format string, w io.Writer) (Encoder, error) {
	probe()
	i := slices.IndexFunc(formats, func(f container) bool { return f.name == format })
	if i < 0 {
		return nil, fmt.Errorf("%w %q (supported: %s)", ErrUnsupportedFormat, format, strings.Join(supported, ", "))
	}
	if err := probeErr[format]; err != nil {
		return nil, fmt.Errorf("%w %q: %w (supported: %s)", ErrUnsupportedFormat, format, err, strings.Join(supported, ", "))
	}
	return formats[i].open(w)
}

// sink sends encoded bytes to the writer and remembers the first failure.
type sink struct {
	w      io.Writer
	err    error
	closed bool
	// ws is w when w can seek; start is then w's offset before the first
	// byte, and n counts the bytes written since.
	ws    io.WriteSeeker
	start int64
	n     int64
}

// newSink returns a sink for w that knows whether w can seek.
func newSink(w io.Writer) sink {
	s := sink{w: w}
	if ws, ok := w.(io.WriteSeeker); ok {
		// Pipes and sockets wrapped as files fail here.
		if off, err := ws.Seek(0, io.SeekCurrent); err == nil {
			s.ws, s.start = ws, off
		}
	}
	return s
}

// check reports why the encoder cannot take another call.
func (s *sink) check() error {
	if s.closed {
		return ErrClosed
	}
	return s.err
}

// fail records err unless an earlier error is already recorded.
func (s *sink) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return s.err
}

func (s *sink) write(b []byte) error {
	if len(b) == 0 || s.err != nil {
		return s.err
	}
	n, err := s.w.Write(b)
	s.n += int64(n)
	if err != nil {
		return s.fail(fmt.Errorf("codec: writing: %w", err))
	}
	return nil
}

// patch overwrites the file at off bytes from its start with b, and
// leaves the writer at the end of the file.
func (s *sink) patch(off int64, b []byte) error {
	if s.err != nil {
		return s.err
	}
	_, err := s.ws.Seek(s.start+off, io.SeekStart)
	if err == nil {
		_, err = s.ws.Write(b)
	}
	if err == nil {
		_, err = s.ws.Seek(s.start+s.n, io.SeekStart)
	}
	if err != nil {
		return s.fail(fmt.Errorf("codec: rewriting the header: %w", err))
	}
	return nil
}

// library is what each C binding provides: bytes appended to dst.
type library interface {
	Encode(dst []byte, pcm []int16) ([]byte, error)
	Finish(dst []byte) ([]byte, error)
	Close()
}

// libEncoder adapts a library to Encoder.
type libEncoder struct {
	sink
	lib library
	buf []byte
	// header, if set and the writer can seek, gives the final version of
	// bytes at offset off that the library had to write provisionally.
	header func() (off int64, b []byte, err error)
}

func (e *libEncoder) Write(pcm []int16) error {
	if err := e.check(); err != nil {
		return err
	}
	var err error
	e.buf, err = e.lib.Encode(e.buf[:0], pcm)
	if werr := e.write(e.buf); werr != nil {
		return werr
	}
	if err != nil {
		return e.fail(err)
	}
	return nil
}

func (e *libEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	defer e.lib.Close()
	if e.err != nil {
		return e.err
	}
	var err error
	e.buf, err = e.lib.Finish(e.buf[:0])
	if werr := e.write(e.buf); werr != nil {
		return werr
	}
	if err != nil {
		return e.fail(err)
	}
	if e.ws == nil || e.header == nil {
		return nil
	}
	off, b, err := e.header()
	if err != nil {
		return e.fail(err)
	}
	if len(b) == 0 {
		return nil
	}
	return e.patch(off, b)
}
