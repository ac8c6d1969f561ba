package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// Conn is a realtime session with the server. It survives dropped
// connections (see the package documentation); its methods are safe for
// concurrent use.
type Conn struct {
	cfg Config

	// life is cancelled by Close: it aborts backoff waits and handshakes.
	life context.Context
	stop context.CancelFunc

	events chan Event
	// closeCh is closed by Close; undelivered events are then abandoned.
	closeCh chan struct{}
	// done is closed when the session has finished for good.
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup // run and deliver

	// sendMu serialises writes, and the replay of a new connection with
	// them, so that the replay state follows the order on the wire. It is a
	// channel so that waiting for it honours a context.
	sendMu chan struct{}

	mu        sync.Mutex
	ws        *websocket.Conn // nil while reconnecting
	ready     chan struct{}   // closed once ws is set
	sessionID string
	closing   bool
	err       error
	// pending holds, oldest first, the generations sent but not yet done,
	// with their text for replay.
	pending []pendingGen
	// nextGen numbers the next generation to start; recvGen is the one the
	// server's output currently belongs to.
	nextGen, recvGen int
	// clears holds, for each clear sent and not yet answered, the first
	// generation after it.
	clears []int

	qmu   sync.Mutex
	queue []Event
	qEnd  bool
	wake  chan struct{}
}

type pendingGen struct {
	id      int
	texts   []string // as sent, so a replay fits the same frames and limits
	flushed bool
}

// Dial connects, sends config and waits for config_ack (and, in binary
// mode, for binary_mode_ack). A failure here is returned, not retried; a
// close by the server is a *CloseError carrying its code.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	// Reconnections use the header later; the caller may change theirs.
	cfg.HTTPHeader = cfg.HTTPHeader.Clone()
	ws, sid, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	life, stop := context.WithCancel(context.Background())
	c := &Conn{
		cfg:       cfg,
		life:      life,
		stop:      stop,
		events:    make(chan Event, cfg.EventBuffer),
		closeCh:   make(chan struct{}),
		done:      make(chan struct{}),
		sendMu:    make(chan struct{}, 1),
		ws:        ws,
		ready:     make(chan struct{}),
		sessionID: sid,
		nextGen:   1,
		recvGen:   1,
		wake:      make(chan struct{}, 1),
	}
	close(c.ready)
	c.wg.Add(2)
	go c.run(ws, cfg.clock.Now())
	go c.deliver()
	return c, nil
}

// connect dials and configures one connection.
func connect(ctx context.Context, cfg Config) (_ *websocket.Conn, sessionID string, err error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.HandshakeTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, cfg.URL, &websocket.DialOptions{
		HTTPClient: cfg.HTTPClient,
		HTTPHeader: cfg.HTTPHeader,
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, "", fmt.Errorf("client: upgrade refused with HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, "", fmt.Errorf("client: dial: %w", err)
	}
	defer func() {
		if err != nil {
			ws.CloseNow()
		}
	}()
	ws.SetReadLimit(maxServerFrame)
	if err := ws.Write(ctx, websocket.MessageText, cfg.configMessage()); err != nil {
		return nil, "", fmt.Errorf("client: send config: %w", err)
	}
	ack, err := await(ctx, ws, protocol.TypeConfigAck)
	if err != nil {
		return nil, "", err
	}
	if cfg.BinaryMode {
		if err := ws.Write(ctx, websocket.MessageText, msgBinaryMode); err != nil {
			return nil, "", fmt.Errorf("client: send binary_mode: %w", err)
		}
		bin, err := await(ctx, ws, protocol.TypeBinaryModeAck)
		if err != nil {
			return nil, "", err
		}
		if bin.SampleRate != protocol.SampleRate || bin.Format != protocol.Format {
			return nil, "", fmt.Errorf("client: server offers %s at %d Hz, want %s at %d Hz",
				bin.Format, bin.SampleRate, protocol.Format, protocol.SampleRate)
		}
	}
	return ws, ack.SessionID, nil
}

// await reads until a message of type typ. Only an error message can
// legitimately come first; the last one explains a close that follows.
func await(ctx context.Context, ws *websocket.Conn, typ string) (protocol.ServerMessage, error) {
	var explained string
	for {
		mt, data, err := ws.Read(ctx)
		if err != nil {
			if ce := closeError(err); ce != nil {
				ce.Message = explained
				return protocol.ServerMessage{}, ce
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return protocol.ServerMessage{}, fmt.Errorf("client: waiting for %s: %w", typ, ctxErr)
			}
			return protocol.ServerMessage{}, fmt.Errorf("client: waiting for %s: %w", typ, err)
		}
		if mt != websocket.MessageText {
			continue
		}
		m, err := protocol.DecodeServer(data)
		if err != nil {
			return protocol.ServerMessage{}, fmt.Errorf("client: invalid server message: %w", err)
		}
		switch m.Type {
		case typ:
			return m, nil
		case protocol.TypeError:
			explained = m.Message
		}
	}
}

// closeError converts a WebSocket close into a *CloseError, or returns nil
// for any other failure.
func closeError(err error) *CloseError {
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	return &CloseError{Code: protocol.CloseCode(ce.Code), Reason: ce.Reason}
}

// Client frames without fields.
var (
	msgFlush      = simpleMessage(protocol.TypeFlush)
	msgBinaryMode = simpleMessage(protocol.TypeBinaryMode)
	msgPing       = simpleMessage(protocol.TypePing)
	msgClear      = simpleMessage(protocol.TypeClear)
)

func simpleMessage(typ string) []byte {
	return protocol.Marshal(struct {
		Type string `json:"type"`
	}{typ})
}

func textMessage(text string) []byte {
	return protocol.Marshal(struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}{protocol.TypeText, text})
}

// SessionID is the session id of the current connection, as given in its
// config_ack; it changes when the Conn reconnects.
func (c *Conn) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// Events delivers everything the server says, and the Conn's reconnections,
// in order. It is closed when the Conn has finished for good; Err then says
// why. Events left unread are held until Close, which is always needed.
func (c *Conn) Events() <-chan Event { return c.events }

// Err is why the Conn finished: nil after Close, a *CloseError after the
// server closed with 1000, a *ReconnectError when reconnection gave up. It
// is nil while the Conn is running.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// closedErr is what methods return once the Conn is finished.
func (c *Conn) closedErr() error {
	if err := c.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return ErrClosed
}

// SendText appends text to the server's buffer; speech starts as soon as it
// holds a natural unit. Empty text is not sent. Text of more than
// protocol.MaxBufferChars characters is refused here, as the server would.
// Once SendText returns nil, the text is either with the server or, if the
// connection dropped meanwhile, kept for replay.
func (c *Conn) SendText(ctx context.Context, text string) error {
	_, err := c.sendText(ctx, text)
	return err
}

// sendText sends text and returns the generation it belongs to.
func (c *Conn) sendText(ctx context.Context, text string) (int, error) {
	if text == "" {
		return 0, nil
	}
	if n := utf8.RuneCountInString(text); n > protocol.MaxBufferChars {
		return 0, fmt.Errorf("client: text of %d characters exceeds the server's buffer of %d", n, protocol.MaxBufferChars)
	}
	// At six bytes per escaped character at most, such text always fits
	// in protocol.MaxFrameBytes.
	var gen int
	err := c.send(ctx, textMessage(text), !c.cfg.DisableReplay, func() {
		if n := len(c.pending); n == 0 || c.pending[n-1].flushed {
			c.pending = append(c.pending, pendingGen{id: c.nextGen})
			c.nextGen++
		}
		p := &c.pending[len(c.pending)-1]
		p.texts = append(p.texts, text)
		gen = p.id
	})
	return gen, err
}

// Flush asks the server to speak everything buffered now; a Done event
// ends the generation. Every flush gets its Done: a flush with no text
// since the last one is an empty generation (Parley answers it with a done
// of zero chunks).
func (c *Conn) Flush(ctx context.Context) error {
	return c.send(ctx, msgFlush, !c.cfg.DisableReplay, func() {
		if n := len(c.pending); n == 0 || c.pending[n-1].flushed {
			c.pending = append(c.pending, pendingGen{id: c.nextGen})
			c.nextGen++
		}
		c.pending[len(c.pending)-1].flushed = true
	})
}

// Clear (extension) drops the server's buffer and stops the generation in
// progress at once: barge-in without reconnecting. Audio already in flight
// still arrives, then a Cleared event; no Done follows for what was
// cleared.
func (c *Conn) Clear(ctx context.Context) error {
	return c.send(ctx, msgClear, true, func() {
		c.pending = nil
		c.clears = append(c.clears, c.nextGen)
	})
}

// Ping sends a protocol ping; a Pong event answers it. A ping lost with its
// connection is reported as an error, since no Pong will come.
func (c *Conn) Ping(ctx context.Context) error {
	return c.send(ctx, msgPing, false, nil)
}

// send writes msg on the current connection, waiting for one while the Conn
// reconnects. record, if not nil, runs under c.mu right before the write, in
// wire order. If the write fails the connection is broken; that is no error
// if the message survives it: replayed text and flushes, and a clear, whose
// effect the new connection has anyway.
func (c *Conn) send(ctx context.Context, msg []byte, survives bool, record func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for {
		c.mu.Lock()
		ws, ready, closing := c.ws, c.ready, c.closing
		c.mu.Unlock()
		if closing {
			return c.closedErr()
		}
		if ws == nil {
			select {
			case <-ready:
				continue
			case <-c.done:
				return c.closedErr()
			case <-c.closeCh:
				return c.closedErr()
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select {
		case c.sendMu <- struct{}{}:
		case <-c.done:
			return c.closedErr()
		case <-c.closeCh:
			return c.closedErr()
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
		if c.ws != ws || c.closing {
			c.mu.Unlock()
			<-c.sendMu
			continue
		}
		if record != nil {
			record()
		}
		c.mu.Unlock()
		err := c.write(ws, msg)
		<-c.sendMu
		if err == nil {
			return nil
		}
		// Wake the reader so the Conn reconnects now.
		ws.CloseNow()
		if survives {
			return nil
		}
		return fmt.Errorf("client: connection lost: %w", err)
	}
}

func (c *Conn) write(ws *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.WriteTimeout)
	defer cancel()
	return ws.Write(ctx, websocket.MessageText, msg)
}

// Close ends the session: it sends close 1000 on the current connection,
// stops reconnecting, and waits for the Conn's goroutines. Events still
// queued are dropped and Events is closed. Close is idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		close(c.closeCh)
		c.stop()
		// Writes in progress finish first, so the close frame comes last.
		c.sendMu <- struct{}{}
		c.mu.Lock()
		ws := c.ws
		c.mu.Unlock()
		if ws != nil {
			c.closeErr = ws.Close(websocket.StatusNormalClosure, "")
		}
		<-c.sendMu
		c.wg.Wait()
	})
	return c.closeErr
}

// run owns the connections: it reads each until it ends, then reconnects or
// finishes the session. up is when the connection was ready.
func (c *Conn) run(ws *websocket.Conn, up time.Time) {
	defer c.wg.Done()
	attempts := 0 // of the current backoff sequence
	for ws != nil {
		cause := c.serve(ws)
		c.mu.Lock()
		c.ws = nil
		c.ready = make(chan struct{})
		closing := c.closing
		c.mu.Unlock()
		switch {
		case closing:
			c.finish(nil)
			return
		case isNormalClose(cause):
			c.finish(cause)
			return
		}
		if c.cfg.clock.Now().Sub(up) >= c.cfg.MaxBackoff {
			attempts = 0
		}
		ws, attempts, up = c.reconnect(cause, attempts)
	}
}

// finish ends the session with err as its reason. Events still queued are
// delivered before Events closes, unless Close abandons them.
func (c *Conn) finish(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.done)
	c.qmu.Lock()
	c.qEnd = true
	c.qmu.Unlock()
	c.signal()
}

// serve reads one connection until it ends and returns why.
func (c *Conn) serve(ws *websocket.Conn) error {
	stopKeepalive := c.keepalive(ws)
	err := c.readLoop(ws)
	if kerr := stopKeepalive(); kerr != nil {
		err = kerr
	}
	ws.CloseNow()
	return err
}

func (c *Conn) readLoop(ws *websocket.Conn) error {
	for {
		// Reads are unbounded in time, as an idle session is legitimate;
		// keepalive and Close unblock them by closing the socket.
		typ, data, err := ws.Read(context.Background())
		if err != nil {
			if ce := closeError(err); ce != nil {
				return ce
			}
			return fmt.Errorf("client: connection lost: %w", err)
		}
		if err := c.handleFrame(typ, data); err != nil {
			ws.Close(websocket.StatusProtocolError, "invalid server message")
			return err
		}
	}
}

// handleFrame turns one server frame into an event and keeps the
// generation bookkeeping.
func (c *Conn) handleFrame(typ websocket.MessageType, data []byte) error {
	if typ == websocket.MessageBinary {
		c.emit(&Audio{PCM: data, Generation: c.receiving()})
		return nil
	}
	m, err := protocol.DecodeServer(data)
	if err != nil {
		return fmt.Errorf("client: invalid server message: %w", err)
	}
	switch m.Type {
	case protocol.TypeAudio:
		pcm, err := base64.StdEncoding.DecodeString(m.Chunk)
		if err != nil {
			return fmt.Errorf("client: invalid audio chunk: %w", err)
		}
		c.emit(&Audio{PCM: pcm, Generation: c.receiving()})
	case protocol.TypeDone:
		c.mu.Lock()
		gen := c.recvGen
		if len(c.pending) > 0 && c.pending[0].id == gen {
			c.pending = c.pending[1:]
		}
		c.recvGen++
		c.mu.Unlock()
		c.emit(&Done{Done: m.Done(), Generation: gen})
	case protocol.TypeError:
		c.emit(&ErrorEvent{Message: m.Message, Code: m.Code, Generation: c.receiving()})
	case protocol.TypeCleared:
		c.mu.Lock()
		through := c.recvGen - 1
		if len(c.clears) > 0 {
			next := c.clears[0]
			c.clears = c.clears[1:]
			c.recvGen = max(c.recvGen, next)
			through = next - 1
		}
		c.mu.Unlock()
		c.emit(&Cleared{Generation: through})
	case protocol.TypePong:
		c.emit(&Pong{})
	}
	// Other types (acks, or ones from a newer server) carry nothing for
	// the app.
	return nil
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *Conn) receiving() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recvGen
}

// reconnect dials again with backoff until a connection is ready, and
// returns it with the attempts made so far in the backoff sequence and the
// time its handshake ended, or nil once the session has finished. done is
// the attempts made before.
func (c *Conn) reconnect(cause error, done int) (*websocket.Conn, int, time.Time) {
	for attempt := done + 1; ; attempt++ {
		if c.cfg.MaxReconnects < 0 || (c.cfg.MaxReconnects > 0 && attempt > c.cfg.MaxReconnects) {
			c.finish(&ReconnectError{Attempts: attempt - 1, Err: cause})
			return nil, 0, time.Time{}
		}
		delay := c.cfg.backoff(attempt)
		c.emit(&Reconnecting{Attempt: attempt, Delay: delay, Cause: cause})
		if c.cfg.clock.Sleep(c.life, delay) != nil || c.isClosing() {
			c.finish(nil)
			return nil, 0, time.Time{}
		}
		ws, sid, err := connect(c.life, c.cfg)
		if err == nil {
			// Before the replay, which the server may answer at once.
			up := c.cfg.clock.Now()
			err = c.resume(ws, sid, attempt)
			if err == nil {
				return ws, attempt, up
			}
		}
		switch {
		case c.isClosing():
			c.finish(nil)
			return nil, 0, time.Time{}
		case isNormalClose(err):
			c.finish(err)
			return nil, 0, time.Time{}
		}
		cause = err
	}
}

// resume replays the pending text on a new connection and makes it
// current. Holding sendMu keeps senders out until the replay is on the
// wire; the reader is not running, so nothing else changes the state.
func (c *Conn) resume(ws *websocket.Conn, sid string, attempt int) error {
	select {
	case c.sendMu <- struct{}{}:
	case <-c.closeCh:
		ws.Close(websocket.StatusNormalClosure, "")
		return ErrClosed
	}
	defer func() { <-c.sendMu }()
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		ws.Close(websocket.StatusNormalClosure, "")
		return ErrClosed
	}
	gens := make([]int, len(c.pending))
	var replay [][]byte
	for i, p := range c.pending {
		gens[i] = p.id
		if c.cfg.DisableReplay {
			continue
		}
		for _, t := range p.texts {
			replay = append(replay, textMessage(t))
		}
		if p.flushed {
			replay = append(replay, msgFlush)
		}
	}
	unanswered := c.clears
	c.mu.Unlock()

	for _, msg := range replay {
		if err := c.write(ws, msg); err != nil {
			ws.CloseNow()
			return fmt.Errorf("client: replay: %w", err)
		}
	}

	c.mu.Lock()
	// The new connection has no clear in flight and nothing older than
	// the pending generations.
	c.clears = nil
	if c.cfg.DisableReplay {
		c.pending = nil
	}
	c.recvGen = c.nextGen
	if len(c.pending) > 0 {
		c.recvGen = c.pending[0].id
	}
	c.ws = ws
	c.sessionID = sid
	close(c.ready)
	c.mu.Unlock()

	// Clears whose answer was lost with the old connection are answered
	// here, so an app waiting for Cleared does not wait forever.
	for _, next := range unanswered {
		c.emit(&Cleared{Generation: next - 1})
	}
	c.emit(&Reconnected{SessionID: sid, Attempt: attempt, Generations: gens, Replayed: !c.cfg.DisableReplay})
	return nil
}

// keepalive pings the server every KeepAlive and closes the socket when a
// pong does not come within the same period. The returned func stops it,
// waits for it, and returns ErrKeepalive if it closed the socket.
func (c *Conn) keepalive(ws *websocket.Conn) (stop func() error) {
	if c.cfg.KeepAlive < 0 {
		return func() error { return nil }
	}
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan error, 1)
	go func() {
		exited <- c.pingLoop(ctx, ws)
	}()
	return func() error {
		cancel()
		return <-exited
	}
}

func (c *Conn) pingLoop(ctx context.Context, ws *websocket.Conn) error {
	t := time.NewTicker(c.cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.cfg.KeepAlive)
		err := ws.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			ws.CloseNow()
			return ErrKeepalive
		}
	}
}

// emit queues an event for delivery.
func (c *Conn) emit(ev Event) {
	c.qmu.Lock()
	c.queue = append(c.queue, ev)
	c.qmu.Unlock()
	c.signal()
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// deliver moves queued events to the Events channel, so that a slow
// consumer never holds up the reader.
func (c *Conn) deliver() {
	defer c.wg.Done()
	defer close(c.events)
	var batch []Event
	for {
		c.qmu.Lock()
		batch, c.queue = c.queue, batch[:0]
		end := c.qEnd
		c.qmu.Unlock()
		if len(batch) == 0 {
			if end {
				return
			}
			select {
			case <-c.wake:
				continue
			case <-c.closeCh:
				return
			}
		}
		for i, ev := range batch {
			select {
			case c.events <- ev:
			case <-c.closeCh:
				return
			}
			batch[i] = nil
		}
	}
}
