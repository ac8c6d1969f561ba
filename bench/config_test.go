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
		{"http-batch later", func(c *Config) { c.Target = TargetHTTPBatch }, ErrUnsupportedTarget},
		{"sse later", func(c *Config) { c.Target = TargetSSE }, ErrUnsupportedTarget},
		{"unknown target", func(c *Config) { c.Target = "grpc" }, ErrInvalidConfig},
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
