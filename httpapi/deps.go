package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/clientip"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voicestore"
)

// Deps are the API's collaborators. Each is the small interface the API
// calls; the comment of each says which type is the real one.
type Deps struct {
	Keys       auth.Authenticator
	Accounting Accounting
	Limiter    Limiter
	Pipeline   Pipeline
	// Voices resolves and saves voices; its own store is an interface
	// (voicestore.DB).
	Voices *voicestore.Store
	Store  Store
	// Jobs queues async jobs; nil turns them off (a request with a
	// webhook_url is a 503).
	Jobs    Jobs
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// WebhookSecret signs webhooks; each key gets its own derived secret.
	WebhookSecret []byte
	// ClientIP finds the client's address behind trusted proxies, for the
	// logs; nil means the TCP peer.
	ClientIP *clientip.Resolver
	// Pronunciations keeps accounts' pronunciation dictionaries; nil
	// leaves /v1/pronunciations out and refuses requests that name any.
	Pronunciations Pronunciations
	// Phone serves Twilio numbers, their voice webhook and the call
	// records; nil leaves /v1/twilio/... and /v1/calls out.
	Phone Phone
}

// Accounting reserves and charges the monthly character quota;
// *auth.Accounting is the real one.
type Accounting interface {
	// Reserve sets chars aside for a synthesis, or fails with an
	// *auth.QuotaError.
	Reserve(ctx context.Context, p auth.Principal, chars int64) (auth.Hold, error)
	// ChargeWith charges chars at once, in the same transaction as write
	// (a job is paid for as it is queued).
	ChargeWith(ctx context.Context, p auth.Principal, chars int64, write func(ctx context.Context, month string) error) error
	// Forget drops what is known of keyID's usage, after a refund.
	Forget(ctx context.Context, keyID string)
}

// Limiter bounds each key's concurrent syntheses and their rate;
// *limits.Limiter is the real one.
type Limiter interface {
	AcquireKeyRequest(ctx context.Context, key string) (release func(), err error)
	KeyRequests(ctx context.Context, key string) int
	AllowGeneration(ctx context.Context, key string) (limits.RateState, error)
	Config() limits.Config
}

// Pipeline splits texts (plain or SSML, with pronunciations) into
// prepared segments and speaks them; *tts.Pipeline is the real one.
type Pipeline interface {
	SplitInput(in tts.Input) ([]tts.Segment, error)
	SpeakPrepared(ctx context.Context, seg *tts.Segment, emit func(pcm []int16) error) error
}

// Store is what the API reads from the store itself; *store.DB is the real
// one.
type Store interface {
	GetKey(ctx context.Context, id string) (store.Key, error)
	GetJob(ctx context.Context, accountID, id string) (store.Job, error)
	// WriteJobAudio writes a finished job's audio to w.
	WriteJobAudio(ctx context.Context, id string, w io.Writer) (int64, error)
	Usage(ctx context.Context, keyID, month string) (chars, requests int64, err error)
	AccountUsage(ctx context.Context, accountID, month string) (chars, requests int64, err error)
}

// Jobs queues and deletes async jobs; *jobs.Manager is the real one.
type Jobs interface {
	Submit(ctx context.Context, j store.Job) (store.Job, error)
	Delete(ctx context.Context, accountID, id string) (store.Job, error)
	// Expired reports a finished job past its retention.
	Expired(j store.Job) bool
}

// core is what the API and the Runner share: parsing a speech request and
// synthesising it.
type core struct {
	d   Deps
	log *slog.Logger
}

func newCore(d Deps) (core, error) {
	if d.Pipeline == nil || d.Voices == nil || d.Store == nil || d.Metrics == nil {
		return core{}, errors.New("httpapi: Pipeline, Voices, Store and Metrics are required")
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return core{d: d, log: log}, nil
}
