package agent

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/internal/wsqueue"
	"github.com/parley-voice/parley/protocol"
)

// browserTransport is the /v1/agent socket of the agent page (docs/agent.md):
// JSON messages and binary PCM both ways.
type browserTransport struct {
	conn *websocket.Conn
	out  outbox
}

func newBrowserTransport(conn *websocket.Conn) *browserTransport {
	return &browserTransport{conn: conn, out: newOutbox(2 << 20)}
}

func (b *browserTransport) kind() string { return "browser" }

// holdsPlayback is false: the page stops playing at once on stop_playback
// and reports what it played, so the barge-in rules need no hold.
func (b *browserTransport) holdsPlayback() bool { return false }

func (b *browserTransport) send(m any) {
	switch m := m.(type) {
	case audioOut:
		b.out.audio(m.pcm)
	case segmentEnd, holdMsg, resumeMsg:
		// The page plays what it gets and is told to stop.
	default:
		b.out.json(m)
	}
}

func (b *browserTransport) close(code websocket.StatusCode, reason string) { b.out.close(code, reason) }

func (b *browserTransport) closeNow() { _ = b.conn.CloseNow() }

// handshake reads the start message.
func (b *browserTransport) handshake(s *session) (opening, error) {
	// The timeout closes through the writer, so that the client learns
	// why (see readLoop).
	timeout := time.AfterFunc(s.srv.cfg.StartTimeout, func() { s.fail(closeAuthTimeout, "no start message in time") })
	typ, data, err := b.conn.Read(context.Background())
	if !timeout.Stop() {
		return opening{}, errors.New("no start message in time")
	}
	if err != nil {
		return opening{}, err
	}
	if typ != websocket.MessageText {
		s.fail(closeInvalid, "first message must be start")
		return opening{}, errors.New("binary before start")
	}
	m, err := decodeClient(data)
	if err == nil && m.Type != msgStart {
		err = errors.New("first message must be start")
	}
	if err != nil {
		s.fail(closeInvalid, err.Error())
		return opening{}, err
	}
	lang, ok := protocol.ParseLanguage(m.Language)
	if !ok {
		s.fail(closeInvalid, "unsupported language "+m.Language)
		return opening{}, errors.New("language")
	}
	return opening{apiKey: m.APIKey, language: lang, inputRate: m.InputSampleRate,
		voice: m.Voice, voiceDescription: m.VoiceDescription, instructions: m.Instructions}, nil
}

// readLoop reads client frames until the connection ends.
func (b *browserTransport) readLoop(s *session) {
	for {
		// Not s.ctx: a Read whose context ends drops the connection at
		// once, and the client would never read why the session ended.
		// Every end closes the connection through the writer, which
		// unblocks the Read.
		typ, data, err := b.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			if len(data)%2 != 0 {
				s.fail(closeInvalid, "audio frames are s16le: an even number of bytes")
				return
			}
			if !s.hear(audio.BytesToPCM(make([]int16, 0, len(data)/2), data)) {
				return
			}
			continue
		}
		m, err := decodeClient(data)
		if err != nil {
			s.fail(closeInvalid, err.Error())
			return
		}
		now := time.Now()
		switch m.Type {
		case msgStart:
			s.fail(closeInvalid, "start already received")
			return
		case msgPlayback:
			s.emit(event{kind: evPlayback, at: now, turn: m.Turn, ms: m.PlayedMS})
		case msgText:
			if strings.TrimSpace(m.Text) != "" {
				s.emit(event{kind: evTyped, at: now, text: m.Text})
			}
		case msgStop:
			s.end(websocket.StatusNormalClosure, "stopped")
			return
		}
	}
}

// writeLoop owns every write to the browser.
func (b *browserTransport) writeLoop(s *session) {
	for {
		f, _, ok := b.out.q.Pop()
		if !ok {
			<-b.out.q.Ready()
			continue
		}
		if f.close {
			_ = b.conn.Close(f.code, f.reason)
			return
		}
		typ := websocket.MessageText
		if f.binary {
			typ = websocket.MessageBinary
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := b.conn.Write(ctx, typ, f.data)
		cancel()
		if err != nil {
			s.cancel()
			_ = b.conn.CloseNow()
			return
		}
	}
}

// outbox is the bounded queue of frames to the browser (package wsqueue):
// the writer drains it. A client too slow to take what is queued, 2 MiB,
// is closed with 4005 ahead of it; a session that ends closes after what
// is queued.
type outbox struct{ q *wsqueue.Queue[outFrame] }

// outFrame is a frame to write, or the close that ends the writer.
type outFrame struct {
	binary bool
	data   []byte
	close  bool
	code   websocket.StatusCode
	reason string
}

func newOutbox(max int) outbox {
	return outbox{wsqueue.New(max, 0, func(f outFrame) (int, bool) { return len(f.data), false })}
}

func (o outbox) push(f outFrame) {
	if !o.q.Push(f) {
		o.q.Close(outFrame{close: true, code: closeServerError, reason: "client is not reading fast enough"})
	}
}

func (o outbox) json(v any)     { o.push(outFrame{data: marshal(v)}) }
func (o outbox) audio(b []byte) { o.push(outFrame{binary: true, data: b}) }

// close closes the socket after what is queued.
func (o outbox) close(code websocket.StatusCode, reason string) {
	o.push(outFrame{close: true, code: code, reason: reason})
}
