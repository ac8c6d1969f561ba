package openai

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-voice/parley/internal/oaicompat"
)

// Defaults for Config.
const (
	DefaultBaseURL = oaicompat.DefaultBaseURL
	DefaultModel   = "whisper-1"
	defaultTimeout = 30 * time.Second
)

// Config configures a Transcriber. Zero fields take the defaults noted.
type Config struct {
	// BaseURL is the API root ending in /v1 (DefaultBaseURL if empty).
	BaseURL string
	// APIKey is sent as a bearer token; empty for local servers.
	APIKey string
	// Model is the transcription model (DefaultModel if empty).
	Model string
	// Prompt, if set, is sent to bias recognition towards its vocabulary
	// (names, jargon).
	Prompt string
	// HTTPClient sends requests (a plain http.Client if nil).
	HTTPClient *http.Client
	// Timeout bounds a whole request, upload included (30 s if zero).
	Timeout time.Duration
}

// withDefaults fills the fields of the transcriber; NewEndpoint fills those
// of the endpoint (BaseURL, HTTPClient).
func (c Config) withDefaults() Config {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	return c
}

// Validate reports whether the config, once defaults are applied, can be
// used.
func (c Config) Validate() error {
	errs := []error{oaicompat.CheckBaseURL(c.BaseURL)}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("negative timeout %v", c.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stt/openai: invalid config: %w", err)
	}
	return nil
}
