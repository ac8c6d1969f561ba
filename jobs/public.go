package jobs

import (
	"errors"
	"fmt"
	"time"
)

// A job's error is shown to its owner, in GET /v1/jobs/{id} and in the
// webhook, so it holds only messages written for them. A Runner marks
// those errors with a PublicMessage method (an invalid request, an unknown
// voice); any other failure (an engine error, a file the server could not
// write) may quote paths and internal addresses, so it is logged with the
// job's id and recorded as InternalFailure.
type publicMessager interface {
	// PublicMessage is the message for the job's owner, or "" if the
	// error has none.
	PublicMessage() string
}

// InternalFailure is the error recorded for a job whose attempt failed
// inside the server.
const InternalFailure = "synthesis failed (internal error)"

// publicText is what the job's owner is told about err.
func publicText(err error) string {
	var pm publicMessager
	if errors.As(err, &pm) {
		if msg := pm.PublicMessage(); msg != "" {
			return msg
		}
	}
	return InternalFailure
}

// timeoutError is an attempt that ran out of Config.JobTimeout. What the
// runner was doing then is for the log; that it timed out is for the
// owner.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("jobs: attempt timed out after %v: %v", e.after, e.err)
}

func (e *timeoutError) Unwrap() error { return e.err }

func (e *timeoutError) PublicMessage() string {
	return fmt.Sprintf("synthesis timed out after %v", e.after)
}
