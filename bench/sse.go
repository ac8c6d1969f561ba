package bench

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// errLineTooLong ends a stream whose line or event exceeds the reader's
// limit.
var errLineTooLong = errors.New("bench: SSE line or event too long")

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	name string    // the event field; "" when none was given
	data []byte    // the data lines joined with LF
	at   time.Time // when its first data line had been read
}

// sseReader parses text/event-stream as the WHATWG HTML standard defines
// it ("Server-sent events", event stream interpretation): lines end with
// CRLF, LF or CR; a line starting with ":" is a comment; "field: value"
// sets a field, one space after the colon being dropped, and a line without
// a colon is a field with an empty value; data lines accumulate; a blank
// line dispatches the event if it has data; unknown fields, id and retry
// are ignored; an event the stream ends inside is dropped. Lines and the
// data of an event are bounded by limit bytes.
type sseReader struct {
	r        *bufio.Reader
	limit    int
	skipLF   bool // the last line ended with CR, so a LF next belongs to it
	line     []byte
	comments int // comment lines read, keepalives among them
}

func newSSEReader(r io.Reader, limit int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// next returns the next event. At the end of the stream it returns io.EOF.
func (s *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	var data []byte
	for {
		line, err := s.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if data == nil {
				ev = sseEvent{}
				continue
			}
			ev.data = data[:len(data)-1]
			return ev, nil
		}
		if line[0] == ':' {
			s.comments++
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			if data == nil {
				ev.at = time.Now()
			}
			if len(data)+len(value)+1 > s.limit {
				return sseEvent{}, errLineTooLong
			}
			data = append(data, value...)
			data = append(data, '\n')
		case "event":
			ev.name = string(value)
		}
	}
}

// readLine returns the next line without its end, valid until the next
// call. It does not wait for more than the line: a CR is taken as the end
// at once, and a LF after it skipped on the next call.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		if s.r.Buffered() == 0 {
			// At the end of the stream, a line without its end is dropped
			// with the event it is part of.
			if _, err := s.r.Peek(1); err != nil {
				return nil, err
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		if s.skipLF {
			s.skipLF = false
			if buf[0] == '\n' {
				_, _ = s.r.Discard(1)
				continue
			}
		}
		i := bytes.IndexAny(buf, "\r\n")
		end := i
		if i < 0 {
			end = len(buf)
		}
		if len(s.line)+end > s.limit {
			return nil, errLineTooLong
		}
		s.line = append(s.line, buf[:end]...)
		if i < 0 {
			_, _ = s.r.Discard(len(buf))
			continue
		}
		s.skipLF = buf[i] == '\r'
		_, _ = s.r.Discard(i + 1)
		return s.line, nil
	}
}

// sseData is the data of an event of /v1/audio/speech/stream: a chunk, the
// done event, or an error (PROTOCOL.md section 2). Pointers tell a missing
// field from a zero one.
type sseData struct {
	Chunk           *string `json:"chunk"`
	ChunkIndex      *int    `json:"chunk_index"`
	SampleRate      int     `json:"sample_rate"`
	Format          string  `json:"format"`
	Done            bool    `json:"done"`
	Error           *string `json:"error"`
	TotalChunks     int     `json:"total_chunks"`
	AudioDurationMS int64   `json:"audio_duration_ms"`
}

// Kinds of SSE events.
const (
	sseAudio = "audio"
	sseDone  = "done"
	sseError = "error"
)

// parseSSE checks an event of the speech stream, the chunks before it
// having been seen, and returns its kind, its data and, for a chunk, the
// samples it carries. An event name is not part of the protocol; one that
// is given must be "message" or name the event's kind.
func parseSSE(ev sseEvent, chunks int) (kind string, d sseData, samples int, err error) {
	bad := func(format string, args ...any) (string, sseData, int, error) {
		return "", d, 0, &failure{kind: failProtocol, message: fmt.Sprintf(format, args...)}
	}
	if err := json.Unmarshal(ev.data, &d); err != nil {
		return bad("SSE data is not a JSON object: %v", err)
	}
	switch {
	case d.Error != nil:
		kind = sseError
	case d.Chunk != nil && !d.Done:
		kind = sseAudio
		switch {
		case d.ChunkIndex == nil:
			return bad("chunk event without chunk_index")
		case *d.ChunkIndex != chunks:
			return bad("chunk_index %d, want %d", *d.ChunkIndex, chunks)
		case d.SampleRate != 0 && d.SampleRate != protocol.SampleRate:
			return bad("sample_rate %d, want %d", d.SampleRate, protocol.SampleRate)
		case d.Format != "" && d.Format != protocol.Format:
			return bad("format %q, want %q", d.Format, protocol.Format)
		}
		pcm, err := base64.StdEncoding.DecodeString(*d.Chunk)
		if err != nil {
			return bad("chunk %d is not base64: %v", chunks, err)
		}
		if len(pcm)%2 != 0 {
			return bad("chunk %d has %d bytes, not whole 16-bit samples", chunks, len(pcm))
		}
		samples = len(pcm) / 2
	case d.Done && d.Chunk == nil:
		kind = sseDone
	default:
		return bad("SSE event is neither a chunk, done nor an error: %.100s", ev.data)
	}
	if ev.name != "" && ev.name != "message" && ev.name != kind {
		return bad("%s event named %q", kind, ev.name)
	}
	return kind, d, samples, nil
}

// readSSE reads the speech stream into g: chunk events are frames, done is
// the end. What follows done up to the end of the stream may only be
// comments.
func (c *httpConn) readSSE(resp *http.Response, g *genRecord) error {
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return &failure{kind: failProtocol, message: fmt.Sprintf("content type %q, want text/event-stream", mt)}
	}
	s := newSSEReader(resp.Body, readLimit)
	for {
		ev, err := s.next()
		if err != nil {
			return sseReadError(err)
		}
		kind, d, samples, err := parseSSE(ev, len(g.frames))
		if err != nil {
			return err
		}
		if kind == sseError {
			return &failure{kind: failSSEError, message: *d.Error}
		}
		if kind == sseDone {
			g.done = ev.at
			g.doneMsg = &doneInfo{totalChunks: d.TotalChunks, audioDurationMS: d.AudioDurationMS}
			break
		}
		g.frames = append(g.frames, frameArrival{at: ev.at, samples: samples})
	}
	switch _, err := s.next(); {
	case err == nil:
		return &failure{kind: failProtocol, message: "an event after done"}
	case !errors.Is(err, io.EOF):
		return sseReadError(err)
	}
	return nil
}

// sseReadError maps an error of reading the stream: its end before done,
// an overlong line, or a connection error (returned as is).
func sseReadError(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return &failure{kind: failProtocol, message: "the stream ended before done"}
	case errors.Is(err, errLineTooLong):
		return &failure{kind: failProtocol, message: fmt.Sprintf("an SSE line or event over %d bytes", readLimit)}
	}
	return err
}
