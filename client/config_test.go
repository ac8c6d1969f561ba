package client

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	valid := Config{URL: "ws://localhost:8080/v1/realtime", APIKey: "k"}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // empty: valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"https URL", func(c *Config) { c.URL = "https://tts.example.com/v1/realtime" }, ""},
		{"full", func(c *Config) {
			c.Voice, c.Language, c.MinFirstSegmentChars, c.BinaryMode = "voice_1", "japanese", 20, true
			c.InitialBackoff, c.MaxBackoff, c.BackoffJitter, c.MaxReconnects = time.Second, time.Minute, 0.2, 5
		}, ""},
		{"no URL", func(c *Config) { c.URL = "" }, "scheme"},
		{"ftp URL", func(c *Config) { c.URL = "ftp://host/v1/realtime" }, "scheme"},
		{"no host", func(c *Config) { c.URL = "ws:///v1/realtime" }, "no host"},
		{"no key", func(c *Config) { c.APIKey = "" }, "APIKey"},
		{"unknown language", func(c *Config) { c.Language = "Klingon" }, "language"},
		{"two voices", func(c *Config) { c.Voice, c.VoiceClonePrompt = "voice_1", "prompt" }, "only one of"},
		{"long description", func(c *Config) { c.VoiceDescription = strings.Repeat("a", 501) }, "at most 500"},
		{"negative first segment", func(c *Config) { c.MinFirstSegmentChars = -1 }, "negative"},
		{"negative backoff", func(c *Config) { c.InitialBackoff = -time.Second }, "negative"},
		{"initial above max", func(c *Config) { c.InitialBackoff = time.Minute }, "exceeds MaxBackoff"},
		{"jitter of one", func(c *Config) { c.BackoffJitter = 1 }, "BackoffJitter"},
		{"negative buffer", func(c *Config) { c.EventBuffer = -1 }, "EventBuffer"},
		{"extensions", func(c *Config) {
			c.TextType, c.PronunciationDictionaries, c.Speed, c.Pitch = "ssml", []string{"pd_a"}, 1.5, -2
		}, ""},
		{"text type", func(c *Config) { c.TextType = "html" }, "text_type"},
		{"speed", func(c *Config) { c.Speed = 2.5 }, "speed"},
		{"pitch", func(c *Config) { c.Pitch = 20 }, "pitch"},
		{"dictionaries", func(c *Config) { c.PronunciationDictionaries = []string{"a", "b", "c", "d"} }, "at most 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigMessageIsCanonical(t *testing.T) {
	got := string(Config{APIKey: "k", Language: "  sPaNiSh ", Voice: "voice_1"}.configMessage())
	want := `{"type":"config","api_key":"k","voice":"voice_1","language":"Spanish"}`
	if got != want {
		t.Errorf("config message %s, want %s", got, want)
	}
	got = string(Config{APIKey: "k", TextType: "ssml", PronunciationDictionaries: []string{"pd_a"}, Speed: 1.5, Pitch: -2}.configMessage())
	want = `{"type":"config","api_key":"k","text_type":"ssml","pronunciation_dictionaries":["pd_a"],"speed":1.5,"pitch":-2}`
	if got != want {
		t.Errorf("config message %s, want %s", got, want)
	}
}

func TestBackoff(t *testing.T) {
	s := time.Second
	ms := time.Millisecond
	tests := []struct {
		name     string
		cfg      Config
		rand     float64
		attempts []int
		want     []time.Duration
	}{
		{"protocol default", Config{}, 0, []int{1, 2, 3, 4, 5, 6, 7, 8}, []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s}},
		{"no overflow late on", Config{}, 0, []int{64, 1000}, []time.Duration{30 * s, 30 * s}},
		{"custom", Config{InitialBackoff: 100 * ms, MaxBackoff: time.Second}, 0, []int{1, 2, 3, 4, 5, 6}, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1 * s, 1 * s}},
		{"cap between doublings", Config{InitialBackoff: 3 * s, MaxBackoff: 10 * s}, 0, []int{1, 2, 3}, []time.Duration{3 * s, 6 * s, 10 * s}},
		{"jitter shortens", Config{BackoffJitter: 0.5}, 0.5, []int{1, 6}, []time.Duration{750 * ms, 22500 * ms}},
		{"jitter at zero draw", Config{BackoffJitter: 0.5}, 0, []int{1, 6}, []time.Duration{1 * s, 30 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.rand = func() float64 { return tt.rand }
			cfg = cfg.withDefaults()
			for i, n := range tt.attempts {
				if got := cfg.backoff(n); got != tt.want[i] {
					t.Errorf("backoff(%d) = %v, want %v", n, got, tt.want[i])
				}
			}
		})
	}
}
