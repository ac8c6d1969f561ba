package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/agent"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/clientip"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/pronstore"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
	"github.com/parley-voice/parley/voicestore"
	"github.com/parley-voice/parley/web"
)

// Config is everything `parley serve` can be told. Zero fields take the
// values of DefaultConfig, except where a component's zero value means
// something of its own (engine.Config, AgentConfig).
type Config struct {
	Addr    string // listen address
	DataDir string
	// StoreURL names the store (package store): "sqlite:PATH" or
	// "postgres://..."; empty is the SQLite file in DataDir. With
	// PostgreSQL, several nodes share everything durable: keys, voices,
	// usage, jobs with their audio, and the server secret.
	StoreURL string
	// PublicURL is how clients reach this server ("https://tts.example.com"),
	// for the audio links in job webhooks and, for Twilio, the voice
	// webhook's URL (which Twilio signs) and the media stream's;
	// default http://localhost:PORT.
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

	// TrustedProxies are the load balancers in front of the node: from
	// them X-Forwarded-For and X-Real-IP name the client (package
	// clientip).
	TrustedProxies []netip.Prefix
	// Redis, with a URL, shares the per-key and per-address limits with
	// every node on the same Redis (package limits).
	Redis limits.RedisConfig

	// RotateVoiceSecret lets the server start with a voice-secret other
	// than the one the store's data was signed with (or a new one, when the
	// file is missing), invalidating issued clone prompts and webhook
	// secrets. Without it such a start fails with ErrVoiceSecret.
	RotateVoiceSecret bool

	// ShutdownCancelWait is how long handlers still running when
	// ShutdownGrace is over get to return once cancelled, before Serve
	// gives up on them; default 3 s.
	ShutdownCancelWait time.Duration
}

// DefaultConfig is what `parley serve` runs with no flags: each
// component's DefaultConfig, listening on :8080 with its data in ./data.
func DefaultConfig() Config {
	return Config{
		Addr:               ":8080",
		DataDir:            "./data",
		ShutdownGrace:      15 * time.Second,
		ShutdownCancelWait: defaultShutdownCancelWait,
		Realtime:           realtime.DefaultConfig(),
		HTTP:               httpapi.DefaultConfig(),
		Agent:              DefaultAgentConfig(),
		Jobs:               jobs.DefaultConfig(),
		Limits:             limits.DefaultConfig(),
		Engine:             engine.DefaultConfig(),
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("server: data dir is required")
	}
	if c.ShutdownGrace < 0 || c.ShutdownCancelWait < 0 {
		return errors.New("server: shutdown grace and cancel wait must not be negative")
	}
	if err := c.Realtime.Validate(); err != nil {
		return err
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	if err := c.Redis.Validate(); err != nil {
		return err
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if err := c.Agent.Validate(); err != nil {
		return err
	}
	return c.Engine.Validate()
}

// Server is a running Parley node.
type Server struct {
	cfg       Config
	log       *slog.Logger
	db        *store.DB
	engines   *engine.Engines
	metrics   *metrics.Metrics
	realtime  *realtime.Server
	agent     *agent.Server
	stopSTT   func()
	jobs      *jobs.Manager
	limits    *limits.Limiter
	usage     *auth.RetryingUsage
	clientIP  *clientip.Resolver
	handler   http.Handler
	stopping  atomic.Bool
	storeDown atomic.Bool  // the last readiness check found the store unavailable
	handlers  handlers     // every handler Serve runs
	stuck     atomic.Int64 // handlers shutdown gave up waiting for
}

// New opens the store and the engines and builds the handlers.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := DefaultConfig()
	if cfg.Addr == "" {
		cfg.Addr = d.Addr
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = d.ShutdownGrace
	}
	if cfg.ShutdownCancelWait == 0 {
		cfg.ShutdownCancelWait = d.ShutdownCancelWait
	}
	if cfg.Agent.VAD.ORTLibPath == "" {
		// A process has one onnxruntime: the agent's VAD loads the
		// engines' library.
		cfg.Agent.VAD.ORTLibPath = cfg.Engine.ORTLibrary
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	storeURL := cfg.StoreURL
	if storeURL == "" {
		storeURL = store.SQLiteURL(cfg.DataDir)
	}
	db, err := store.OpenURL(ctx, storeURL)
	if err != nil {
		return nil, err
	}
	secret, rotated, err := loadSecret(ctx, db, cfg.DataDir, cfg.RotateVoiceSecret)
	if err != nil {
		db.Close()
		return nil, err
	}
	if rotated {
		where := filepath.Join(cfg.DataDir, voice.SecretFile)
		if db.Shared() {
			where = "store setting " + SecretSetting
		}
		log.Warn("voice secret rotated: "+rotationCost, "secret", where)
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
	rc := cfg.Redis
	rc.OnChange = func(up bool, err error) {
		if up {
			log.Info("redis reachable again; limits shared across nodes")
		} else {
			log.Warn("redis unreachable; limits counted on this node alone until it returns", "err", err)
		}
	}
	if s.limits, err = limits.Open(cfg.Limits, rc); err != nil {
		s.Close()
		return nil, err
	}
	lim := s.limits
	if lim.Shared().Enabled {
		s.metrics.ObserveRedis(func() bool { return lim.Shared().Up })
	}
	s.clientIP = clientip.New(cfg.TrustedProxies)
	// Charges that the store cannot take during an outage wait in memory
	// (bounded; auth.RetryingUsage) and are written when it answers.
	s.usage = auth.NewRetryingUsage(db, auth.RetryConfig{Logger: log})
	usage := s.usage
	s.metrics.ObservePendingCharges(func() int64 { _, chars := usage.Pending(); return chars })
	acct := &auth.Accounting{Limiter: lim, Usage: usage}
	catalog := voice.NewCatalog(engines.NeuralVoices(), engines.LookupVoice)
	voices := &voicestore.Store{DB: db, Secret: secret, Engine: engines, Catalog: catalog}
	pipeline := &tts.Pipeline{Engine: engines, Voices: catalog}
	prons := &pronstore.Store{DB: db}
	// Phone calls' agents authenticate with credentials the node issues
	// for their numbers' keys (package phone), to the agent and to
	// realtime, where the agent's speech comes from.
	keys := phone.NewCredentials(auth.Keys{DB: db}, db)
	phones, err := phone.New(phone.Config{PublicURL: publicURL(cfg), Secret: secret}, db, keys)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.realtime, err = realtime.NewServer(cfg.Realtime, realtime.Deps{
		Auth:       keys,
		Voices:     voices,
		Accounting: acct,
		Pipeline:   pipeline,
		Limiter:    lim,
		Metrics:    s.metrics,
		Logger:     log,
		ClientIP:   s.clientIP,

		Pronunciations: prons,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	apiDeps := httpapi.Deps{
		Keys:           auth.Keys{DB: db},
		Accounting:     acct,
		Limiter:        lim,
		Pipeline:       pipeline,
		Voices:         voices,
		Store:          db,
		Metrics:        s.metrics,
		Logger:         log,
		WebhookSecret:  secret,
		ClientIP:       s.clientIP,
		Pronunciations: prons,
		Phone:          phones,
	}
	// The job manager runs the API's Runner, and the API queues jobs on
	// the manager: the Runner comes first.
	runner, err := httpapi.NewRunner(apiDeps)
	if err != nil {
		s.Close()
		return nil, err
	}
	jcfg := cfg.Jobs
	jcfg.DataDir, jcfg.Secret, jcfg.Logger = cfg.DataDir, secret, log
	if db.Shared() {
		// Nodes of a shared store keep nothing on their own disk.
		jcfg.DataDir = ""
	}
	if jcfg.AudioURL == nil {
		base := strings.TrimRight(publicURL(cfg), "/")
		jcfg.AudioURL = func(j store.Job) string { return base + httpapi.JobAudioPath(j.ID) }
	}
	if s.jobs, err = jobs.New(jcfg, db, runner); err != nil {
		s.Close()
		return nil, err
	}
	apiDeps.Jobs = s.jobs
	api, err := httpapi.New(cfg.HTTP, apiDeps)
	if err != nil {
		s.Close()
		return nil, err
	}
	stt, model, stopSTT, err := agentDeps(cfg.Agent)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.stopSTT = stopSTT
	if s.agent, err = agent.NewServer(cfg.Agent.Config, agent.Deps{
		Keys: keys, STT: stt, LLM: model, Metrics: s.metrics, Logger: log,
		CheckOrigin: httpapi.CheckOrigin(cfg.AllowedOrigins), Limiter: lim, ClientIP: s.clientIP,
		Phone: phones, Calls: db,
	}); err != nil {
		s.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/realtime", s.realtime)
	mux.Handle("GET /v1/agent", s.agent)
	mux.Handle("GET "+phone.MediaPath, s.agent.TwilioHandler())
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

// ready reports whether the node should get traffic. Redis being
// unreachable does not make it unready: the node serves on its own limits
// (package limits), which the "redis" detail shows.
func (s *Server) ready() (map[string]string, error) {
	var details map[string]string
	if st := s.limits.Shared(); st.Enabled {
		details = map[string]string{"redis": "up"}
		if !st.Up {
			details["redis"] = fmt.Sprintf("unreachable since %s, limits counted on this node alone: %v", st.Since.UTC().Format(time.RFC3339), st.Err)
		}
	}
	if s.stopping.Load() {
		return details, errors.New("shutting down")
	}
	// A store that does not answer within the timeout is as good as
	// down: a balancer should drain the node rather than queue behind it.
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if _, err := s.db.SchemaVersion(ctx); err != nil {
		// /readyz needs no key: the detail, which may quote a path or a
		// host, is for the log, once per outage.
		if !s.storeDown.Swap(true) {
			s.log.Error("readiness check: store unavailable; this node reports not ready until it answers", "err", err)
		}
		return details, errors.New("store unavailable")
	}
	if s.storeDown.Swap(false) {
		s.log.Info("readiness check: store reachable again")
	}
	return details, nil
}

// usageFlushTimeout bounds the last attempt, at Close, to write usage
// charges held back by a store outage.
const usageFlushTimeout = 5 * time.Second

// readyTimeout bounds the store's answer to a readiness check.
const readyTimeout = 2 * time.Second

// ClientIP is the node's client address resolver (--trusted-proxies), for
// front ends that limit or log per address.
func (s *Server) ClientIP() *clientip.Resolver { return s.clientIP }

// Limiter is the node's admission control.
func (s *Server) Limiter() *limits.Limiter { return s.limits }

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

// Serve serves on ln until ctx ends, then shuts down in stages (see
// shutdown): it stops accepting, drains HTTP requests, realtime sessions
// and agent sessions within ShutdownGrace, cancels what is left and waits
// up to ShutdownCancelWait for it, and closes the jobs.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Handlers' contexts derive from base, which shutdown cancels once the
	// grace is over, so that streamed answers stop.
	base, cancelBase := context.WithCancelCause(context.Background())
	defer cancelBase(nil)
	// Request bodies get a deadline of their own (httpapi.Config.BodyTimeout):
	// a ReadTimeout would also cut long streamed answers short.
	hs := &http.Server{
		Handler:           s.handlers.wrap(s.handler),
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.jobs.Start()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("parley listening", "addr", ln.Addr().String(), "job_node", s.jobs.NodeID())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return s.shutdown(hs, errc, cancelBase)
}

// Close releases the jobs, the engines and the store. Call it after Serve
// returns. When Serve gave up on handlers that would not stop, the engines
// and the store are left open, since those handlers may still use them,
// and Close says so.
func (s *Server) Close() error {
	if s.jobs != nil {
		s.jobs.Close()
	}
	if n := s.stuck.Load(); n > 0 {
		return fmt.Errorf("server: %d handlers still running: engines and store left open", n)
	}
	if s.stopSTT != nil {
		s.stopSTT()
	}
	var err error
	if s.usage != nil {
		// The last chance to write charges an outage held back; what
		// cannot be written is logged, charge by charge.
		ctx, cancel := context.WithTimeout(context.Background(), usageFlushTimeout)
		err = s.usage.Close(ctx)
		cancel()
	}
	if eerr := s.engines.Close(); err == nil {
		err = eerr
	}
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if s.limits != nil {
		if lerr := s.limits.Close(); err == nil {
			err = lerr
		}
	}
	return err
}
