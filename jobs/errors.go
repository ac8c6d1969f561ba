package jobs

import (
	"errors"
	"fmt"
	"time"

	"github.com/parley-voice/parley/store"
)

var (
	// ErrClosed is returned by Submit once Close has been called.
	ErrClosed = errors.New("jobs: manager closed")
	// ErrWebhookURL is returned, wrapped with the reason, by Submit for a
	// webhook URL that is not an absolute http or https URL, or that names
	// an address webhooks may not reach.
	ErrWebhookURL = errors.New("jobs: invalid webhook URL")
	// ErrAddressNotAllowed is the error of a webhook connection refused
	// because the address it resolved to is not public.
	ErrAddressNotAllowed = errors.New("jobs: webhook address not allowed")
	// ErrMalformedSignature is returned by Verify for a signature header it
	// cannot parse.
	ErrMalformedSignature = errors.New("jobs: malformed webhook signature header")
	// ErrSignatureMismatch is returned by Verify when no signature in the
	// header matches the body and secret.
	ErrSignatureMismatch = errors.New("jobs: webhook signature does not match")
	// ErrSignatureExpired is returned by Verify for a correctly signed
	// request whose timestamp lies outside the tolerance: a replay, or a
	// clock far off.
	ErrSignatureExpired = errors.New("jobs: webhook signature timestamp outside tolerance")
)

// LimitError is Submit's error for a job refused because its account is at
// one of its limits. It wraps store.ErrQueueFull or store.ErrAudioCap.
type LimitError struct {
	Err   error
	Limit int64 // the limit reached: jobs, or bytes
	// RetryAfter is how long until a submission should succeed again without
	// the client doing anything (a job finishing, audio expiring); 0 if
	// only the client can free room, by deleting jobs.
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	if errors.Is(e.Err, store.ErrQueueFull) {
		return fmt.Sprintf("too many jobs queued or running for this account (at most %d); wait for some to finish", e.Limit)
	}
	return fmt.Sprintf("this account's finished jobs hold its whole allowance of stored audio (%d bytes); delete some or wait for them to expire", e.Limit)
}

func (e *LimitError) Unwrap() error { return e.Err }

// audioCapError fails a job whose audio would take its account's stored
// audio past the cap. The message is the job's error, shown to its owner.
type audioCapError struct{ limit int64 }

func (e audioCapError) Error() string {
	return fmt.Sprintf("the audio would take this account's stored job audio past its cap of %d bytes; delete finished jobs or wait for them to expire", e.limit)
}

func (audioCapError) Is(target error) bool { return target == store.ErrAudioCap }

// PublicMessage makes the cap the failed job's stated error: it is the
// owner's to act on.
func (e audioCapError) PublicMessage() string { return e.Error() }
