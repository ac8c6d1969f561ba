package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// Config describes a realtime session. Zero values take the defaults shown.
type Config struct {
	// URL of the endpoint, e.g. "ws://localhost:8080/v1/realtime"; http and
	// https are taken as ws and wss.
	URL string
	// APIKey is sent in config; it is required by the protocol.
	APIKey string
	// At most one of VoiceDescription, VoiceClonePrompt and Voice; none
	// means the server's default voice.
	VoiceDescription string
	VoiceClonePrompt string
	Voice            string
	// Language is a protocol language name; empty means Auto.
	Language string
	// MinFirstSegmentChars (extension) lets the first segment of each
	// generation be a clause this short; zero means the server default.
	MinFirstSegmentChars int
	// TextType (extension) "ssml" makes the text of every generation SSML;
	// empty or "text" is plain text.
	TextType string
	// PronunciationDictionaries (extension) names up to three of the
	// account's pronunciation dictionaries ("pd_…").
	PronunciationDictionaries []string
	// Speed (extension, 0.5 to 2; zero means 1) and Pitch (extension,
	// semitones within ±12) change the voice for the session.
	Speed, Pitch float64
	// BinaryMode asks for audio as binary frames instead of base64 JSON.
	BinaryMode bool

	// InitialBackoff (1 s) is the delay before the first reconnection
	// attempt; each further attempt doubles it, up to MaxBackoff (30 s).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// BackoffJitter, in [0, 1), shortens each delay by a random fraction of
	// at most this much, so that many clients dropped by one server restart
	// do not all come back at the same instant. Zero (the default) keeps
	// the exact protocol sequence.
	BackoffJitter float64
	// MaxReconnects bounds the attempts of one backoff sequence (see the
	// package documentation); zero means unlimited and a negative value
	// disables reconnection.
	MaxReconnects int
	// DisableReplay drops, instead of sending again, the text of
	// generations in progress when a connection is lost.
	DisableReplay bool

	// KeepAlive (30 s) is the WebSocket ping period; a server that does
	// not answer within the same period is taken for gone and the Conn
	// reconnects. Negative disables pings.
	KeepAlive time.Duration
	// HandshakeTimeout (10 s) bounds dialling plus config and binary_mode
	// until their acks, for Dial and for each reconnection.
	HandshakeTimeout time.Duration
	// WriteTimeout (10 s) bounds the write of one frame.
	WriteTimeout time.Duration

	// HTTPHeader is added to the upgrade request, e.g. Authorization:
	// Bearer (an extension: the key in config is what the protocol needs).
	HTTPHeader http.Header
	// HTTPClient makes the upgrade request; nil means http.DefaultClient.
	HTTPClient *http.Client
	// EventBuffer (16) is the capacity of the Events channel. Events never
	// get lost when it is full; see the package documentation.
	EventBuffer int

	// clock times the backoff and rand draws its jitter; tests replace
	// them to check the backoff without waiting.
	clock clock
	rand  func() float64
}

// clock is the time the reconnection logic sees.
type clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Defaults of PROTOCOL.md section 4 and of this package.
const (
	DefaultInitialBackoff   = time.Second
	DefaultMaxBackoff       = 30 * time.Second
	DefaultKeepAlive        = 30 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultEventBuffer      = 16
)

// maxServerFrame bounds one server frame: far more than any sane audio
// chunk (a second of speech is 64 kB in base64), so that a broken server
// cannot make the client allocate without limit.
const maxServerFrame = 1 << 20

func (c Config) withDefaults() Config {
	if c.InitialBackoff == 0 {
		c.InitialBackoff = DefaultInitialBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.EventBuffer == 0 {
		c.EventBuffer = DefaultEventBuffer
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	return c
}

// Validate reports a configuration that cannot work. The config message is
// checked by protocol.DecodeClient, the same rules the server applies.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("client: URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return fmt.Errorf("client: URL %q: scheme must be ws, wss, http or https", c.URL)
	}
	if u.Host == "" {
		return fmt.Errorf("client: URL %q has no host", c.URL)
	}
	if c.APIKey == "" {
		return errors.New("client: APIKey is required")
	}
	if _, ok := protocol.ParseLanguage(c.Language); !ok {
		return fmt.Errorf("client: unknown language %q", c.Language)
	}
	if _, err := protocol.DecodeClient(c.configMessage()); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	c = c.withDefaults()
	if c.InitialBackoff < 0 || c.MaxBackoff < 0 || c.HandshakeTimeout < 0 || c.WriteTimeout < 0 {
		return errors.New("client: durations must not be negative")
	}
	if c.InitialBackoff > c.MaxBackoff {
		return fmt.Errorf("client: InitialBackoff %v exceeds MaxBackoff %v", c.InitialBackoff, c.MaxBackoff)
	}
	if c.BackoffJitter < 0 || c.BackoffJitter >= 1 {
		return fmt.Errorf("client: BackoffJitter %v is outside [0, 1)", c.BackoffJitter)
	}
	if c.EventBuffer < 0 {
		return errors.New("client: EventBuffer must not be negative")
	}
	return nil
}

// configMessage is the first client frame. The language is sent in its
// canonical spelling.
func (c Config) configMessage() []byte {
	lang := c.Language
	if l, ok := protocol.ParseLanguage(lang); ok && lang != "" {
		lang = string(l)
	}
	return protocol.Marshal(struct {
		Type string `json:"type"`
		protocol.Config
	}{protocol.TypeConfig, protocol.Config{
		APIKey:               c.APIKey,
		VoiceDescription:     c.VoiceDescription,
		VoiceClonePrompt:     c.VoiceClonePrompt,
		Voice:                c.Voice,
		Language:             lang,
		MinFirstSegmentChars: c.MinFirstSegmentChars,

		TextType:                  c.TextType,
		PronunciationDictionaries: c.PronunciationDictionaries,
		Speed:                     c.Speed,
		Pitch:                     c.Pitch,
	}})
}

// backoff is the delay before reconnection attempt n (from 1): the initial
// delay doubled n-1 times, capped, then shortened by the jitter.
func (c Config) backoff(n int) time.Duration {
	d := c.InitialBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.MaxBackoff)
	if c.BackoffJitter > 0 {
		d -= time.Duration(float64(d) * c.BackoffJitter * c.rand())
	}
	return d
}
