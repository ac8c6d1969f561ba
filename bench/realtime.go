package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// readLimit bounds one server frame. Audio frames are tens of milliseconds
// (a few kilobytes); a megabyte leaves room for servers that send seconds.
const readLimit = 1 << 20

// closeWait bounds how long a failed write waits for the reader to learn
// why the connection ended (the close code is more useful than the write
// error).
const closeWait = 2 * time.Second

var flushFrame = protocol.Marshal(struct {
	Type string `json:"type"`
}{protocol.TypeFlush})

// realtimeTarget drives /v1/realtime (PROTOCOL.md section 1).
type realtimeTarget struct {
	cfg  Config
	sink errorSink
}

func (t *realtimeTarget) open(ctx context.Context) (conn, error) {
	dctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, t.cfg.URL, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &failure{kind: failDial, message: err.Error()}
	}
	ws.SetReadLimit(readLimit)
	rctx, stop := context.WithCancel(context.Background())
	c := &wsConn{
		ws:         ws,
		cfg:        t.cfg,
		sink:       t.sink,
		stopReader: stop,
		acks:       make(chan string, 4),
		dones:      make(chan *received, 1),
		readerDone: make(chan struct{}),
		timer:      time.NewTimer(time.Hour),
	}
	go c.readLoop(rctx)

	cfg := struct {
		Type string `json:"type"`
		protocol.Config
	}{protocol.TypeConfig, protocol.Config{APIKey: t.cfg.APIKey, VoiceDescription: t.cfg.VoiceDescription, Language: t.cfg.Language}}
	if err := c.setup(ctx, dctx, protocol.Marshal(cfg), protocol.TypeConfigAck); err != nil {
		c.close()
		return nil, err
	}
	if t.cfg.Mode == ModeBinary {
		msg := protocol.Marshal(struct {
			Type string `json:"type"`
		}{protocol.TypeBinaryMode})
		if err := c.setup(ctx, dctx, msg, protocol.TypeBinaryModeAck); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

// wsConn is one realtime session. The session goroutine writes; readLoop
// reads, stamps and collects audio, and hands each generation over at its
// done.
type wsConn struct {
	ws         *websocket.Conn
	cfg        Config
	sink       errorSink
	stopReader context.CancelFunc
	timer      *time.Timer // paces tokens; owned by the writer

	acks       chan string    // types of acknowledgements
	dones      chan *received // generations, at their done
	readerDone chan struct{}  // closed when readLoop returns
	readErr    error          // why readLoop returned; read after readerDone
}

// received is the server's side of one generation, filled by readLoop.
type received struct {
	frames []frameArrival
	done   time.Time
	info   *doneInfo
}

// setup sends one set-up message and waits for its acknowledgement.
func (c *wsConn) setup(ctx, dctx context.Context, msg []byte, ack string) error {
	if err := c.ws.Write(dctx, websocket.MessageText, msg); err != nil {
		return c.failed(ctx, dctx, err)
	}
	for {
		select {
		case got := <-c.acks:
			if got == ack {
				return nil
			}
		case <-c.readerDone:
			return c.readFailure()
		case <-dctx.Done():
			return c.failed(ctx, dctx, dctx.Err())
		}
	}
}

func (c *wsConn) readLoop(ctx context.Context) {
	defer close(c.readerDone)
	var buf bytes.Buffer
	cur := &received{}
	for {
		typ, r, err := c.ws.Reader(ctx)
		if err != nil {
			c.readErr = err
			return
		}
		at := time.Now()
		if typ == websocket.MessageBinary {
			n, err := io.Copy(io.Discard, r)
			if err != nil {
				c.readErr = err
				return
			}
			cur.frames = append(cur.frames, frameArrival{at: at, samples: int(n / 2)})
			continue
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			c.readErr = err
			return
		}
		m, err := protocol.DecodeServer(buf.Bytes())
		if err != nil {
			c.readErr = &failure{kind: failProtocol, message: fmt.Sprintf("invalid server message: %v", err)}
			return
		}
		switch m.Type {
		case protocol.TypeAudio:
			cur.frames = append(cur.frames, frameArrival{at: at, samples: base64Len(m.Chunk) / 2})
		case protocol.TypeDone:
			cur.done = at
			cur.info = &doneInfo{totalChunks: m.TotalChunks, audioDurationMS: m.AudioDurationMS}
			select {
			case c.dones <- cur:
			case <-ctx.Done():
				c.readErr = ctx.Err()
				return
			}
			cur = &received{}
		case protocol.TypeError:
			c.sink(m.Code, m.Message)
		case protocol.TypeConfigAck, protocol.TypeBinaryModeAck:
			select {
			case c.acks <- m.Type:
			default: // a server repeating acknowledgements is not our concern
			}
		}
	}
}

// base64Len is the decoded length of standard base64 text.
func base64Len(s string) int {
	n := len(s) / 4 * 3
	return n - (len(s) - len(strings.TrimRight(s, "=")))
}

func (c *wsConn) generate(ctx context.Context, w *work) (*genRecord, error) {
	frames := make([][]byte, len(w.tokens))
	for i, t := range w.tokens {
		frames[i] = protocol.Marshal(struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{protocol.TypeText, t})
	}
	gctx, cancel := context.WithTimeout(ctx, time.Duration(len(frames))*w.interval+c.cfg.GenerationTimeout)
	defer cancel()
	g := &genRecord{}
	var start time.Time
	for i, f := range frames {
		if i > 0 && w.interval > 0 {
			if err := c.sleepUntil(gctx, start.Add(time.Duration(i)*w.interval)); err != nil {
				return nil, c.failed(ctx, gctx, err)
			}
		}
		now := time.Now()
		if i == 0 {
			start, g.firstText = now, now
		}
		if i == w.boundary {
			g.boundary = now
		}
		if err := c.ws.Write(gctx, websocket.MessageText, f); err != nil {
			return nil, c.failed(ctx, gctx, err)
		}
	}
	g.flush = time.Now()
	if err := c.ws.Write(gctx, websocket.MessageText, flushFrame); err != nil {
		return nil, c.failed(ctx, gctx, err)
	}
	var rec *received
	select {
	case rec = <-c.dones:
	case <-c.readerDone:
		// A done and the close after it may both be waiting.
		select {
		case rec = <-c.dones:
		default:
			return nil, c.readFailure()
		}
	case <-gctx.Done():
		return nil, c.failed(ctx, gctx, gctx.Err())
	}
	g.done, g.frames, g.doneMsg = rec.done, rec.frames, rec.info
	return g, nil
}

func (c *wsConn) hold(ctx context.Context, until time.Time) error {
	c.timer.Reset(time.Until(until))
	defer c.timer.Stop()
	select {
	case <-c.timer.C:
		return nil
	case <-c.readerDone:
		return c.readFailure()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errReaderEnded stops a generation whose connection is gone; failed then
// reports why it went.
var errReaderEnded = errors.New("bench: connection ended")

// sleepUntil waits for t, unless the reader ends or ctx does first.
func (c *wsConn) sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	c.timer.Reset(d)
	select {
	case <-c.timer.C:
		return nil
	case <-c.readerDone:
		c.timer.Stop()
		return errReaderEnded
	case <-ctx.Done():
		c.timer.Stop()
		return ctx.Err()
	}
}

// failed turns an error of a write or wait under opCtx (derived from the
// session's ctx) into the reason the session ends, and drops the
// connection. err is reported only if the reader does not end in time to
// say more.
func (c *wsConn) failed(ctx, opCtx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		_ = c.ws.CloseNow()
		return ctx.Err()
	case opCtx.Err() != nil:
		_ = c.ws.CloseNow()
		return &failure{kind: failTimeout, message: "the server did not answer in time"}
	}
	// The connection ended (a write failed, or the reader stopped); the
	// reader knows how.
	select {
	case <-c.readerDone:
		return c.readFailure()
	case <-time.After(closeWait):
		_ = c.ws.CloseNow()
		return &failure{kind: failClose, code: closeAbnormal, message: err.Error()}
	}
}

// readFailure reports why the reader ended. Call it after readerDone.
func (c *wsConn) readFailure() error {
	_ = c.ws.CloseNow()
	var f *failure
	if errors.As(c.readErr, &f) {
		return f
	}
	var ce websocket.CloseError
	if errors.As(c.readErr, &ce) {
		return &failure{kind: failClose, code: int(ce.Code), message: ce.Reason}
	}
	return &failure{kind: failClose, code: closeAbnormal, message: c.readErr.Error()}
}

func (c *wsConn) close() {
	select {
	case <-c.readerDone:
	default:
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
	}
	_ = c.ws.CloseNow()
	c.stopReader()
	<-c.readerDone
	c.timer.Stop()
}
