package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/agent"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
	"github.com/parley-voice/parley/voicestore"
	"github.com/parley-voice/parley/web"
)

// Config is everything `parley serve` can be told.
type Config struct {
	Addr    string // listen address; default ":8080"
	DataDir string // default "./data"
	// PublicURL is how clients reach this server ("https://tts.example.com"),
	// for the audio links in job webhooks; default http://localhost:PORT.
	PublicURL     string
	ShutdownGrace time.Duration
	Realtime      realtime.Config
	HTTP          httpapi.Config
	Agent         AgentConfig
	Jobs          jobs.Config // DataDir and Secret are filled in
	Limits        limits.Config
	Engine        engine.Config
	Logger        *slog.Logger

	// AllowedOrigins are the origins, besides the server's own, whose
	// pages may open the browser endpoint /v1/agent (see
	// httpapi.CheckOrigin); "*" allows any.
	AllowedOrigins []string
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("server: data dir is required")
	}
	if c.ShutdownGrace < 0 {
		return errors.New("server: shutdown grace must not be negative")
	}
	if err := c.Realtime.Validate(); err != nil {
		return err
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	return c.Engine.Validate()
}

// Server is a running Parley node.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *store.DB
	engines  *engine.Engines
	metrics  *metrics.Metrics
	realtime *realtime.Server
	agent    *agent.Server
	stopSTT  func()
	jobs     *jobs.Manager
	handler  http.Handler
	stopping atomic.Bool
}

// New opens the store and the engines and builds the handlers.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Addr == "" {
		cfg.Addr = ":8080"
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 15 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	engines, err := engine.Open(cfg.Engine)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, p := range engines.Problems() {
		log.Warn("neural voice refused", "err", p.Error())
	}
	for _, v := range engines.NeuralVoices() {
		log.Info("neural voice loaded", "voice", v.ID, "language", string(v.Language), "f0_hz", v.F0)
	}
	s := &Server{cfg: cfg, log: log, db: db, engines: engines, metrics: metrics.New()}
	s.metrics.ObserveModels(func() []metrics.ModelStat {
		var out []metrics.ModelStat
		for _, m := range engines.Models() {
			out = append(out, metrics.ModelStat{Engine: m.Engine, Model: m.Model, Bytes: m.Bytes})
		}
		return out
	})
	s.metrics.ObserveEngines(func() []metrics.EngineStat {
		var out []metrics.EngineStat
		for _, st := range engines.Stats() {
			out = append(out, metrics.EngineStat{Engine: st.Engine, Queued: st.Queued, Busy: st.Busy})
		}
		return out
	})
	secret, err := voice.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		s.Close()
		return nil, err
	}
	lim := limits.New(cfg.Limits)
	acct := &auth.Accounting{Limiter: lim, Usage: db}
	catalog := voice.NewCatalog(engines.NeuralVoices(), engines.LookupVoice)
	voices := &voicestore.Store{DB: db, Secret: secret, Engine: engines, Catalog: catalog}
	pipeline := &tts.Pipeline{Engine: engines, Voices: catalog}
	s.realtime, err = realtime.NewServer(cfg.Realtime, realtime.Deps{
		Auth:       auth.Keys{DB: db},
		Voices:     voices,
		Accounting: acct,
		Pipeline:   pipeline,
		Limiter:    lim,
		Metrics:    s.metrics,
		Logger:     log,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	api, err := httpapi.New(cfg.HTTP, httpapi.Deps{
		Keys:          auth.Keys{DB: db},
		Accounting:    acct,
		Pipeline:      pipeline,
		Voices:        voices,
		Store:         db,
		Metrics:       s.metrics,
		Logger:        log,
		WebhookSecret: secret,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	jcfg := cfg.Jobs
	jcfg.DataDir, jcfg.Secret, jcfg.Logger = cfg.DataDir, secret, log
	if jcfg.AudioURL == nil {
		base := strings.TrimRight(publicURL(cfg), "/")
		jcfg.AudioURL = func(j store.Job) string { return base + httpapi.JobAudioPath(j.ID) }
	}
	if s.jobs, err = jobs.New(jcfg, db, api); err != nil {
		s.Close()
		return nil, err
	}
	api.SetJobs(s.jobs)
	stt, model, stopSTT, err := agentDeps(cfg.Agent, nil)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.stopSTT = stopSTT
	if s.agent, err = agent.NewServer(cfg.Agent.Config, agent.Deps{
		Keys: auth.Keys{DB: db}, STT: stt, LLM: model, Metrics: s.metrics, Logger: log,
		CheckOrigin: httpapi.CheckOrigin(cfg.AllowedOrigins),
	}); err != nil {
		s.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/realtime", s.realtime)
	mux.Handle("GET /v1/agent", s.agent)
	mux.Handle("GET /agent", web.Handler())
	mux.Handle("GET /agent/", web.Handler())
	httpapi.RegisterHealth(mux, s.metrics, s.ready)
	api.Register(mux)
	s.handler = mux
	return s, nil
}

func publicURL(cfg Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

func (s *Server) ready() error {
	if s.stopping.Load() {
		return errors.New("shutting down")
	}
	_, err := s.db.SchemaVersion(context.Background())
	return err
}

// Handler is the node's HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Store is the node's store.
func (s *Server) Store() *store.DB { return s.db }

// Engines are the node's engines.
func (s *Server) Engines() *engine.Engines { return s.engines }

// Sessions reports the open realtime sessions.
func (s *Server) Sessions() int { return s.realtime.Sessions() }

// Metrics are the node's collectors.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// ListenAndServe listens on the configured address and serves until ctx
// ends, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then stops accepting, drains realtime
// sessions within ShutdownGrace (closing them with 1001) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Request bodies get a deadline of their own (httpapi.Config.BodyTimeout):
	// a ReadTimeout would also cut long streamed answers short.
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.jobs.Start()
	s.agent.SetTTSURL(loopbackURL(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("parley listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.stopping.Store(true)
	s.log.Info("shutting down", "grace", s.cfg.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	// Stop accepting first; hijacked WebSockets are not tracked by
	// http.Server, so the realtime server drains them itself.
	herr := hs.Shutdown(sctx)
	// Agent sessions speak through realtime sessions: end them first.
	aerr := s.agent.Shutdown(sctx)
	rerr := s.realtime.Shutdown(sctx)
	<-errc
	// Jobs still running go back to the queue and run on the next start.
	s.jobs.Close()
	if herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("server: http shutdown: %w", herr)
	}
	if aerr != nil && !errors.Is(aerr, context.DeadlineExceeded) {
		return fmt.Errorf("server: agent shutdown: %w", aerr)
	}
	if rerr != nil && !errors.Is(rerr, context.DeadlineExceeded) {
		return fmt.Errorf("server: realtime shutdown: %w", rerr)
	}
	return nil
}

// Close releases the engines and the store. Call it after Serve returns.
func (s *Server) Close() error {
	if s.jobs != nil {
		s.jobs.Close()
	}
	if s.stopSTT != nil {
		s.stopSTT()
	}
	err := s.engines.Close()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}
