package segment

import (
	"errors"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		ok     bool
	}{
		{"default", func(*Config) {}, true},
		{"extension off", func(c *Config) { c.FirstMinChars = 0 }, true},
		{"empty language is Auto", func(c *Config) { c.Language = "" }, true},
		{"every protocol language", func(c *Config) { c.Language = protocol.Korean }, true},
		{"first equals min", func(c *Config) { c.FirstMinChars = c.MinChars }, true},
		{"min equals max", func(c *Config) { c.MinChars = c.MaxChars }, true},
		{"max at the protocol buffer limit", func(c *Config) { c.MaxChars = protocol.MaxBufferChars }, true},
		{"min zero", func(c *Config) { c.MinChars = 0 }, false},
		{"max below min", func(c *Config) { c.MaxChars = c.MinChars - 1 }, false},
		{"max beyond the protocol buffer limit", func(c *Config) { c.MaxChars = protocol.MaxBufferChars + 1 }, false},
		{"first negative", func(c *Config) { c.FirstMinChars = -1 }, false},
		{"first above min", func(c *Config) { c.FirstMinChars = c.MinChars + 1 }, false},
		{"unknown language", func(c *Config) { c.Language = "Klingon" }, false},
		{"language in the wrong case", func(c *Config) { c.Language = "english" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			err := cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Validate() = %v, does not wrap ErrInvalidConfig", err)
			}
			s, err := New(cfg)
			if (err == nil) != tt.ok || (s != nil) != tt.ok {
				t.Errorf("New() = %v, %v, want ok=%v", s, err, tt.ok)
			}
		})
	}
}
