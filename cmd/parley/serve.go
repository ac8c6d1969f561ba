package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/parley-voice/parley/clientip"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	cfg := server.Config{Realtime: realtime.DefaultConfig()}
	fs.StringVar(&cfg.Addr, "addr", ":8080", "listen address")
	fs.StringVar(&cfg.DataDir, "data", "./data", "data directory (SQLite store)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base URL clients use to reach this server, for links in webhooks (default http://localhost:PORT)")
	fs.IntVar(&cfg.Limits.MaxConcurrentPerKey, "max-concurrent-per-key", 10, "simultaneous HTTP syntheses per key (429 beyond)")
	fs.DurationVar(&cfg.HTTP.Keepalive, "sse-keepalive", 15*time.Second, "period of SSE keepalive comments")
	fs.DurationVar(&cfg.HTTP.WriteTimeout, "http-write-timeout", 10*time.Second, "longest wait for a client to take part of a streamed HTTP answer; beyond it the client is disconnected and its synthesis cancelled")
	fs.IntVar(&cfg.Jobs.Workers, "job-workers", 2, "async (webhook) jobs synthesised at once")
	fs.DurationVar(&cfg.Jobs.Retention, "job-retention", jobs.DefaultRetention, "how long finished jobs and their audio are kept (negative: for ever)")
	fs.Int64Var(&cfg.Jobs.AudioCapPerAccount, "job-audio-cap", jobs.DefaultAudioCap, "bytes of finished jobs' audio one account may keep; new jobs get 429 beyond (negative: no cap)")
	fs.IntVar(&cfg.Jobs.MaxUnfinishedPerAccount, "job-queue-cap", jobs.DefaultMaxUnfinished, "jobs one account may have queued or running; more get 429 (negative: no cap)")
	fs.BoolVar(&cfg.Jobs.AllowPrivateWebhooks, "webhooks-allow-private", false, "let webhooks reach loopback, private, link-local and metadata addresses (tests, trusted setups)")
	fs.BoolVar(&cfg.RotateVoiceSecret, "rotate-voice-secret", false, "start even though DATA/voice-secret is missing or is not the secret the store's data was signed with; invalidates every issued voice_clone_prompt and webhook signing secret")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 15*time.Second, "time for generations to finish on SIGTERM")
	fs.DurationVar(&cfg.Realtime.ConfigTimeout, "config-timeout", cfg.Realtime.ConfigTimeout, "time a client has to send config (close 4001)")
	fs.DurationVar(&cfg.Realtime.MaxQueuedAudio, "max-queued-audio", cfg.Realtime.MaxQueuedAudio, "audio queued for a slow client before it is closed with 4005")
	fs.DurationVar(&cfg.Realtime.PingInterval, "ping-interval", cfg.Realtime.PingInterval, "WebSocket keepalive interval")
	fs.DurationVar(&cfg.Realtime.SegmentTimeout, "segment-timeout", cfg.Realtime.SegmentTimeout, "longest engine time for one segment, queueing included; beyond it the segment is abandoned with an error")
	fs.IntVar(&cfg.Realtime.Segment.FirstMinChars, "min-first-segment-chars", cfg.Realtime.Segment.FirstMinChars, "shortest first segment of a generation (0: no short first segment)")
	fs.IntVar(&cfg.Limits.MaxConns, "max-conns", 500, "WebSocket connections per server (close 4006 beyond)")
	fs.IntVar(&cfg.Limits.MaxConnsPerKey, "max-conns-per-key", 10, "WebSocket connections per key (close 4004 beyond)")
	fs.IntVar(&cfg.Limits.GenerationsPerMin, "generations-per-min", 100, "generations per minute per key")
	fs.IntVar(&cfg.Limits.MaxConnsPerIP, "max-conns-per-ip", 50, "WebSocket connections per client address, IPv6 per /64, /v1/realtime and /v1/agent together, before authentication (close 4004 beyond; 429 before the upgrade on /v1/agent); behind a reverse proxy, name it in --trusted-proxies or every client has its address")
	fs.Int64Var(&cfg.HTTP.MaxBodyBytes, "max-body-bytes", 16<<20, "largest request body with reference audio (other bodies: 64 KiB)")
	fs.DurationVar(&cfg.HTTP.BodyTimeout, "body-timeout", 60*time.Second, "time a client has to send a request body")
	fs.Func("cors-origins", `origins whose pages may call the HTTP API, comma-separated; "*" any (the default), "" none`, func(v string) error {
		cfg.HTTP.CORSOrigins = originList(v)
		return nil
	})
	fs.Func("allowed-origins", "origins, besides the server's own, whose pages may open /v1/agent, comma-separated; \"*\" any", func(v string) error {
		cfg.AllowedOrigins = originList(v)
		return nil
	})
	fs.BoolVar(&cfg.Engine.DisableEspeak, "no-espeak", false, "disable the espeak-ng engine")
	fs.BoolVar(&cfg.Engine.DisableFlite, "no-flite", false, "disable the flite engine")
	fs.IntVar(&cfg.Engine.FliteConcurrency, "flite-workers", 0, "concurrent flite syntheses (0: one per CPU)")
	fs.StringVar(&cfg.Engine.ModelsDir, "models", "", "neural voices directory: Piper NAME.onnx + NAME.onnx.json, Kokoro in kokoro/ (default DATA/models)")
	fs.IntVar(&cfg.Engine.NeuralConcurrency, "neural-runs", 0, "neural model runs at once, all voices together (0: one per CPU)")
	fs.IntVar(&cfg.Engine.NeuralSessions, "neural-sessions", 0, "onnxruntime sessions per neural model, each a copy of its weights (0: 1)")
	fs.IntVar(&cfg.Engine.NeuralThreads, "neural-threads", 0, "intra-op threads per neural session (0: CPUs / neural-runs)")
	fs.IntVar(&cfg.Engine.EspeakProcesses, "espeak-workers", runtime.GOMAXPROCS(0), "espeak-ng worker processes (espeak-ng is single-threaded: each adds one synthesis at a time, and a crash in one fails only its segment); the default is one per CPU")
	espeakInProcess := fs.Bool("espeak-in-process", false, "also synthesise with espeak-ng inside the server process: saves the pipe hop to a worker, but client text then reaches espeak-ng in the server, where a crash ends it (needed with --espeak-workers 0)")
	fs.StringVar(&cfg.Agent.LLM, "llm", "auto", "agent language model: auto (OpenAI-compatible if OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline), openai, offline")
	fs.StringVar(&cfg.Agent.LLMModel, "llm-model", "", "model name for the OpenAI-compatible LLM (default PARLEY_LLM_MODEL or gpt-4o-mini)")
	fs.StringVar(&cfg.Agent.STT, "stt", "pocketsphinx", "agent speech recognition: pocketsphinx (offline) or openai (PARLEY_STT_URL or OPENAI_BASE_URL)")
	fs.IntVar(&cfg.Agent.WarmDecoders, "stt-warm", 1, "pocketsphinx decoders loaded at start-up")
	fs.StringVar(&cfg.Agent.TTSURL, "tts-url", "", "realtime TTS endpoint the agent speaks through (default: this server)")
	fs.StringVar(&cfg.Agent.TTSKey, "tts-key", "", "API key for --tts-url (default: the agent user's key)")
	fs.DurationVar(&cfg.Agent.VAD.Hangover, "vad-hangover", 400*time.Millisecond, "silence that ends the user's turn")
	fs.Float64Var(&cfg.Agent.VAD.Threshold, "vad-threshold", 0.5, "speech probability that starts speech")
	fs.DurationVar(&cfg.Agent.VAD.MinSpeech, "vad-min-speech", 150*time.Millisecond, "shorter sounds are noise, not speech")
	fs.Func("trusted-proxies", "addresses or CIDRs of the load balancers in front of this node, comma-separated: from them X-Forwarded-For and X-Real-IP name the client, for per-address limits and logs", func(v string) error {
		ps, err := clientip.ParsePrefixes(v)
		cfg.TrustedProxies = ps
		return err
	})
	fs.StringVar(&cfg.StoreURL, "store-url", "", "store: sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DB shared by every node for keys, voices, usage, jobs with their audio and the server secret (default sqlite:DATA/parley.db)")
	fs.StringVar(&cfg.Redis.URL, "redis-url", "", "redis://[user:password@]host:port[/db] shared by every node for per-key and per-address limits and generation rates (default: this node counts alone)")
	logFormat := fs.String("log-format", "json", "log format: json or text")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.Engine.ModelsDir == "" {
		cfg.Engine.ModelsDir = filepath.Join(cfg.DataDir, "models")
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	cfg.Logger = log
	cfg.Engine.EspeakIsolated = !*espeakInProcess
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	return srv.ListenAndServe(ctx)
}

// originList parses a comma-separated list of origins; "" is the empty
// list, not nil.
func originList(v string) []string {
	out := []string{}
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, not %q", format)
}
