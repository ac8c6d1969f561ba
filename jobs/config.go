package jobs

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/parley-voice/parley/store"
)

// Config configures a Manager. Zero values take the defaults noted, which
// DefaultConfig returns.
type Config struct {
	// Workers is how many jobs run at once (2). A negative value runs
	// none: the node accepts and stores jobs, and delivers webhooks, while
	// other nodes on the same store synthesise.
	Workers int
	// DataDir is the data directory. Job audio lives in the store; older
	// Parleys kept it under DataDir/jobs, and New moves such files into
	// the store. Empty (a node of a shared store, with no data directory
	// of its own) skips that.
	DataDir string
	// NodeID names this node in the leases it holds on jobs and webhook
	// deliveries: unique among the nodes of one store (default: the host
	// name and a random suffix, new at every start).
	NodeID string
	// Lease is how long a node's claim on a running job or a webhook
	// being sent lasts unless renewed (30 s). The node renews its leases
	// every Lease/3; a node that stops (killed, or cut off from the
	// store) for longer than Lease has its jobs run again, and its
	// webhooks sent again, by another node.
	Lease time.Duration
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
	// DeliveryConcurrency is how many webhooks are in flight at once (8),
	// so slow receivers delay each other only when that many hang.
	DeliveryConcurrency int
	// DeliveryPerAccount is how many of those one account's webhooks may
	// hold (2), so that an account whose receiver hangs cannot take every
	// slot. At most DeliveryConcurrency.
	DeliveryPerAccount int
	// WebhookTimeout bounds one webhook POST, answer included (10 s).
	WebhookTimeout time.Duration
	// AllowPrivateWebhooks lets webhooks reach loopback, private,
	// link-local, cloud metadata and other non-public addresses, which are
	// refused by default (see addressAllowed): for tests, and for setups
	// where every key holder may reach the server's network.
	AllowPrivateWebhooks bool
	// Retention is how long a finished job and its audio are kept
	// (DefaultRetention), counted from when it finished; a job whose
	// webhook is still being retried is kept until that is over. Negative
	// keeps jobs for ever.
	Retention time.Duration
	// SweepInterval is how often jobs past Retention are deleted (1
	// minute). Until then they are already hidden: see Expired.
	SweepInterval time.Duration
	// MaxUnfinishedPerAccount is how many queued and running jobs one
	// account may have (DefaultMaxUnfinished); Submit refuses more.
	// Negative is no cap.
	MaxUnfinishedPerAccount int
	// AudioCapPerAccount is how many bytes of finished jobs' audio one
	// account may keep (DefaultAudioCap). Submit refuses jobs while the
	// account holds that much, and a job whose audio would take it past
	// fails. Negative is no cap.
	AudioCapPerAccount int64
	// Backoff is the wait after the attempt-th failed delivery (attempt
	// counts from 1): by default 2 s, doubling up to 5 minutes.
	Backoff func(attempt int) time.Duration
	// HTTPClient sends webhooks. The default times out after
	// WebhookTimeout, does not follow redirects (which a receiver could
	// use to point the server at another address), and refuses addresses
	// that are not public unless AllowPrivateWebhooks. A client given here
	// replaces all of that.
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
		{"DeliveryPerAccount", int64(c.DeliveryPerAccount)},
		{"JobTimeout", int64(c.JobTimeout)},
		{"WebhookTimeout", int64(c.WebhookTimeout)},
		{"SweepInterval", int64(c.SweepInterval)},
		{"PollInterval", int64(c.PollInterval)},
		{"Lease", int64(c.Lease)},
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

// DefaultConfig returns the defaults that zero fields take, without the
// required DataDir and Secret.
func DefaultConfig() Config {
	return Config{
		Workers:                 2,
		MaxAttempts:             3,
		JobTimeout:              10 * time.Minute,
		DeliveryAttempts:        6,
		DeliveryConcurrency:     8,
		DeliveryPerAccount:      2,
		WebhookTimeout:          10 * time.Second,
		Retention:               DefaultRetention,
		SweepInterval:           time.Minute,
		MaxUnfinishedPerAccount: DefaultMaxUnfinished,
		AudioCapPerAccount:      DefaultAudioCap,
		Backoff:                 DefaultBackoff,
		PollInterval:            time.Second,
		Now:                     time.Now,
		Lease:                   DefaultLease,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	switch {
	case c.Workers == 0:
		c.Workers = d.Workers
	case c.Workers < 0:
		c.Workers = 0
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = d.JobTimeout
	}
	if c.DeliveryAttempts == 0 {
		c.DeliveryAttempts = d.DeliveryAttempts
	}
	if c.DeliveryConcurrency == 0 {
		c.DeliveryConcurrency = d.DeliveryConcurrency
	}
	if c.DeliveryPerAccount == 0 {
		c.DeliveryPerAccount = d.DeliveryPerAccount
	}
	c.DeliveryPerAccount = min(c.DeliveryPerAccount, c.DeliveryConcurrency)
	if c.WebhookTimeout == 0 {
		c.WebhookTimeout = d.WebhookTimeout
	}
	if c.Retention == 0 {
		c.Retention = d.Retention
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = d.SweepInterval
	}
	if c.MaxUnfinishedPerAccount == 0 {
		c.MaxUnfinishedPerAccount = d.MaxUnfinishedPerAccount
	}
	if c.AudioCapPerAccount == 0 {
		c.AudioCapPerAccount = d.AudioCapPerAccount
	}
	if c.Backoff == nil {
		c.Backoff = d.Backoff
	}
	if c.PollInterval == 0 {
		c.PollInterval = d.PollInterval
	}
	if c.Now == nil {
		c.Now = d.Now
	}
	if c.Lease == 0 {
		c.Lease = d.Lease
	}
	if c.NodeID == "" {
		c.NodeID = newNodeID()
	}
	return c
}

// DefaultLease is Config.Lease's default: renewed every 10 s, it survives
// two missed renewals (a store that answers slowly for a moment), and a
// dead node's job runs again within 40 s.
const DefaultLease = 30 * time.Second

// newNodeID is the host name, for the operator reading the store, and 8
// random characters, so that a restarted node is not taken for its former
// self, whose leases it must not renew.
func newNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	b := make([]byte, 8)
	rand.Read(b)
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return host + "-" + string(b)
}

// The defaults of the per-account bounds.
const (
	// DefaultRetention keeps finished jobs a week: long enough to fetch the
	// audio after a weekend, short enough that texts and audio do not pile
	// up.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultMaxUnfinished is a batch's worth of jobs per account; a
	// client with more waits for some to finish.
	DefaultMaxUnfinished = 100
	// DefaultAudioCap is 1 GiB: about six hours of 24 kHz WAV, far more in
	// the compressed formats.
	DefaultAudioCap = 1 << 30
)

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
func defaultClient(c Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if !c.AllowPrivateWebhooks {
		newEgress(http.ProxyFromEnvironment).guard(tr)
	}
	return &http.Client{
		Timeout:   c.WebhookTimeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
