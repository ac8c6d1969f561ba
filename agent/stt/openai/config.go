package openai

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultModel   = "whisper-1"
	defaultTimeout = 30 * time.Second
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL   = "OPENAI_BASE_URL"
	EnvAPIKey    = "OPENAI_API_KEY"
	EnvSTTURL    = "PARLEY_STT_URL"
	EnvSTTAPIKey = "PARLEY_STT_API_KEY"
	EnvSTTModel  = "PARLEY_STT_MODEL"
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

// ConfigFromEnv fills a config from the environment, looked up with getenv
// (os.Getenv if nil). PARLEY_STT_URL, when set, overrides OPENAI_BASE_URL,
// and then the key comes from PARLEY_STT_API_KEY alone so that an OpenAI
// key never reaches another server. PARLEY_STT_MODEL names the model.
func ConfigFromEnv(getenv func(string) string) Config {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{BaseURL: getenv(EnvBaseURL), APIKey: getenv(EnvAPIKey), Model: getenv(EnvSTTModel)}
	if u := getenv(EnvSTTURL); u != "" {
		c.BaseURL, c.APIKey = u, getenv(EnvSTTAPIKey)
	}
	return c
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	return c
}

// Validate reports whether the config, once defaults are applied, can be
// used.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil {
		errs = append(errs, fmt.Errorf("base URL: %w", err))
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http(s)://host[/path]", c.BaseURL))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("negative timeout %v", c.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stt/openai: invalid config: %w", err)
	}
	return nil
}
