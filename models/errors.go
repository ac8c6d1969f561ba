package models

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrUnknownModel means a name is neither in the catalogue nor a local
	// model in the directory.
	ErrUnknownModel = errors.New("models: unknown model")
	// ErrNotInstalled is returned by Remove for a model with no files in
	// the directory.
	ErrNotInstalled = errors.New("models: not installed")
	// ErrInvalidName means a name that cannot be a file name in the models
	// directory (a path, "..", or an empty string).
	ErrInvalidName = errors.New("models: invalid model name")
	// ErrDigestMismatch is wrapped by *DigestError.
	ErrDigestMismatch = errors.New("models: digest mismatch")
	// ErrSizeMismatch means the server announced or sent a different
	// number of bytes than the catalogue pins: the file upstream is not the
	// one pinned.
	ErrSizeMismatch = errors.New("models: size mismatch")
	// ErrBusy means another Pull, in this process or another, is
	// downloading the same file into the same directory.
	ErrBusy = errors.New("models: another pull of this file is running")
	// ErrStalled means the server sent no bytes for Config.StallTimeout in
	// the middle of a file.
	ErrStalled = errors.New("models: download stalled")
)

// DigestError reports a downloaded file whose digest is not the pinned
// one. The file has been deleted when it is returned.
type DigestError struct {
	File      string // path in the models directory
	Algorithm string // "sha256" or "md5"
	Want, Got string // hex digests
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("models: %s: %s mismatch: expected %s, got %s (the download was deleted)",
		e.File, e.Algorithm, e.Want, e.Got)
}

func (e *DigestError) Unwrap() error { return ErrDigestMismatch }

// StatusError is an HTTP answer other than 200 or 206 to a file request.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("models: GET %s: %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// transient marks an error worth another attempt from the .part.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

func isTransient(err error) bool {
	var t transient
	return errors.As(err, &t)
}
