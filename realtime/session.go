package realtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/internal/wsqueue"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/ssml"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

type jobKind uint8

const (
	jobSegment jobKind = iota // speak text
	jobFlush                  // the generation is complete: send done
	jobClear                  // the generation was cleared: send cleared
	jobClose                  // the context was closed: send context_closed
	jobDrain                  // shutdown: close with 1001 after everything before
)

// job is one entry of the ordered queue from reader to speaker.
type job struct {
	kind  jobKind
	tr    *track
	gen   *generation
	text  string
	chars int
	// source is where text starts in the generation's text, in code
	// points (plain text; an SSML chunk knows its place).
	source int
	// consumed is the characters of the client's text the segment pays
	// for: chars, plus the whitespace dropped before it; 0 means chars.
	consumed int
	// lookahead is the text that followed the segment when it was queued.
	lookahead string
	epoch     uint64          // the track's, when queued
	ctx       context.Context // cancelled by clear and when the session ends
	// chunk is the segment's SSML marks (text_type "ssml"); nil for text.
	chunk *ssml.Chunk
}

// generation is one generation's bookkeeping. The reader sets started,
// firstReady and chars before it queues the generation's flush job; the
// speaker owns admitted, hold, spoken, ended, playFrom and pushed; the
// writer owns the rest.
type generation struct {
	started    time.Time
	firstReady time.Time
	chars      int

	admitted bool
	// hold is the generation's reservation of the monthly quota: each
	// segment is reserved before it is spoken and charged once it is.
	hold   auth.Hold
	spoken bool // a segment made audio
	ended  bool // the hold is released
	// playFrom is when the first audio was queued for the client, and
	// pushed the samples queued since: the client's player runs dry at
	// about playFrom + pushed, which is when the next segment is needed.
	playFrom time.Time
	pushed   int64
	// carry joins the audio of an SSML generation's segments (breaks
	// across them); nil for text.
	carry *tts.Carry
	// cut is the code points of the generation's text cut into segments
	// so far (reader-owned).
	cut int

	chunks     int
	samples    int64
	firstAudio time.Time
	lastAudio  time.Time
}

// jobQueueLen bounds the jobs in flight: the reader reads the client's next
// message only when fewer are queued (and so the client's writes wait). One
// message adds at most a few dozen jobs (a text message of 4,096
// characters cut into segments), so the queue stays near this bound. A segment is cut only from a buffer of
// at least MinChars (50) characters, and the next segment takes in what
// was left after the cut, so two segments in a row hold at least 50
// characters and a full text buffer at most about 165 segments: text runs
// into buffer overflow, as the protocol says, before it fills the queue.
// Only a flood of flush or clear messages can, and the reader then waiting
// is the client's own backpressure.
const jobQueueLen = 256

type session struct {
	srv    *Server
	conn   *websocket.Conn
	raw    net.Conn // under conn: deadlines on it bound the close
	expiry sync.Once
	bearer string
	ctx    context.Context // ends with the session
	cancel context.CancelFunc
	out    *wsqueue.Queue[outItem]
	jobs   *jobQueue
	wg     sync.WaitGroup

	// Set once by the auth goroutine before authDone is closed.
	authDone  chan struct{}
	apiKey    string
	principal Principal
	profile   voice.Profile
	lexicon   *pronounce.Lexicon // config.pronunciation_dictionaries, or nil
	speed     float64            // config.speed and pitch, or 0
	pitch     float64
	language  protocol.Language
	releaseKC func()
	// timestamps sends word timestamps (config.timestamps "word").
	timestamps bool
	// named is set once a client names a context: from then on binary
	// frames are announced by audio_context when their context changes.
	named atomic.Bool

	sessionID string
	log       *slog.Logger

	// Reader state; mu also lets Shutdown flush the buffer. Nothing that
	// waits for the speaker or writer takes mu.
	mu         sync.Mutex
	configured bool
	draining   bool
	segCfg     segment.Config
	ssml       bool              // text_type "ssml"
	def        *track            // the default context
	tracks     map[string]*track // the named contexts open
	cfgTimer   *time.Timer
	closeCode  atomic.Int32
}

func newSession(srv *Server, conn *websocket.Conn, raw net.Conn, bearer, client string) *session {
	ctx, cancel := context.WithCancel(context.Background())
	maxBytes := int(srv.cfg.MaxQueuedAudio.Seconds() * protocol.SampleRate * 2)
	s := &session{
		srv:      srv,
		conn:     conn,
		raw:      raw,
		bearer:   bearer,
		ctx:      ctx,
		cancel:   cancel,
		out:      newSendQueue(maxBytes),
		jobs:     newJobQueue(),
		authDone: make(chan struct{}),
	}
	// The id exists from the start so that every log line of the session,
	// from any goroutine, carries it without locking.
	s.sessionID = newSessionID()
	s.log = srv.log.With("session", s.sessionID, "client", client)
	return s
}

func (s *session) run() {
	m := s.srv.deps.Metrics
	m.SessionsActive.Inc()
	m.SessionsTotal.Inc()
	defer m.SessionsActive.Dec()
	start := time.Now()

	s.mu.Lock()
	s.cfgTimer = time.AfterFunc(s.srv.cfg.ConfigTimeout, func() {
		s.mu.Lock()
		configured := s.configured
		s.mu.Unlock()
		if !configured {
			s.fail(protocol.ErrAuthTimeout)
		}
	})
	s.mu.Unlock()

	writerDone := make(chan struct{})
	s.wg.Add(3)
	go func() { defer s.wg.Done(); defer close(writerDone); s.writeLoop() }()
	go func() { defer s.wg.Done(); s.speakLoop() }()
	go func() { defer s.wg.Done(); s.keepalive() }()

	err := s.readLoop()
	s.cfgTimer.Stop()

	code := protocol.CloseNormal
	if st := websocket.CloseStatus(err); st != -1 {
		code = protocol.CloseCode(st)
	}
	// Whatever ended the read loop, the writer closes the socket (the first
	// close request wins, so a fatal error's own code is kept).
	s.out.Close(outItem{kind: outClose, code: code})
	s.cancel()
	select {
	case <-writerDone:
	case <-time.After(s.srv.cfg.CloseGrace + 5*time.Second):
		_ = s.conn.CloseNow()
	}
	s.wg.Wait()
	_ = s.conn.CloseNow()
	if s.releaseKC != nil {
		s.releaseKC()
	}
	final := protocol.CloseCode(s.closeCode.Load())
	if final == 0 {
		final = code
	}
	m.Closes.WithLabelValues(metrics.Code(int(final))).Inc()
	s.log.Info("realtime session ended", "code", int(final),
		"duration_ms", time.Since(start).Milliseconds())
}

// fail ends the session with a fatal protocol error: the error message (for
// codes where the client can act on it) and then the close frame jump the
// send queue, and everything in progress is cancelled. It never blocks, so
// any goroutine may call it, including an engine callback.
func (s *session) fail(e *protocol.Error) {
	var msg []byte
	if e.Code != protocol.CloseGoingAway && e != protocol.ErrSlowClient {
		msg = protocol.Marshal(protocol.NewErrorMessage(e))
		s.srv.deps.Metrics.Errors.WithLabelValues(metrics.Code(int(e.Code))).Inc()
	}
	if s.out.Close(outItem{kind: outClose, code: e.Code, reason: e.Message, data: msg}) {
		s.closeCode.Store(int32(e.Code))
		if e.Code != protocol.CloseGoingAway {
			s.log.Info("realtime session failed", "code", int(e.Code), "reason", bounded(e.Message))
		}
	}
	// A write stuck on a client that does not read would otherwise hold
	// the session for WriteTimeout.
	s.expire()
	s.cancel()
}

// bounded shortens a message for the log: some quote what the client sent
// (an unknown type, a language), which may be up to a frame long.
func bounded(msg string) string {
	const max = 120
	if len(msg) <= max {
		return msg
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// expire puts a deadline of CloseGrace on the connection, once: from the
// first close request on, the session ends within CloseGrace whatever the
// client does.
func (s *session) expire() {
	s.expiry.Do(func() { _ = s.raw.SetDeadline(time.Now().Add(s.srv.cfg.CloseGrace)) })
}

// sendError reports a non-fatal error; the session goes on.
func (s *session) sendError(e *protocol.Error) {
	s.srv.deps.Metrics.Errors.WithLabelValues(metrics.Code(int(e.Code))).Inc()
	s.sendJSON(protocol.NewErrorMessage(e))
}

func (s *session) sendJSON(v any) {
	if !s.out.Push(outItem{kind: outJSON, data: protocol.Marshal(v)}) {
		s.fail(protocol.ErrSlowClient)
	}
}

var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readLoop reads client frames until the connection ends or a fatal error.
func (s *session) readLoop() error {
	for {
		// Every message may be answered, so a client is read no faster
		// than the answers are written; one that does not read them is
		// closed with 4005 rather than queued for without bound.
		if !s.out.WaitRoom(s.ctx, s.srv.cfg.WriteTimeout) {
			if s.ctx.Err() != nil {
				return s.ctx.Err()
			}
			s.fail(protocol.ErrSlowClient)
			return protocol.ErrSlowClient
		}
		// Nor faster than the speaker takes its jobs.
		if !s.jobs.waitRoom(s.ctx, jobQueueLen) {
			return s.ctx.Err()
		}
		typ, r, err := s.conn.Reader(context.Background())
		if err != nil {
			return err
		}
		buf := framePool.Get().(*bytes.Buffer)
		buf.Reset()
		n, err := buf.ReadFrom(io.LimitReader(r, protocol.MaxFrameBytes+1))
		if err != nil {
			framePool.Put(buf)
			return err
		}
		if n > protocol.MaxFrameBytes {
			framePool.Put(buf)
			s.fail(protocol.ErrFrameTooLarge)
			return protocol.ErrFrameTooLarge
		}
		if typ == websocket.MessageBinary {
			framePool.Put(buf)
			s.fail(protocol.ErrBinaryFrame)
			return protocol.ErrBinaryFrame
		}
		msg, err := protocol.DecodeClient(buf.Bytes())
		if buf.Cap() <= 8<<10 {
			framePool.Put(buf)
		}
		if err != nil {
			pe, ok := protocol.AsError(err)
			if !ok {
				// DecodeClient fails only with protocol errors; anything
				// else is a bug, and still the client's message was bad.
				pe = protocol.Errorf(protocol.CloseInvalid, "invalid message")
			}
			s.fail(pe)
			return err
		}
		if msg.Type == protocol.TypeText && s.startsGeneration(msg) {
			if err := s.recheckKey(); err != nil {
				s.fail(err)
				return err
			}
		}
		if err := s.handle(msg); err != nil {
			if err.Fatal {
				s.fail(err)
				return err
			}
			s.sendError(err)
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
	}
}

// errKeyRevoked closes a session whose key was revoked while it was open.
var errKeyRevoked = &protocol.Error{Code: protocol.CloseAuthFailed, Message: "API key revoked", Fatal: true}

// errStoreUnavailable closes a session that cannot start (its key, voice or
// quota unknown) because the store cannot be reached: 4005, saying so, so a
// client knows to reconnect (a balancer sends it to a node that is ready)
// rather than look for its own mistake.
var errStoreUnavailable = &protocol.Error{Code: protocol.CloseServerError,
	Message: "service temporarily unavailable: its database cannot be reached; reconnect shortly", Fatal: true}

// serverError is the close for a failure that is not the client's.
func serverError(err error) *protocol.Error {
	if errors.Is(err, store.ErrUnavailable) {
		return errStoreUnavailable
	}
	return protocol.ErrServer
}

// startsGeneration reports whether a text message would start a
// generation.
func (s *session) startsGeneration(m protocol.ClientMessage) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.configured || m.Text == "" {
		return false
	}
	tr := s.def
	if m.ContextID != "" {
		tr = s.tracks[m.ContextID]
	}
	return tr == nil || tr.gen == nil
}

// recheckKey checks the session's key again, as a generation starts, so
// that a key revoked while the socket is open stops speaking (through the
// server's KeyCache: one store lookup per key per KeyRecheck). Before the
// first authentication has finished, that authentication is the check. A
// store that fails leaves the session be: it was authenticated, and
// closing every session on a store hiccup would be worse.
func (s *session) recheckKey() *protocol.Error {
	select {
	case <-s.authDone:
	default:
		return nil
	}
	_, err := s.srv.keys.Authenticate(s.ctx, s.apiKey)
	switch {
	case err == nil, s.ctx.Err() != nil:
		return nil
	case errors.Is(err, auth.ErrUnauthorized):
		return errKeyRevoked
	}
	s.log.Warn("re-checking the key failed", "err", err)
	return nil
}

// handle applies one decoded client message.
func (s *session) handle(m protocol.ClientMessage) *protocol.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.configured && m.Type != protocol.TypeConfig {
		return protocol.ErrNotConfigured
	}
	switch m.Type {
	case protocol.TypeConfig:
		if s.configured {
			return protocol.ErrSecondConfig
		}
		return s.configure(m.Config)
	case protocol.TypeText, protocol.TypeFlush, protocol.TypeClear:
		tr, err := s.trackFor(m.ContextID)
		if err != nil {
			return err
		}
		switch m.Type {
		case protocol.TypeText:
			return s.text(tr, m.Text)
		case protocol.TypeFlush:
			return s.flush(tr)
		}
		s.clear(tr)
	case protocol.TypeCloseContext:
		return s.closeContext(m.ContextID)
	case protocol.TypeBinaryMode:
		ack := protocol.BinaryModeAck{Type: protocol.TypeBinaryModeAck, SampleRate: protocol.SampleRate, Format: protocol.Format}
		if !s.out.Push(outItem{kind: outBinaryMode, data: protocol.Marshal(ack)}) {
			return protocol.ErrSlowClient
		}
	case protocol.TypePing:
		s.sendJSON(struct {
			Type string `json:"type"`
		}{protocol.TypePong})
	}
	return nil
}

func (s *session) configure(c protocol.Config) *protocol.Error {
	lang, ok := protocol.ParseLanguage(c.Language)
	if !ok {
		return protocol.Errorf(protocol.CloseInvalid, "unsupported language %q", c.Language)
	}
	key := c.APIKey
	if key == "" {
		key = s.bearer
	}
	if key == "" {
		return protocol.Errorf(protocol.CloseInvalid, `config: missing field "api_key"`)
	}
	segCfg := s.srv.cfg.Segment
	segCfg.Language = lang
	if c.MinFirstSegmentChars > 0 {
		// Longer than a normal first segment would change nothing.
		segCfg.FirstMinChars = min(c.MinFirstSegmentChars, segCfg.MinChars)
	}
	if len(c.PronunciationDictionaries) > 0 && s.srv.deps.Pronunciations == nil {
		return protocol.Errorf(protocol.CloseInvalid, "config: pronunciation dictionaries are not available on this server")
	}
	s.segCfg, s.ssml = segCfg, c.TextType == protocol.TextSSML
	def, err := s.newTrack("")
	if err != nil {
		return err
	}
	s.cfgTimer.Stop()
	s.configured = true
	s.language = lang
	s.def, s.tracks = def, map[string]*track{}
	s.timestamps = c.Timestamps == protocol.TimestampsWord
	s.sendJSON(protocol.ConfigAck{Type: protocol.TypeConfigAck, SessionID: s.sessionID})

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.authenticate(key, c)
	}()
	return nil
}

// authenticate runs after config_ack; text queued meanwhile waits in the
// job queue, and is dropped if authentication fails.
func (s *session) authenticate(key string, c protocol.Config) {
	d := s.srv.deps
	p, err := d.Auth.Authenticate(s.ctx, key)
	switch {
	case err == nil:
	case s.ctx.Err() != nil:
		return
	case errors.Is(err, auth.ErrUnauthorized):
		s.fail(protocol.ErrAuthFailed)
		return
	default:
		s.log.Error("authentication failed", "err", err)
		s.fail(serverError(err))
		return
	}
	if !p.Plan.WebSocket {
		s.fail(protocol.ErrNoRealtime)
		return
	}
	release, err := d.Accounting.AcquireConn(s.ctx, p)
	if err != nil {
		s.fail(protocol.ErrTooManyConns)
		return
	}
	s.releaseKC = release
	prof, err := d.Voices.ResolveConfig(s.ctx, p, c)
	if err != nil {
		if pe, ok := protocol.AsError(err); ok {
			s.fail(pe)
		} else {
			// A store failure, say: its text is for the log.
			s.log.Error("resolving the voice failed", "err", err)
			s.fail(serverError(err))
		}
		return
	}
	if len(c.PronunciationDictionaries) > 0 {
		lex, err := d.Pronunciations.Lexicon(s.ctx, p, c.PronunciationDictionaries)
		switch {
		case errors.Is(err, pronounce.ErrUnknown), errors.Is(err, pronounce.ErrInvalid):
			s.fail(protocol.Errorf(protocol.CloseInvalid, "config: %v", err))
			return
		case err != nil:
			s.log.Error("loading pronunciation dictionaries failed", "err", err)
			s.fail(protocol.ErrServer)
			return
		}
		s.lexicon = lex
	}
	s.speed, s.pitch = c.Speed, c.Pitch
	s.apiKey = key
	s.principal = p
	s.profile = prof
	s.log.Info("realtime session authenticated", "key", p.KeyID, "plan", p.Plan.Name)
	close(s.authDone)
}

// drain makes the session finish what it has and close with 1001.
func (s *session) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return
	}
	s.draining = true
	if !s.configured {
		s.fail(goingAway)
		return
	}
	for _, tr := range s.allTracks() {
		if tr.gen != nil {
			_ = s.flush(tr)
		}
	}
	s.queue(s.def, job{kind: jobDrain})
}

// allTracks is the open contexts, the default one first. Called with s.mu
// held.
func (s *session) allTracks() []*track {
	out := []*track{s.def}
	for _, tr := range s.tracks {
		out = append(out, tr)
	}
	return out
}

func newSessionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "sess_" + hex.EncodeToString(b[:])
}

var errStopped = errors.New("realtime: generation stopped")
