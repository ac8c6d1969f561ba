package realtime

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/clientip"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/protocol"
)

// Deps are the collaborators of a Server.
type Deps struct {
	Auth       Authenticator
	Voices     VoiceResolver
	Accounting Accounting
	Pipeline   Synthesizer
	Limiter    ConnLimiter
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
	// ClientIP finds the client's address behind trusted proxies, for the
	// per-address limit and the logs; nil means the TCP peer.
	ClientIP *clientip.Resolver
	// Pronunciations resolves config.pronunciation_dictionaries; nil
	// refuses configs that name any.
	Pronunciations Pronunciations
}

func (d Deps) validate() error {
	if d.Auth == nil || d.Voices == nil || d.Accounting == nil || d.Pipeline == nil || d.Limiter == nil || d.Metrics == nil {
		return errors.New("realtime: Auth, Voices, Accounting, Pipeline, Limiter and Metrics are required")
	}
	return nil
}

// Server serves /v1/realtime. It is an http.Handler.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	// keys re-checks the keys of open sessions, one answer per key for
	// KeyRecheck, shared by all sessions.
	keys *auth.KeyCache

	mu       sync.Mutex
	sessions map[*session]struct{}
	draining bool
	wg       sync.WaitGroup // one per running session
}

// NewServer returns a Server.
func NewServer(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Server{cfg: cfg, deps: deps, log: log, keys: auth.NewKeyCache(deps.Auth, cfg.KeyRecheck),
		sessions: make(map[*session]struct{})}, nil
}

// ServeHTTP upgrades the request and runs the session until it ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draining := s.draining
	if !draining {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if draining {
		http.Error(w, `{"error":"server is shutting down"}`, http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()

	// Keys travel in the first message, not in cookies, so a page on
	// another origin cannot act for a user who has not given it a key:
	// cross-origin clients are allowed.
	hj := &hijackRecorder{ResponseWriter: w}
	conn, err := websocket.Accept(hj, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has written the HTTP error
	}
	// Frames are bounded by the session's own reader so that an oversize
	// frame closes with 4003, not the library's 1009.
	conn.SetReadLimit(-1)
	if tc, ok := hj.conn.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(sendBuffer)
	}

	// The address is limited before anything else, so that clients without
	// a key cannot hold every server slot.
	client := s.deps.ClientIP.Host(r)
	releaseIP, err := s.deps.Limiter.AcquireIPConn(r.Context(), limits.IPKey(client))
	if err != nil {
		s.reject(conn, hj.conn, errTooManyFromIP)
		return
	}
	defer releaseIP()
	release, err := s.deps.Limiter.AcquireServerSlot()
	if err != nil {
		s.reject(conn, hj.conn, protocol.ErrSlotsOccupied)
		return
	}
	defer release()

	sess := newSession(s, conn, hj.conn, auth.Bearer(r), client)
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()
	sess.run()
}

// sendBuffer is the kernel's send buffer of a connection. Left to itself,
// Linux grows it to megabytes (a minute of audio) for a client that does
// not read, and only then does the send queue, which decides, begin to
// fill. This is ample for a client that reads: 10 times real time across
// a 500 ms round trip.
const sendBuffer = 256 << 10

// errTooManyFromIP closes a connection beyond Limits.MaxConnsPerIP. It is a
// rate limit on the client, not the server being full, hence 4004.
var errTooManyFromIP = &protocol.Error{Code: protocol.CloseRateLimited, Message: "too many connections from this address", Fatal: true}

// reject closes a connection that gets no session, within CloseGrace.
func (s *Server) reject(conn *websocket.Conn, raw net.Conn, e *protocol.Error) {
	s.deps.Metrics.Closes.WithLabelValues(metrics.Code(int(e.Code))).Inc()
	_ = raw.SetDeadline(time.Now().Add(s.cfg.CloseGrace))
	_ = conn.Close(websocket.StatusCode(e.Code), e.Message)
}

// hijackRecorder keeps the connection that websocket.Accept hijacks, so
// that closing can be bounded by a deadline on it: the library waits up to
// 5 s for each step of a close handshake, and its CloseNow cannot cut a
// Close in progress short.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, rw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// Sessions reports the open sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown stops accepting sessions and drains the open ones, all at once:
// text already sent is spoken, done is sent, and each socket is closed with
// 1001. When ctx ends first (or has already ended), the sessions still
// open are closed with 1001 at once. Shutdown returns when every session
// has ended. Draining never waits for a session's speaker, so one busy
// session delays neither the others nor the deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	open := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		open = append(open, sess)
	}
	s.mu.Unlock()
	var drains sync.WaitGroup
	if ctx.Err() == nil {
		for _, sess := range open {
			drains.Add(1)
			go func() {
				defer drains.Done()
				sess.drain()
			}()
		}
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		drains.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for sess := range s.sessions {
		sess.fail(goingAway)
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}

var goingAway = &protocol.Error{Code: protocol.CloseGoingAway, Message: "server shutting down", Fatal: true}
