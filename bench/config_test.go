package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := DefaultConfig()
		c.URL = "ws://127.0.0.1:8080/v1/realtime"
		c.APIKey = "key"
		return c
	}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr error // nil: valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"zero values that take defaults", func(c *Config) { c.Target, c.Mode, c.PrebufferChunks, c.GenerationTimeout = "", "", 0, 0 }, nil},
		{"http URL", func(c *Config) { c.URL = "https://example.com/v1/realtime" }, nil},
		{"binary mode", func(c *Config) { c.Mode = ModeBinary }, nil},
		{"generations without duration", func(c *Config) { c.Duration, c.Generations = 0, 5 }, nil},
		{"whole texts", func(c *Config) { c.TokensPerSec = 0 }, nil},
		{"language any case", func(c *Config) { c.Language = "english" }, nil},
		{"http-batch", func(c *Config) { c.Target = TargetHTTPBatch }, nil},
		{"sse at a base URL", func(c *Config) { c.Target, c.URL = TargetSSE, "http://127.0.0.1:8080" }, nil},
		{"idle", func(c *Config) { c.Target = TargetIdle }, nil},
		{"idle without duration", func(c *Config) { c.Target, c.Duration, c.Generations = TargetIdle, 0, 3 }, ErrInvalidConfig},
		{"idle with generations", func(c *Config) { c.Target, c.Generations = TargetIdle, 3 }, ErrInvalidConfig},
		{"idle with baseline", func(c *Config) { c.Target, c.EngineBaseline = TargetIdle, true }, ErrInvalidConfig},
		{"metrics disabled", func(c *Config) { c.MetricsURL = "" }, nil},
		{"metrics URL", func(c *Config) { c.MetricsURL = "http://127.0.0.1:9090/metrics" }, nil},
		{"metrics URL not http", func(c *Config) { c.MetricsURL = "ws://127.0.0.1:9090/metrics" }, ErrInvalidConfig},
		{"metrics URL without host", func(c *Config) { c.MetricsURL = "/metrics" }, ErrInvalidConfig},
		{"unknown target", func(c *Config) { c.Target = "grpc" }, ErrInvalidConfig},
		{"stalled requests", func(c *Config) { c.Stallers, c.StallKey = 4, "other" }, nil},
		{"stalled requests without a key", func(c *Config) { c.Stallers = 4 }, ErrInvalidConfig},
		{"no URL", func(c *Config) { c.URL = "" }, ErrInvalidConfig},
		{"bad scheme", func(c *Config) { c.URL = "ftp://host/x" }, ErrInvalidConfig},
		{"no host", func(c *Config) { c.URL = "ws:///v1/realtime" }, ErrInvalidConfig},
		{"no key", func(c *Config) { c.APIKey = "" }, ErrInvalidConfig},
		{"bad mode", func(c *Config) { c.Mode = "base64" }, ErrInvalidConfig},
		{"bad language", func(c *Config) { c.Language = "Klingon" }, ErrInvalidConfig},
		{"long voice description", func(c *Config) { c.VoiceDescription = strings.Repeat("x", 501) }, ErrInvalidConfig},
		{"no sessions", func(c *Config) { c.Sessions = 0 }, ErrInvalidConfig},
		{"negative ramp", func(c *Config) { c.Ramp = -time.Second }, ErrInvalidConfig},
		{"no limit", func(c *Config) { c.Duration, c.Generations = 0, 0 }, ErrInvalidConfig},
		{"negative generations", func(c *Config) { c.Generations = -1 }, ErrInvalidConfig},
		{"negative rate", func(c *Config) { c.TokensPerSec = -1 }, ErrInvalidConfig},
		{"negative prebuffer", func(c *Config) { c.PrebufferChunks = -1 }, ErrInvalidConfig},
		{"empty corpus", func(c *Config) { c.Corpus = []string{} }, ErrInvalidConfig},
		{"blank corpus text", func(c *Config) { c.Corpus = []string{"ok.", " "} }, ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.edit(&c)
			err := c.Validate()
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Validate = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestConfigEndpoints(t *testing.T) {
	tests := []struct {
		target, url, metrics string
		want, wantMetrics    string
	}{
		{TargetRealtime, "ws://h:8080/v1/realtime", MetricsAuto, "ws://h:8080/v1/realtime", "http://h:8080/metrics"},
		{TargetRealtime, "wss://h/v1/realtime?x=1", MetricsAuto, "wss://h/v1/realtime?x=1", "https://h/metrics"},
		{TargetIdle, "ws://h:8080", "", "ws://h:8080/v1/realtime", ""},
		{TargetRealtime, "ws://h:8080/custom", "http://m:9/x", "ws://h:8080/custom", "http://m:9/x"},
		{TargetHTTPBatch, "http://h:8080", MetricsAuto, "http://h:8080/v1/audio/speech", "http://h:8080/metrics"},
		{TargetHTTPBatch, "http://h:8080/", MetricsAuto, "http://h:8080/v1/audio/speech", "http://h:8080/metrics"},
		{TargetHTTPBatch, "https://h/v1/audio/speech", MetricsAuto, "https://h/v1/audio/speech", "https://h/metrics"},
		{TargetHTTPBatch, "ws://h:8080/v1/realtime", MetricsAuto, "http://h:8080/v1/audio/speech", "http://h:8080/metrics"},
		{TargetHTTPBatch, "http://h/v1/audio/speech/stream", MetricsAuto, "http://h/v1/audio/speech", "http://h/metrics"},
		{TargetSSE, "http://h:8080", MetricsAuto, "http://h:8080/v1/audio/speech/stream", "http://h:8080/metrics"},
		{TargetSSE, "http://h/v1/audio/speech", MetricsAuto, "http://h/v1/audio/speech/stream", "http://h/metrics"},
		{TargetSSE, "http://h/v1/audio/speech/stream", MetricsAuto, "http://h/v1/audio/speech/stream", "http://h/metrics"},
		{TargetSSE, "wss://h/tts/", MetricsAuto, "https://h/tts/v1/audio/speech/stream", "https://h/metrics"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		c.Target, c.URL, c.APIKey, c.MetricsURL = tt.target, tt.url, "k", tt.metrics
		if err := c.Validate(); err != nil {
			t.Fatalf("%s %s: %v", tt.target, tt.url, err)
		}
		if got := c.endpoint(); got != tt.want {
			t.Errorf("%s %s: endpoint %s, want %s", tt.target, tt.url, got, tt.want)
		}
		if got := c.metricsEndpoint(); got != tt.wantMetrics {
			t.Errorf("%s %s: metrics %s, want %s", tt.target, tt.url, got, tt.wantMetrics)
		}
	}
}
