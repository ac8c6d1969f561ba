package realtime

import (
	"errors"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/segment"
)

// Config tunes sessions. Zero values take the defaults of DefaultConfig.
type Config struct {
	// ConfigTimeout is how long a client may take to send config (4001).
	ConfigTimeout time.Duration
	// MaxQueuedAudio bounds the audio waiting to be written to one client,
	// in seconds of audio; beyond it the client is closed with 4005.
	MaxQueuedAudio time.Duration
	// WriteTimeout bounds one frame write to a client.
	WriteTimeout time.Duration
	// PingInterval is the WebSocket keepalive period; a client that does
	// not answer a ping within PingInterval is dropped.
	PingInterval time.Duration
	// Segment is the default text buffering; MinFirstSegmentChars in config
	// overrides FirstMinChars per connection.
	Segment segment.Config
	// CloseGrace bounds the close handshake, and the time a session takes to
	// end after a fatal error whatever the client does.
	CloseGrace time.Duration
	// SegmentTimeout bounds the engine's work on one segment, time queued
	// for the engine included. An engine that takes longer is abandoned:
	// the session gets an error and goes on with the next segment.
	SegmentTimeout time.Duration
	// KeyRecheck is how long the answer of a key check is trusted. A
	// session checks its key again when a generation starts, so a key
	// revoked while its socket is open is closed with 4002 at the first
	// generation KeyRecheck after the revocation.
	KeyRecheck time.Duration
}

// DefaultConfig returns the protocol defaults.
func DefaultConfig() Config {
	return Config{
		ConfigTimeout:  10 * time.Second,
		MaxQueuedAudio: 60 * time.Second,
		WriteTimeout:   10 * time.Second,
		PingInterval:   30 * time.Second,
		Segment:        segment.DefaultConfig(),
		CloseGrace:     2 * time.Second,
		SegmentTimeout: 30 * time.Second,
		KeyRecheck:     auth.DefaultRecheckTTL,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ConfigTimeout == 0 {
		c.ConfigTimeout = d.ConfigTimeout
	}
	if c.MaxQueuedAudio == 0 {
		c.MaxQueuedAudio = d.MaxQueuedAudio
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.PingInterval == 0 {
		c.PingInterval = d.PingInterval
	}
	if c.Segment == (segment.Config{}) {
		c.Segment = d.Segment
	}
	if c.CloseGrace == 0 {
		c.CloseGrace = d.CloseGrace
	}
	if c.SegmentTimeout == 0 {
		c.SegmentTimeout = d.SegmentTimeout
	}
	if c.KeyRecheck == 0 {
		c.KeyRecheck = d.KeyRecheck
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.ConfigTimeout < 0 || c.MaxQueuedAudio < 0 || c.WriteTimeout < 0 || c.PingInterval < 0 ||
		c.CloseGrace < 0 || c.SegmentTimeout < 0 || c.KeyRecheck < 0 {
		return errors.New("realtime: durations must not be negative")
	}
	return c.Segment.Validate()
}
