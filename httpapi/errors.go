package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/parley-voice/parley/store"
)

// apiError is an error with its HTTP status and extra headers (rate-limit
// headers on a 429). Every failure of a handler becomes one, in one place:
// writeError.
type apiError struct {
	status  int
	message string
	header  http.Header
}

func (e *apiError) Error() string { return e.message }

// PublicMessage is the message for a client: that of a 4xx, written for
// them, and none for a 5xx. The jobs package records it as a failed job's
// error, where anything else is replaced by a generic message.
func (e *apiError) PublicMessage() string {
	if e.status >= http.StatusInternalServerError {
		return ""
	}
	return e.message
}

// errorf returns an error with status and a message for the client, made
// as fmt.Sprintf makes it.
func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(k, v string) *apiError {
	if e.header == nil {
		e.header = http.Header{}
	}
	e.header.Set(k, v)
	return e
}

// ErrShuttingDown is the cause a server gives when it cancels the
// contexts of requests still running at the end of its shutdown grace
// (context.WithCancelCause on http.Server.BaseContext): a streamed answer
// cut short then ends with an error event saying so, rather than just
// stopping.
var ErrShuttingDown = errors.New("server shutting down")

var (
	errUnauthorized = errorf(http.StatusUnauthorized, "missing, unknown or revoked API key")
	errInternal     = errorf(http.StatusInternalServerError, "internal server error")
	// errUnavailable answers a request that needs the store while it
	// cannot be reached (a PostgreSQL outage): nothing was done, and the
	// same request will work again, on this node or another.
	errUnavailable = errorf(http.StatusServiceUnavailable, "service temporarily unavailable: its database cannot be reached; nothing was done, try again shortly").
			with("Retry-After", "5")
)

// writeError writes err as {"error": "..."} with its status; errors that are
// not *apiError are 500s, whose detail is logged, not shown, except that an
// unreachable store is a 503 saying so.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) && errors.Is(err, store.ErrUnavailable) {
		a.log.Warn("request refused: store unavailable", "route", r.Pattern, "client", a.d.ClientIP.Host(r), "err", err)
		ae = errUnavailable
	}
	if ae == nil && !errors.As(err, &ae) {
		a.log.Error("request failed", "route", r.Pattern, "client", a.d.ClientIP.Host(r), "err", err)
		ae = errInternal
	}
	for k, vs := range ae.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, ae.status, map[string]string{"error": ae.message})
}

func itoa(n int) string { return strconv.Itoa(n) }

// decodeJSON reads a JSON body of at most max bytes into v, rejecting
// trailing data. The Content-Type is not checked: curl's -d sends
// application/x-www-form-urlencoded, and the body says what it is.
func decodeJSON(r *http.Request, max int64, v any) error {
	body := http.MaxBytesReader(nil, r.Body, max)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", max)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errorf(http.StatusBadRequest, "field %q has the wrong type", te.Field)
		}
		return errorf(http.StatusBadRequest, "request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "request body has data after the JSON object")
	}
	return nil
}
