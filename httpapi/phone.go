package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/twilio"
)

// Phone serves Twilio numbers, their voice webhook and the records of
// calls; *phone.Service is the real one.
type Phone interface {
	CreateNumber(ctx context.Context, p auth.Principal, req phone.NumberRequest) (phone.Number, error)
	GetNumber(ctx context.Context, p auth.Principal, id string) (phone.Number, error)
	ListNumbers(ctx context.Context, p auth.Principal) ([]phone.Number, error)
	DeleteNumber(ctx context.Context, p auth.Principal, id string) error
	ListCalls(ctx context.Context, p auth.Principal, cursor string, limit int) (phone.CallPage, error)
	Answer(ctx context.Context, w phone.Webhook) (phone.Answer, error)
}

// phoneError maps the phone service's errors to statuses.
func phoneError(err error) error {
	msg := func() string { return strings.TrimPrefix(err.Error(), "phone: ") }
	switch {
	case errors.Is(err, phone.ErrInvalid):
		return errorf(http.StatusBadRequest, "%s", msg())
	case errors.Is(err, phone.ErrNotFound):
		return errorf(http.StatusNotFound, "%s", msg())
	case errors.Is(err, phone.ErrConflict):
		return errorf(http.StatusConflict, "%s", msg())
	case errors.Is(err, phone.ErrForbidden), errors.Is(err, phone.ErrLimit):
		return errorf(http.StatusForbidden, "%s", msg())
	}
	return err
}

func (a *API) createNumber(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req phone.NumberRequest
	if err := decodeJSON(r, maxTextBody, &req); err != nil {
		return err
	}
	n, err := a.d.Phone.CreateNumber(r.Context(), p, req)
	if err != nil {
		return phoneError(err)
	}
	w.Header().Set("Location", "/v1/twilio/numbers/"+n.ID)
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (a *API) listNumbers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.d.Phone.ListNumbers(r.Context(), p)
	if err != nil {
		return phoneError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"numbers": ns})
	return nil
}

func (a *API) getNumber(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	n, err := a.d.Phone.GetNumber(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return phoneError(err)
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (a *API) deleteNumber(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.d.Phone.DeleteNumber(r.Context(), p, r.PathValue("id")); err != nil {
		return phoneError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listCalls serves GET /v1/calls?limit=N&cursor=C: the account's agent
// conversations, newest first.
func (a *API) listCalls(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	limit := 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return errorf(http.StatusBadRequest, "limit must be a positive number")
		}
		limit = n
	}
	page, err := a.d.Phone.ListCalls(r.Context(), p, q.Get("cursor"), limit)
	if err != nil {
		return phoneError(err)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// maxWebhookBody bounds a voice webhook's form: Twilio's carry a few dozen
// short parameters.
const maxWebhookBody = 64 << 10

// twilioVoice serves POST /v1/twilio/voice, the voice webhook Twilio calls
// when a registered number rings. It needs no key: the request is
// Twilio's, signed with the number's auth token (package phone), or it is
// refused with 403. The answer is TwiML.
func (a *API) twilioVoice(w http.ResponseWriter, r *http.Request) {
	outcome := "error"
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		a.d.Metrics.HTTPRequests.WithLabelValues(r.Pattern, itoa(sw.statusCode())).Inc()
		a.d.Metrics.TwilioWebhooks.WithLabelValues(outcome).Inc()
	}()
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(a.cfg.BodyTimeout))
	r.Body = http.MaxBytesReader(sw, r.Body, maxWebhookBody)
	if err := r.ParseForm(); err != nil {
		a.writeError(sw, r, errorf(http.StatusBadRequest, "the webhook's form cannot be read"))
		return
	}
	form := r.PostForm
	if form == nil {
		form = url.Values{}
	}
	ans, err := a.d.Phone.Answer(r.Context(), phone.Webhook{RawQuery: r.URL.RawQuery,
		Signature: r.Header.Get(twilio.SignatureHeader), Form: form})
	if err != nil {
		if errors.Is(err, phone.ErrForbidden) {
			outcome = "forbidden"
			// The reason is logged, not said: it would tell a prober
			// which numbers exist.
			a.log.Warn("twilio webhook refused", "client", a.d.ClientIP.Host(r), "err", err)
			a.writeError(sw, r, errorf(http.StatusForbidden, "request not signed by Twilio for a registered number"))
			return
		}
		a.writeError(sw, r, err)
		return
	}
	outcome = ans.Outcome
	if ans.Reason != "" {
		a.log.Warn("twilio call refused", "call", form.Get("CallSid"), "reason", ans.Reason)
	}
	sw.Header().Set("Content-Type", twilio.ContentType)
	sw.WriteHeader(http.StatusOK)
	_, _ = sw.Write(ans.TwiML)
}
