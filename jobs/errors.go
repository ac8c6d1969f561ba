package jobs

import "errors"

var (
	// ErrClosed is returned by Submit once Close has been called.
	ErrClosed = errors.New("jobs: manager closed")
	// ErrWebhookURL is returned, wrapped with the reason, by Submit for a
	// webhook URL that is not an absolute http or https URL.
	ErrWebhookURL = errors.New("jobs: invalid webhook URL")
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
