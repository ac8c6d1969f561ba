package store

import "errors"

var (
	// ErrUnknownKey is returned by Authenticate for a key that is malformed,
	// does not exist, or whose secret is wrong. Callers answer 401 or close
	// with 4002 and say no more.
	ErrUnknownKey = errors.New("store: unknown API key")
	// ErrRevoked is returned by Authenticate for a correct key that has been
	// revoked. It is only reported once the secret matched, so it reveals
	// nothing to someone who merely guesses ids.
	ErrRevoked = errors.New("store: API key revoked")
	// ErrNotFound is returned for an id (key, account, voice or job) that
	// does not exist, or that belongs to another account: callers answer 404
	// either way, so ids of other accounts cannot be probed. Job transitions
	// also return it for a job that is not in the state they start from.
	ErrNotFound = errors.New("store: not found")
	// ErrVoiceLimit is returned by CreateVoice when the account already has
	// as many saved voices as its plan allows.
	ErrVoiceLimit = errors.New("store: saved-voice limit reached")
	// ErrQueueFull is returned by CreateJob when the account already has as
	// many queued and running jobs as JobLimits allow.
	ErrQueueFull = errors.New("store: account has too many unfinished jobs")
	// ErrAudioCap is returned by CreateJob when the account's succeeded
	// jobs already hold as much audio as JobLimits allow, and by SucceedJob
	// for a job whose audio would take the account past it.
	ErrAudioCap = errors.New("store: account's stored job audio is at its cap")
	// ErrUnknownPlan is returned when creating a key for a plan that package
	// plan does not know.
	ErrUnknownPlan = errors.New("store: unknown plan")
	// ErrInvalid is returned, wrapped with the reason, for malformed
	// arguments such as a month that is not "YYYY-MM".
	ErrInvalid = errors.New("store: invalid argument")
	// ErrUnavailable marks, wrapped, an error that means the database
	// could not be reached (PostgreSQL down, unreachable, restarting, or
	// out of connections) rather than that a request was wrong. Callers
	// answer 503 or close with 4005 saying the service is unavailable,
	// and /readyz fails, so that a balancer sends requests elsewhere.
	ErrUnavailable = errors.New("store: database unavailable")
	// ErrSchemaTooNew is returned by Open when the database was written by a
	// newer Parley whose schema this binary does not know.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
)
