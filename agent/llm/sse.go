package llm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLineLen bounds one line of an event stream. A chunk carrying a single
// token is a few hundred bytes; a megabyte leaves room for servers that
// stuff logprobs or whole documents into one event.
const maxLineLen = 1 << 20

// errUnterminated marks the last line of a stream that ended without a
// line terminator. Whether it counts depends on how the stream ended.
var errUnterminated = errors.New("unterminated line")

// lineReader splits a byte stream into lines ending in CRLF, LF or a lone
// CR, as the event stream format allows. A line is returned as soon as its
// terminator arrives: a CR is not held back waiting for a possible LF.
type lineReader struct {
	r      io.Reader
	buf    []byte
	start  int   // first unread byte in buf
	end    int   // end of buffered bytes
	skipLF bool  // the previous line ended in CR, so a leading LF is its tail
	err    error // sticky read error, io.EOF at a clean end
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: r, buf: make([]byte, 4096)}
}

// next returns the next line without its terminator; the slice is valid
// until the following call. At the end of input it returns any
// unterminated remainder with errUnterminated, then the read error (io.EOF
// for a clean end). A line longer than maxLineLen fails with ErrMalformed.
func (l *lineReader) next() ([]byte, error) {
	for {
		if l.skipLF && l.start < l.end {
			if l.buf[l.start] == '\n' {
				l.start++
			}
			l.skipLF = false
		}
		if line, ok := l.cut(); ok {
			return line, nil
		}
		if l.err != nil {
			if l.start < l.end {
				line := l.buf[l.start:l.end]
				l.start = l.end
				return line, errUnterminated
			}
			return nil, l.err
		}
		if err := l.fill(); err != nil {
			return nil, err
		}
	}
}

// cut takes one terminated line from the buffer.
func (l *lineReader) cut() ([]byte, bool) {
	b := l.buf[l.start:l.end]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		i = len(b)
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		l.start += j + 1
		l.skipLF = true
		return b[:j], true
	}
	if i == len(b) {
		return nil, false
	}
	l.start += i + 1
	return b[:i], true
}

// fill reads more input, making room first.
func (l *lineReader) fill() error {
	if l.start > 0 {
		l.end = copy(l.buf, l.buf[l.start:l.end])
		l.start = 0
	}
	if l.end == len(l.buf) {
		if len(l.buf) >= maxLineLen {
			return fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, maxLineLen)
		}
		grown := make([]byte, min(2*len(l.buf), maxLineLen))
		copy(grown, l.buf[:l.end])
		l.buf = grown
	}
	n, err := l.r.Read(l.buf[l.end:])
	l.end += n
	if err != nil {
		l.err = err
	}
	return nil
}

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	Type string // the "event:" field, empty for the default "message"
	Data []byte // data lines joined with LF; valid until the next call
}

// sseDecoder reads server-sent events. Comments, "id:" and "retry:" are
// skipped; events without data are not dispatched, which covers the blank
// keep-alives some servers send.
type sseDecoder struct {
	lines   *lineReader
	data    []byte
	typ     string
	hasData bool
}

func newSSEDecoder(r io.Reader) *sseDecoder {
	return &sseDecoder{lines: newLineReader(r)}
}

// next returns the next event. At the end of the stream it returns io.EOF
// for a clean end, or the transport's error. An event still being built
// when the stream ends cleanly is dispatched, since some servers close
// right after the last data line without the blank line that should end
// it; a line cut short by a broken connection is never dispatched.
func (d *sseDecoder) next() (sseEvent, error) {
	d.data, d.typ, d.hasData = d.data[:0], "", false
	for {
		line, err := d.lines.next()
		switch {
		case errors.Is(err, errUnterminated):
			if d.lines.err != io.EOF {
				continue // the next call returns the transport's error
			}
		case err == io.EOF && d.hasData:
			return d.event(), nil
		case err != nil:
			if err != io.EOF {
				return sseEvent{}, unexpectedEnd(err)
			}
			return sseEvent{}, io.EOF
		}
		if len(line) == 0 {
			if d.hasData {
				return d.event(), nil
			}
			d.typ = ""
			continue
		}
		d.field(line)
	}
}

// field applies one non-empty line to the event being built.
func (d *sseDecoder) field(line []byte) {
	if line[0] == ':' {
		return
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		if d.hasData {
			d.data = append(d.data, '\n')
		}
		d.data = append(d.data, value...)
		d.hasData = true
	case "event":
		d.typ = string(value)
	}
}

func (d *sseDecoder) event() sseEvent {
	return sseEvent{Type: d.typ, Data: d.data}
}

// unexpectedEnd turns the way a stream broke off into an error that
// matches io.ErrUnexpectedEOF, keeping the transport's own error too.
func unexpectedEnd(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", io.ErrUnexpectedEOF, err)
}
