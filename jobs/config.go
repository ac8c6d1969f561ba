package jobs

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/parley-voice/parley/store"
)

// Config configures a Manager. Zero values take the defaults noted.
type Config struct {
	// Workers is how many jobs run at once (2). A negative value runs
	// none: the node accepts and stores jobs, and delivers webhooks, while
	// other nodes on the same store synthesise.
	Workers int
	// DataDir is the data directory; audio goes under DataDir/jobs.
	// Required.
	DataDir string
	// Secret is the server secret from which each key's webhook secret is
	// derived (see SigningSecret): 32 random bytes, kept across restarts,
	// since changing it changes every key's secret. Required.
	Secret []byte
	// MaxAttempts is how many times a job is tried before it fails (3). A
	// crash during an attempt counts, so a job that crashes the server
	// cannot do so forever.
	MaxAttempts int
	// JobTimeout bounds one attempt (10 minutes).
	JobTimeout time.Duration
	// DeliveryAttempts is how many times a webhook is POSTed before its
	// delivery fails (6).
	DeliveryAttempts int
	// DeliveryConcurrency is how many webhooks are in flight at once (4),
	// so slow receivers delay each other only when that many hang.
	DeliveryConcurrency int
	// Backoff is the wait after the attempt-th failed delivery (attempt
	// counts from 1): by default 2 s, doubling up to 5 minutes.
	Backoff func(attempt int) time.Duration
	// HTTPClient sends webhooks. The default times out after 10 s and does
	// not follow redirects, which a receiver could otherwise use to point
	// the server at another address.
	HTTPClient *http.Client
	// AudioURL returns the URL of a succeeded job's audio, for the webhook's
	// audio_url; nil leaves it out.
	AudioURL func(store.Job) string
	// PollInterval is how often idle workers and the delivery loop look at
	// the store (1 s), for work a wake-up did not announce: retries come due,
	// jobs queued by another process.
	PollInterval time.Duration
	// Now is the clock for webhook timestamps and delivery times
	// (time.Now). It must agree with the store's clock, which stamps
	// deliveries due when jobs finish.
	Now func() time.Time
	// Logger records errors of the background work, which has no caller to
	// return them to (discarded if nil).
	Logger *slog.Logger
}

// Validate reports a configuration that cannot work. Zero values are valid:
// they take defaults.
func (c Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("DataDir is required"))
	}
	if len(c.Secret) == 0 {
		errs = append(errs, errors.New("Secret is required to sign webhooks"))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxAttempts", int64(c.MaxAttempts)},
		{"DeliveryAttempts", int64(c.DeliveryAttempts)},
		{"DeliveryConcurrency", int64(c.DeliveryConcurrency)},
		{"JobTimeout", int64(c.JobTimeout)},
		{"PollInterval", int64(c.PollInterval)},
	} {
		if f.v < 0 {
			errs = append(errs, errors.New(f.name+" must not be negative"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return errors.Join(errors.New("jobs: invalid config"), err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	switch {
	case c.Workers == 0:
		c.Workers = 2
	case c.Workers < 0:
		c.Workers = 0
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 3
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = 10 * time.Minute
	}
	if c.DeliveryAttempts == 0 {
		c.DeliveryAttempts = 6
	}
	if c.DeliveryConcurrency == 0 {
		c.DeliveryConcurrency = 4
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// DefaultBackoff waits 2 s after the first failed delivery and doubles the
// wait after each further one, up to 5 minutes.
func DefaultBackoff(attempt int) time.Duration {
	const first, ceiling = 2 * time.Second, 5 * time.Minute
	d := first
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// defaultClient is a new client per Manager, so Close can drop its idle
// connections without touching anyone else's.
func defaultClient() *http.Client {
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
