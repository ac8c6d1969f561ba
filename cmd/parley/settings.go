package main

import (
	"flag"
	"strings"

	"github.com/parley-voice/parley/agent/llm"
	"github.com/parley-voice/parley/server"
)

// serveConfig is everything `parley serve` is told.
type serveConfig struct {
	Server     server.Config
	LogFormat  string
	LogLevel   string
	ConfigFile string
}

// defaultServeConfig starts from each package's defaults: the flags show
// these values, so that no default is written twice.
func defaultServeConfig() serveConfig {
	return serveConfig{Server: server.DefaultConfig(), LogFormat: "json", LogLevel: "info"}
}

// setting is one thing `parley serve` can be told. Its flag is
// --GROUP-KEY (--KEY at the top level), its environment variable
// PARLEY_GROUP_KEY, and its config file key KEY in the table [GROUP].
type setting struct {
	group string
	key   string
	value flag.Value // bound to the setting's field of a serveConfig
	usage string
	// aliases are earlier names of the flag. They still work, and so do
	// their environment variables.
	aliases []string
	// env are further environment variables read after the flag's own,
	// names that other tools or earlier versions use (OPENAI_API_KEY).
	// Set but empty, they count as unset.
	env []string
	// perMachine, if set, describes a default that depends on the machine
	// (one per CPU), for documentation that must read the same anywhere.
	perMachine string
	// noFile settings are not keys of the config file (--config itself).
	noFile bool
}

// Groups of settings: a flag prefix and a table of the config file each.
var groups = []struct{ name, title string }{
	{"", "server, limits and realtime sessions"},
	{"http", "HTTP API"},
	{"job", "async jobs"},
	{"engine", "engines"},
	{"agent", "voice agent"},
	{"log", "logs"},
}

// name is the flag's name.
func (s *setting) name() string {
	if s.group == "" {
		return s.key
	}
	return s.group + "-" + s.key
}

// path is the setting's key in the config file, with its table.
func (s *setting) path() string {
	if s.group == "" {
		return s.key
	}
	return s.group + "." + s.key
}

// envNames are the environment variables that set s, the first set one
// winning: the flag's own, its aliases', then the others.
func (s *setting) envNames() []string { return append(s.ownEnv(), s.env...) }

// ownEnv are the environment variables of the flag and of its aliases.
func (s *setting) ownEnv() []string {
	names := []string{envName(s.name())}
	for _, a := range s.aliases {
		names = append(names, envName(a))
	}
	return names
}

func (s *setting) kind() kind { return s.value.(kinded).valueKind() }

// envName is the environment variable of a flag: --max-conns is
// PARLEY_MAX_CONNS.
func envName(flagName string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// serveSettings lists the settings of `parley serve`, bound to c. The
// order is the documentation's.
func serveSettings(c *serveConfig) []*setting {
	s := &c.Server
	return []*setting{
		{key: "addr", value: stringVal(&s.Addr), usage: "listen address, HOST:PORT"},
		{key: "data", value: stringVal(&s.DataDir),
			usage: "data directory: the SQLite store parley.db (WAL, job audio included) and the server secret voice-secret, unless --store-url names PostgreSQL; neural voices (--models)"},
		{key: "config", value: stringVal(&c.ConfigFile), noFile: true,
			usage: "TOML file with a key for any setting here but this one (deploy/parley.toml lists them); flags and environment variables override it"},
		{key: "public-url", value: stringVal(&s.PublicURL),
			usage: "base URL clients use to reach this server, for the audio links in job webhooks and Twilio's webhook signatures and stream URL (empty: http://localhost:PORT)"},
		{key: "models", value: stringVal(&s.Engine.ModelsDir),
			usage: "neural voices directory: Piper NAME.onnx with NAME.onnx.json, Kokoro in kokoro/, as parley models pull installs them; a missing directory means none (empty: DATA/models)"},
		{key: "ort-lib", value: stringVal(&s.Engine.ORTLibrary),
			usage: "onnxruntime shared library, for the neural voices and the agent's Silero VAD (empty: the one the npm package onnxruntime-node ships, in the nearest deps/npm/node_modules)"},
		{key: "shutdown-grace", value: durationVal(&s.ShutdownGrace),
			usage: `time requests and generations get to finish on SIGTERM; then streams are cancelled (an SSE stream ends with {"error":"server shutting down","done":true}), sessions are closed with 1001, and the server exits within ` +
				fmtDuration(s.ShutdownCancelWait) + " more"},
		{key: "rotate-voice-secret", value: boolVal(&s.RotateVoiceSecret),
			usage: "start although DATA/voice-secret is missing or is not the secret the store's data was signed with (otherwise a refusal); every issued voice_clone_prompt and webhook signing secret stops working"},
		{key: "trusted-proxies", value: prefixesVal(&s.TrustedProxies),
			usage: "addresses or CIDRs of the load balancers in front of this node, comma-separated: from them X-Forwarded-For and X-Real-IP name the client, for per-address limits and logs"},
		{key: "store-url", value: stringVal(&s.StoreURL),
			usage: "the store: sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DB shared by every node for keys, voices, usage, jobs with their audio and the server secret (empty: sqlite:DATA/parley.db)"},
		{key: "redis-url", value: stringVal(&s.Redis.URL),
			usage: "redis://[user:password@]host:port[/db] shared by every node for per-key and per-address limits and generation rates (empty: this node counts alone)"},
		{key: "max-conns", value: intVal(&s.Limits.MaxConns),
			usage: "WebSocket connections per server (close 4006 beyond); per node, also with --redis-url"},
		{key: "max-conns-per-key", value: intVal(&s.Limits.MaxConnsPerKey),
			usage: "WebSocket connections per key (close 4004 beyond)"},
		{key: "max-conns-per-ip", value: intVal(&s.Limits.MaxConnsPerIP),
			usage: "WebSocket connections per client address (IPv6: per /64), /v1/realtime and /v1/agent together, counted before authentication (close 4004 beyond; 429 before the upgrade on /v1/agent); behind a reverse proxy, name it in --trusted-proxies or every client has its address"},
		{key: "generations-per-min", value: intVal(&s.Limits.GenerationsPerMin),
			usage: "generations (and HTTP syntheses) per minute per key"},
		{key: "max-concurrent-per-key", value: intVal(&s.Limits.MaxConcurrentPerKey),
			usage: "simultaneous HTTP syntheses per key (429 beyond)"},
		{key: "config-timeout", value: durationVal(&s.Realtime.ConfigTimeout),
			usage: "time a realtime client has to send config (close 4001)"},
		{key: "max-queued-audio", value: durationVal(&s.Realtime.MaxQueuedAudio),
			usage: "audio queued for a realtime client that does not read, before it is closed with 4005"},
		{key: "ping-interval", value: durationVal(&s.Realtime.PingInterval),
			usage: "WebSocket keepalive interval: a client that does not answer a ping within it is dropped"},
		{key: "segment-timeout", value: durationVal(&s.Realtime.SegmentTimeout),
			usage: "longest engine time for one segment, queueing included; beyond it the segment is abandoned with an error and the session goes on"},
		{key: "min-first-segment-chars", value: intVal(&s.Realtime.Segment.FirstMinChars),
			usage: "shortest first segment of a generation (extension; 0: no short first segment)"},

		{group: "http", key: "write-timeout", value: durationVal(&s.HTTP.WriteTimeout),
			usage: "longest wait for a client to take part of a streamed HTTP answer; beyond it the client is disconnected and its synthesis cancelled"},
		{group: "http", key: "sse-keepalive", aliases: []string{"sse-keepalive"}, value: durationVal(&s.HTTP.Keepalive),
			usage: "period of keepalive comments on SSE streams"},
		{group: "http", key: "max-body-bytes", aliases: []string{"max-body-bytes"}, value: int64Val(&s.HTTP.MaxBodyBytes),
			usage: "largest request body with reference audio, in bytes (other bodies: 64 KiB; 413 beyond)"},
		{group: "http", key: "body-timeout", aliases: []string{"body-timeout"}, value: durationVal(&s.HTTP.BodyTimeout),
			usage: "time a client has to send a request body (408 beyond)"},
		{group: "http", key: "cors-origins", aliases: []string{"cors-origins"}, value: listVal(&s.HTTP.CORSOrigins),
			usage: `origins whose pages may call the HTTP API, comma-separated: "*" any (keys are never cookies, so any origin is safe), "" none`},

		{group: "job", key: "workers", value: intVal(&s.Jobs.Workers),
			usage: "async (webhook) jobs synthesised at once (negative: none; the node still takes jobs and delivers webhooks)"},
		{group: "job", key: "retention", value: durationVal(&s.Jobs.Retention),
			usage: "how long finished jobs and their audio are kept (negative: for ever)"},
		{group: "job", key: "queue-cap", value: intVal(&s.Jobs.MaxUnfinishedPerAccount),
			usage: "jobs one account may have queued or running; more get 429 (negative: no cap)"},
		{group: "job", key: "audio-cap", value: int64Val(&s.Jobs.AudioCapPerAccount),
			usage: "bytes of finished jobs' audio one account may keep; new jobs get 429 beyond (negative: no cap)"},
		{group: "job", key: "lease", value: durationVal(&s.Jobs.Lease),
			usage: "how long a node's claim on a running job or a webhook being sent lasts unless renewed (every third of it); a node that dies has its jobs run again by another node within this and a third more"},
		{group: "job", key: "webhooks-allow-private", aliases: []string{"webhooks-allow-private"}, value: boolVal(&s.Jobs.AllowPrivateWebhooks),
			usage: "let webhooks reach loopback, private, link-local and metadata addresses (tests, trusted setups)"},

		{group: "engine", key: "disable-espeak", aliases: []string{"no-espeak"}, value: boolVal(&s.Engine.DisableEspeak),
			usage: "disable the espeak-ng engine"},
		{group: "engine", key: "disable-flite", aliases: []string{"no-flite"}, value: boolVal(&s.Engine.DisableFlite),
			usage: "disable the flite engine"},
		{group: "engine", key: "espeak-workers", aliases: []string{"espeak-workers"}, value: intVal(&s.Engine.EspeakProcesses),
			perMachine: "one per CPU",
			usage:      "espeak-ng worker processes, where all espeak-ng synthesis runs (espeak-ng is single-threaded: each process adds one synthesis at a time, and a crash in one fails only its segment)"},
		{group: "engine", key: "espeak-in-process", aliases: []string{"espeak-in-process"}, value: notVal(&s.Engine.EspeakIsolated),
			usage: "also synthesise with espeak-ng inside the server process: saves the pipe hop to a worker (about 0.7 ms of time to first audio), but client text then reaches espeak-ng in the server, where a crash ends it (SECURITY.md); needed with --engine-espeak-workers 0"},
		{group: "engine", key: "flite-workers", aliases: []string{"flite-workers"}, value: intVal(&s.Engine.FliteConcurrency),
			usage: "concurrent flite syntheses (0: one per CPU)"},
		{group: "engine", key: "neural-runs", aliases: []string{"neural-runs"}, value: intVal(&s.Engine.NeuralConcurrency),
			usage: "neural model runs at once, all voices together, earliest deadline first (0: one per CPU)"},
		{group: "engine", key: "neural-sessions", aliases: []string{"neural-sessions"}, value: intVal(&s.Engine.NeuralSessions),
			usage: "onnxruntime sessions per neural model, each a copy of its weights; one takes concurrent runs (0: 1)"},
		{group: "engine", key: "neural-threads", aliases: []string{"neural-threads"}, value: intVal(&s.Engine.NeuralThreads),
			usage: "intra-op threads per neural session (0: CPUs / neural runs)"},

		{group: "agent", key: "llm", aliases: []string{"llm"}, value: stringVal(&s.Agent.LLM),
			usage: "agent language model: auto (openai when --agent-llm-url or --agent-llm-key is set, else offline), openai (an OpenAI-compatible chat server: OpenAI, vLLM, llama.cpp server, Ollama), or offline (the built-in responder)"},
		{group: "agent", key: "llm-url", env: []string{"OPENAI_BASE_URL"}, value: stringVal(&s.Agent.LLMURL),
			usage: "API root of the OpenAI-compatible chat server, ending in /v1, e.g. http://localhost:11434/v1 for Ollama (empty: " + llm.DefaultBaseURL + ")"},
		{group: "agent", key: "llm-key", env: []string{"OPENAI_API_KEY"}, value: stringVal(&s.Agent.LLMKey),
			usage: "API key of the chat server, sent as a bearer token; better in the environment or the file than on the command line"},
		{group: "agent", key: "llm-model", aliases: []string{"llm-model"}, value: stringVal(&s.Agent.LLMModel),
			usage: "model name on the chat server"},
		{group: "agent", key: "stt", aliases: []string{"stt"}, value: stringVal(&s.Agent.STT),
			usage: "agent speech recognition: pocketsphinx (offline, English) or openai (an OpenAI-compatible /audio/transcriptions server: OpenAI, whisper.cpp, faster-whisper, vLLM)"},
		{group: "agent", key: "stt-url", env: []string{"PARLEY_STT_URL"}, value: stringVal(&s.Agent.STTURL),
			usage: "API root of the transcription server (empty: the chat server of --agent-llm-url, with --agent-llm-key)"},
		{group: "agent", key: "stt-key", env: []string{"PARLEY_STT_API_KEY"}, value: stringVal(&s.Agent.STTKey),
			usage: "API key of --agent-stt-url, which never gets the chat server's key"},
		{group: "agent", key: "stt-model", env: []string{"PARLEY_STT_MODEL"}, value: stringVal(&s.Agent.STTModel),
			usage: "transcription model"},
		{group: "agent", key: "stt-warm", aliases: []string{"stt-warm"}, value: intVal(&s.Agent.WarmDecoders),
			usage: "pocketsphinx decoders loaded at start-up (each about 90 MB; more are loaded on demand, up to one per CPU)"},
		{group: "agent", key: "tts-url", aliases: []string{"tts-url"}, value: stringVal(&s.Agent.TTSURL),
			usage: "realtime TTS endpoint the agent speaks through, any murmr-compatible one (empty: this server)"},
		{group: "agent", key: "tts-key", aliases: []string{"tts-key"}, value: stringVal(&s.Agent.TTSKey),
			usage: "API key for --agent-tts-url (empty: the agent user's key)"},
		{group: "agent", key: "vad-hangover", aliases: []string{"vad-hangover"}, value: durationVal(&s.Agent.VAD.Hangover),
			usage: "silence that ends the user's turn: the floor of the agent's response time"},
		{group: "agent", key: "vad-threshold", aliases: []string{"vad-threshold"}, value: floatVal(&s.Agent.VAD.Threshold),
			usage: "Silero speech probability that starts speech"},
		{group: "agent", key: "vad-min-speech", aliases: []string{"vad-min-speech"}, value: durationVal(&s.Agent.VAD.MinSpeech),
			usage: "shortest sound that counts as speech"},
		{group: "agent", key: "vad-model", env: []string{"PARLEY_VAD_MODEL"}, value: stringVal(&s.Agent.VAD.ModelPath),
			usage: "Silero VAD v5 model file (empty: silero_vad_v5.onnx of the npm package @ricky0123/vad-web, in the nearest deps/npm/node_modules)"},
		{group: "agent", key: "allowed-origins", aliases: []string{"allowed-origins"}, value: listVal(&s.AllowedOrigins),
			usage: `origins, besides the server's own, whose pages may open /v1/agent, comma-separated; "*" any`},

		{group: "log", key: "format", value: stringVal(&c.LogFormat), usage: "log format: json or text"},
		{group: "log", key: "level", value: stringVal(&c.LogLevel), usage: "log level: debug, info, warn or error"},
	}
}
