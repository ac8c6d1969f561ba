package bench

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Targets.
const (
	TargetRealtime  = "realtime"   // the /v1/realtime WebSocket
	TargetHTTPBatch = "http-batch" // POST /v1/audio/speech, raw pcm body
	TargetSSE       = "sse"        // POST /v1/audio/speech/stream
	// TargetIdle opens realtime sessions, configures them and holds them
	// without generations, to measure what idle sessions cost the server.
	TargetIdle = "idle"
)

// Endpoint paths (PROTOCOL.md sections 1 and 2).
const (
	pathRealtime = "/v1/realtime"
	pathSpeech   = "/v1/audio/speech"
	pathStream   = "/v1/audio/speech/stream"
	pathMetrics  = "/metrics"
)

// MetricsAuto, as Config.MetricsURL, scrapes /metrics on the host of
// Config.URL.
const MetricsAuto = "auto"

// Audio modes of the realtime target.
const (
	ModeJSON   = "json"   // base64 audio messages, murmr's default
	ModeBinary = "binary" // binary frames after binary_mode
)

// Config is one benchmark run. Start from DefaultConfig: fields are taken
// literally (TokensPerSec 0 means one message), except where noted.
type Config struct {
	Target string // TargetRealtime, TargetHTTPBatch, TargetSSE or TargetIdle; "" means TargetRealtime
	// URL is ws://, wss://, http:// or https://. For the realtime and idle
	// targets it is the realtime endpoint; a URL without a path gets
	// /v1/realtime. For the HTTP targets it is the server's base URL or an
	// endpoint URL: a Parley endpoint path at its end (/v1/realtime,
	// /v1/audio/speech, /v1/audio/speech/stream) is replaced by the
	// target's, and the target's is appended to any other path; ws becomes
	// http and wss https.
	URL    string
	APIKey string
	Mode   string // realtime and idle: ModeJSON or ModeBinary; "" means ModeJSON
	// MetricsURL is the server's Prometheus endpoint, scraped for its
	// resident memory and goroutines at the start, the peak and the end of
	// the run: MetricsAuto derives it from URL (http(s)://HOST:PORT/metrics),
	// "" disables scraping.
	MetricsURL string

	VoiceDescription string // empty: the server's default voice
	Language         string // as config sends it; empty means Auto

	Sessions int // concurrent sessions
	// Ramp spreads the sessions' starts evenly over this time.
	Ramp time.Duration
	// Duration stops sessions from starting generations once it has passed
	// since the run began; 0 means no limit. Idle sessions are held until
	// it has passed (and every session has been opened); it is required
	// for TargetIdle.
	Duration time.Duration
	// Generations per session; 0 means no limit. One of Duration and
	// Generations must be set. TargetIdle runs no generations and takes 0.
	Generations int

	// TokensPerSec is the rate at which a text is streamed; 0 sends each
	// text in one message. The HTTP targets send each text whole, in one
	// request, and report 0.
	TokensPerSec float64
	// OneSentence makes each generation one short sentence of the corpus,
	// sent in one message and flushed at once.
	OneSentence bool
	// Listen makes a session wait, after each generation, until its
	// simulated player has played the audio: a conversation, in which each
	// session needs audio at the rate it is played, rather than answers
	// back to back, which need it as fast as the server can make it.
	Listen bool
	// Corpus is the texts to speak, each at most protocol.MaxBufferChars
	// characters; nil means BuiltinCorpus.
	Corpus []string
	// Seed makes token sizes and text choice repeatable.
	Seed uint64

	// PrebufferChunks is how many audio frames the simulated player waits
	// for before it starts; 0 means 2.
	PrebufferChunks int
	// ConnectTimeout bounds dialling and each acknowledgement of the set-up;
	// 0 means 10 s.
	ConnectTimeout time.Duration
	// GenerationTimeout bounds the wait for done after the flush; 0 means
	// 60 s.
	GenerationTimeout time.Duration

	// EngineBaseline also measures the first segments on the bare engines in
	// this process (see the package documentation).
	EngineBaseline bool

	// Stallers, with StallKey, keeps this many SSE requests of that key open
	// for the whole run, none of which reads its answer: hostile clients,
	// to show whether they slow the measured sessions down. Each is held
	// for StallHold (0 means 30 s), then replaced.
	Stallers  int
	StallKey  string
	StallHold time.Duration
}

// DefaultConfig returns the defaults of `parley bench`: one session of LLM-
// paced generations for 30 s.
func DefaultConfig() Config {
	return Config{
		Target:            TargetRealtime,
		Mode:              ModeJSON,
		MetricsURL:        MetricsAuto,
		Language:          string(protocol.Auto),
		Sessions:          1,
		Ramp:              time.Second,
		Duration:          30 * time.Second,
		TokensPerSec:      30,
		Seed:              1,
		PrebufferChunks:   2,
		ConnectTimeout:    10 * time.Second,
		GenerationTimeout: 60 * time.Second,
	}
}

func (c Config) withDefaults() Config {
	if c.Target == "" {
		c.Target = TargetRealtime
	}
	if c.Mode == "" {
		c.Mode = ModeJSON
	}
	if c.PrebufferChunks == 0 {
		c.PrebufferChunks = 2
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.StallHold == 0 {
		c.StallHold = 30 * time.Second
	}
	if c.GenerationTimeout == 0 {
		c.GenerationTimeout = 60 * time.Second
	}
	return c
}

// Validate reports the first setting that cannot work, wrapping
// ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Target {
	case TargetRealtime, TargetHTTPBatch, TargetSSE:
	case TargetIdle:
		switch {
		case c.Duration == 0:
			return fmt.Errorf("%w: the idle target holds sessions for a duration; set one", ErrInvalidConfig)
		case c.Generations != 0:
			return fmt.Errorf("%w: the idle target runs no generations", ErrInvalidConfig)
		case c.EngineBaseline:
			return fmt.Errorf("%w: the idle target has no first audio to compare with the engines", ErrInvalidConfig)
		}
	default:
		return fmt.Errorf("%w: unknown target %q", ErrInvalidConfig, c.Target)
	}
	if err := checkURL(c.URL, "ws", "wss", "http", "https"); err != nil {
		return err
	}
	if c.MetricsURL != "" && c.MetricsURL != MetricsAuto {
		if err := checkURL(c.MetricsURL, "http", "https"); err != nil {
			return fmt.Errorf("metrics %w", err)
		}
	}
	if c.Stallers < 0 || c.Stallers > 0 && c.StallKey == "" {
		return fmt.Errorf("%w: stalled requests need a key of their own", ErrInvalidConfig)
	}
	if c.APIKey == "" {
		return fmt.Errorf("%w: an API key is required", ErrInvalidConfig)
	}
	if c.Mode != ModeJSON && c.Mode != ModeBinary {
		return fmt.Errorf("%w: mode must be %q or %q, not %q", ErrInvalidConfig, ModeJSON, ModeBinary, c.Mode)
	}
	if _, ok := protocol.ParseLanguage(c.Language); !ok {
		return fmt.Errorf("%w: unsupported language %q", ErrInvalidConfig, c.Language)
	}
	if n := utf8.RuneCountInString(c.VoiceDescription); n > protocol.MaxVoiceDescriptionChars {
		return fmt.Errorf("%w: voice description has %d characters, at most %d allowed", ErrInvalidConfig, n, protocol.MaxVoiceDescriptionChars)
	}
	switch {
	case c.Sessions < 1:
		return fmt.Errorf("%w: sessions must be at least 1", ErrInvalidConfig)
	case c.Ramp < 0 || c.Duration < 0 || c.ConnectTimeout < 0 || c.GenerationTimeout < 0:
		return fmt.Errorf("%w: durations must not be negative", ErrInvalidConfig)
	case c.Generations < 0:
		return fmt.Errorf("%w: generations must not be negative", ErrInvalidConfig)
	case c.Duration == 0 && c.Generations == 0:
		return fmt.Errorf("%w: set a duration or a number of generations", ErrInvalidConfig)
	case c.TokensPerSec < 0:
		return fmt.Errorf("%w: tokens per second must not be negative", ErrInvalidConfig)
	case c.PrebufferChunks < 1:
		return fmt.Errorf("%w: prebuffer chunks must be at least 1", ErrInvalidConfig)
	}
	if c.Corpus != nil {
		if err := checkCorpus(c.Corpus); err != nil {
			return err
		}
	}
	return nil
}

func checkURL(s string, schemes ...string) error {
	if s == "" {
		return fmt.Errorf("%w: a URL is required", ErrInvalidConfig)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: URL: %v", ErrInvalidConfig, err)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%w: URL scheme must be %s, not %q", ErrInvalidConfig, strings.Join(schemes, ", "), u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("%w: URL %q has no host", ErrInvalidConfig, s)
	}
	return nil
}

// httpTarget reports whether the target is one of the HTTP endpoints.
func (c Config) httpTarget() bool { return c.Target == TargetHTTPBatch || c.Target == TargetSSE }

// endpoint returns the URL the target talks to (see Config.URL). Call it on
// a valid config.
func (c Config) endpoint() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return c.URL
	}
	if !c.httpTarget() {
		if u.Path == "" || u.Path == "/" {
			u.Path = pathRealtime
		}
		return u.String()
	}
	want := pathSpeech
	if c.Target == TargetSSE {
		want = pathStream
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	base := strings.TrimSuffix(u.Path, "/")
	for _, p := range []string{pathStream, pathSpeech, pathRealtime} {
		if strings.HasSuffix(base, p) {
			base = strings.TrimSuffix(base, p)
			break
		}
	}
	u.Path, u.RawPath = base+want, ""
	return u.String()
}

// metricsEndpoint returns the URL to scrape, or "" for none. Call it on a
// valid config.
func (c Config) metricsEndpoint() string {
	if c.MetricsURL != MetricsAuto {
		return c.MetricsURL
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: pathMetrics}).String()
}
