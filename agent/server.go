package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/agent/llm"
	"github.com/parley-voice/parley/agent/turn"
	"github.com/parley-voice/parley/agent/vad"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/clientip"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/twilio"
)

// Config tunes agent sessions. Zero fields take the values of
// DefaultConfig.
type Config struct {
	// TTSURL is the realtime endpoint the agent speaks through; empty
	// means this server's own, on the address the browser's request
	// reached. TTSKey, if set, is used there instead of the user's key.
	TTSURL, TTSKey string
	// VAD tunes speech detection (its SampleRate is always 16 kHz here).
	VAD vad.Config
	// Turn tunes turn-taking and barge-in.
	Turn turn.Config
	// SystemPrompt starts every conversation; the start message's
	// instructions are added to it.
	SystemPrompt string
	// StartTimeout is how long a client has to send start: the time a
	// socket without a key is held. The page sends start as soon as the
	// socket opens.
	StartTimeout time.Duration
	// ConnectTimeout bounds the rest of starting a session: reaching TTS
	// and loading the VAD.
	ConnectTimeout time.Duration
	// PartialInterval is how often partial transcripts are taken.
	PartialInterval time.Duration
	// MaxSessions bounds concurrent agent sessions. A session takes its
	// place once its start is accepted (key and plan), so that sockets
	// without a key hold none.
	MaxSessions int
	// KeyRecheck is how long the answer of a key check is trusted. A
	// session checks its key again as each answer starts, so a key revoked
	// during a conversation ends it with 4002 at the first turn
	// KeyRecheck after the revocation.
	KeyRecheck time.Duration
	// PhoneLead is how far ahead of real time a phone call's answer audio
	// is sent to Twilio: enough to ride out network jitter, little enough
	// that a clear drops little. Marks say what was heard either way.
	PhoneLead time.Duration
}

// DefaultSystemPrompt makes answers suitable for speech.
const DefaultSystemPrompt = "You are Parley, a friendly voice assistant. Your answers are spoken aloud, " +
	"so answer in one to three short, plain sentences: no lists, no markdown, no emoji."

// DefaultConfig returns the defaults that zero fields take. TTSURL is
// empty: the server's own.
func DefaultConfig() Config {
	return Config{
		VAD:             vad.DefaultConfig(),
		Turn:            turn.DefaultConfig(),
		SystemPrompt:    DefaultSystemPrompt,
		StartTimeout:    5 * time.Second,
		ConnectTimeout:  10 * time.Second,
		PartialInterval: 200 * time.Millisecond,
		MaxSessions:     50,
		KeyRecheck:      auth.DefaultRecheckTTL,
		PhoneLead:       160 * time.Millisecond,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SystemPrompt == "" {
		c.SystemPrompt = d.SystemPrompt
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = d.StartTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = d.ConnectTimeout
	}
	if c.PartialInterval == 0 {
		c.PartialInterval = d.PartialInterval
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = d.MaxSessions
	}
	if c.KeyRecheck == 0 {
		c.KeyRecheck = d.KeyRecheck
	}
	if c.PhoneLead == 0 {
		c.PhoneLead = d.PhoneLead
	}
	c.VAD.SampleRate = sttRate
	// The machine times barge-in from speech boundaries, so it must know
	// how late the VAD reports a speech end.
	c.Turn.Hangover = c.VAD.WithDefaults().Hangover
	c.Turn.SampleRate = protocol.SampleRate
	return c
}

// Validate reports settings that cannot work, after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.StartTimeout < 0 || c.ConnectTimeout < 0 || c.PartialInterval < 0 || c.MaxSessions < 0 || c.KeyRecheck < 0 || c.PhoneLead < 0 {
		return errors.New("agent: timeouts, partial interval, sessions, key recheck and phone lead must not be negative")
	}
	if err := c.VAD.Validate(); err != nil {
		return err
	}
	return c.Turn.Validate()
}

// Deps are the collaborators of the agent server.
type Deps struct {
	Keys    auth.Authenticator
	STT     STT
	LLM     llm.Model
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Limiter counts connections per client address, with the same limit
	// as /v1/realtime, before the upgrade.
	Limiter *limits.Limiter
	// ClientIP finds the client's address behind trusted proxies; nil
	// trusts no proxy.
	ClientIP *clientip.Resolver
	// CheckOrigin accepts or refuses a browser's Origin; nil allows the
	// request's own host only.
	CheckOrigin func(*http.Request) bool
	// Phone admits Twilio media streams; nil refuses them (503).
	Phone Phone
	// Calls keeps a record of every conversation; nil keeps none.
	Calls Calls
}

// Phone admits the media streams of phone calls; *phone.Service is the
// real one. Keys must accept the credentials it issues (phone.Credentials).
type Phone interface {
	AdmitCall(ctx context.Context, start twilio.Start) (phone.Call, error)
}

// Calls stores call records; *store.DB is the real one.
type Calls interface {
	CreateCall(ctx context.Context, c store.Call) error
}

// Server serves /v1/agent.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	// keys re-checks the keys of open sessions, one answer per key for
	// KeyRecheck, shared by all sessions.
	keys *auth.KeyCache

	mu       sync.Mutex
	sessions map[*session]struct{}
	places   int // sessions whose start was accepted, of MaxSessions
	closed   bool
	wg       sync.WaitGroup
}

// NewServer returns the agent server.
func NewServer(cfg Config, d Deps) (*Server, error) {
	if d.Keys == nil || d.STT == nil || d.LLM == nil || d.Metrics == nil || d.Limiter == nil {
		return nil, errors.New("agent: Keys, STT, LLM, Metrics and Limiter are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, deps: d, log: log, keys: auth.NewKeyCache(d.Keys, cfg.KeyRecheck),
		sessions: make(map[*session]struct{})}, nil
}

// ttsURL is the realtime endpoint of a session that r starts:
// Config.TTSURL, or this server's /v1/realtime on the address r reached,
// which is the address of a listener of this server (the server learns
// its port only when it listens).
func (s *Server) ttsURL(r *http.Request) string {
	if s.cfg.TTSURL != "" {
		return s.cfg.TTSURL
	}
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return ""
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "ws://" + net.JoinHostPort(host, port) + "/v1/realtime"
}

// ServeHTTP serves /v1/agent: it upgrades the request and runs a session
// until it ends.
//
// Before the upgrade it refuses a foreign origin (403), a server whose
// places are all taken (503) and a client address at the per-address
// connection limit (429, as /v1/realtime closes with 4004). A socket
// without a key holds only its address's count, for StartTimeout: places
// are taken by sessions whose start is accepted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := &websocket.AcceptOptions{}
	if s.deps.CheckOrigin != nil {
		if !s.deps.CheckOrigin(r) {
			http.Error(w, `{"error":"origin not allowed"}`, http.StatusForbidden)
			return
		}
		opts.InsecureSkipVerify = true // checked above
	}
	s.serve(w, r, opts, func(c *websocket.Conn) transport { return newBrowserTransport(c) })
}

// TwilioHandler serves /v1/twilio/media, the media streams of phone calls
// (Twilio's Media Streams protocol; docs in package twilio): the same
// limits as /v1/agent before the upgrade, and a place once the stream's
// start is admitted (phone.Service.AdmitCall). Twilio sends no Origin;
// the stream's signed parameters are its credentials.
func (s *Server) TwilioHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Phone == nil {
			http.Error(w, `{"error":"phone calls are not configured on this server"}`, http.StatusServiceUnavailable)
			return
		}
		opts := &websocket.AcceptOptions{InsecureSkipVerify: true}
		s.serve(w, r, opts, func(c *websocket.Conn) transport { return newTwilioTransport(c, s.cfg.PhoneLead, s.log) })
	})
}

// serve admits, upgrades and runs one session over the transport that
// newTransport makes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions, newTransport func(*websocket.Conn) transport) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, `{"error":"server is shutting down"}`, http.StatusServiceUnavailable)
		return
	}
	// Not the last word (start takes the place, racing others), but no
	// use upgrading a client who would find none.
	if s.places >= s.cfg.MaxSessions {
		s.mu.Unlock()
		http.Error(w, `{"error":"too many agent sessions"}`, http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	releaseIP, err := s.deps.Limiter.AcquireIPConn(r.Context(), limits.IPKey(s.deps.ClientIP.Host(r)))
	if err != nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"too many connections from this address"}`, http.StatusTooManyRequests)
		return
	}
	defer releaseIP()
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return
	}
	conn.SetReadLimit(maxFrameBytes)
	ttsURL := s.ttsURL(r)
	if ttsURL == "" {
		_ = conn.Close(websocket.StatusInternalError, "agent has no TTS endpoint")
		return
	}
	sess := newSession(s, newTransport(conn), ttsURL)
	s.mu.Lock()
	if s.closed {
		// Shutdown began during the upgrade and has not seen this session.
		s.mu.Unlock()
		sess.cancel()
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()
	sess.run()
}

// takePlace takes one of MaxSessions places for a session whose start was
// accepted; release gives it back and is idempotent.
func (s *Server) takePlace() (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.places >= s.cfg.MaxSessions {
		return nil, false
	}
	s.places++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.places--
			s.mu.Unlock()
		})
	}, true
}

// Shutdown refuses new sessions and ends the open ones, waiting for them
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for sess := range s.sessions {
		sess.end(websocket.StatusGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("agent: sessions still open: %w", ctx.Err())
	}
}
