package llm

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-voice/parley/internal/oaicompat"
)

// Defaults for OpenAIConfig.
const (
	DefaultBaseURL = oaicompat.DefaultBaseURL
	// DefaultModel is small and fast, which is what a spoken turn needs.
	DefaultModel = "gpt-4o-mini"

	defaultTimeout      = 30 * time.Second
	defaultIdleTimeout  = 30 * time.Second
	defaultMaxRetries   = 2
	defaultRetryBackoff = 500 * time.Millisecond
	defaultMaxRetryWait = 5 * time.Second
)

// OpenAIConfig configures a client for an OpenAI-compatible chat
// completions server. Zero fields take the defaults noted.
type OpenAIConfig struct {
	// BaseURL is the API root, ending in /v1 for every server we know:
	// https://api.openai.com/v1 (default), http://localhost:8000/v1
	// (vLLM), http://localhost:8080/v1 (llama.cpp server),
	// http://localhost:11434/v1 (Ollama).
	BaseURL string
	// APIKey is sent as a bearer token. It may be empty for local servers.
	APIKey string
	// Model is the model name the server knows (DefaultModel if empty).
	Model string
	// Temperature is sent only when set, so servers keep their own default.
	Temperature *float64
	// MaxTokens caps the answer's length; 0 sends no cap.
	MaxTokens int
	// HTTPClient is used for requests (a plain http.Client if nil). Its
	// Timeout, if set, bounds a whole streamed answer, so leave it zero
	// and use Timeout and IdleTimeout instead.
	HTTPClient *http.Client
	// Timeout bounds the wait for the first byte of the response body,
	// which covers connecting and the model's prompt processing.
	Timeout time.Duration
	// IdleTimeout bounds the silence between two reads once the body has
	// started: a server that stalls mid-answer fails instead of holding
	// the turn forever. Keep-alive comments count as activity.
	IdleTimeout time.Duration
	// MaxRetries is how many times a request refused with 429 or 5xx is
	// sent again (default 2; negative disables retries). Retries happen
	// only before any token is delivered.
	MaxRetries int
	// RetryBackoff is the first retry's delay when the server gave no
	// Retry-After; it doubles on each retry.
	RetryBackoff time.Duration
	// MaxRetryWait is the longest wait before a retry. A server asking for
	// longer gets its error returned at once: a spoken turn cannot wait
	// that long, and retrying earlier than asked is futile.
	MaxRetryWait time.Duration
}

// withDefaults fills the fields of the chat client; NewEndpoint fills those
// of the endpoint (BaseURL, HTTPClient).
func (c OpenAIConfig) withDefaults() OpenAIConfig {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = defaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = defaultRetryBackoff
	}
	if c.MaxRetryWait == 0 {
		c.MaxRetryWait = defaultMaxRetryWait
	}
	return c
}

// Validate reports whether the config, once defaults are applied, can be
// used.
func (c OpenAIConfig) Validate() error {
	c = c.withDefaults()
	errs := []error{oaicompat.CheckBaseURL(c.BaseURL)}
	if t := c.Temperature; t != nil && (*t < 0 || *t > 2) {
		errs = append(errs, fmt.Errorf("temperature %g outside [0, 2]", *t))
	}
	if c.MaxTokens < 0 {
		errs = append(errs, fmt.Errorf("negative max tokens %d", c.MaxTokens))
	}
	if c.Timeout < 0 || c.IdleTimeout < 0 || c.RetryBackoff < 0 || c.MaxRetryWait < 0 {
		errs = append(errs, errors.New("negative duration"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("llm: invalid OpenAI config: %w", err)
	}
	return nil
}
