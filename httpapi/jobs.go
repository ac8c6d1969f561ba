package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/codec"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/store"
)

// submitJob queues a webhook request and answers 202 once it is stored.
func (a *API) submitJob(w http.ResponseWriter, r *http.Request, p auth.Principal, req speechRequest, s synthesis) error {
	if a.d.Jobs == nil {
		return errorf(http.StatusServiceUnavailable, "async jobs are not enabled on this server")
	}
	if err := validWebhook(req.WebhookURL); err != nil {
		return err
	}
	// Limits apply when the job is accepted, so that a client cannot queue
	// past its quota or rate: the job is paid for in the transaction that
	// queues it, and refunded if it fails or is deleted first.
	release, err := a.limit(r.Context(), w, p)
	if err != nil {
		return err
	}
	release()
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	var j store.Job
	err = a.d.Accounting.ChargeWith(r.Context(), p, s.billed, func(ctx context.Context, month string) error {
		var err error
		j, err = a.d.Jobs.Submit(ctx, store.Job{AccountID: p.AccountID, KeyID: p.KeyID, Request: body,
			Format: s.format, WebhookURL: req.WebhookURL, Charged: s.billed, ChargeMonth: month})
		return err
	})
	var le *jobs.LimitError
	switch {
	case errors.Is(err, jobs.ErrWebhookURL):
		return errorf(http.StatusBadRequest, "%s", strings.TrimPrefix(err.Error(), "jobs: "))
	case errors.As(err, &le):
		// 429 rather than 507: the account is at its own limit, as with
		// its monthly characters, and the server is fine. Retry-After says
		// when room comes back by itself (a job finishing, audio
		// expiring); without it only deleting jobs helps.
		e := errorf(http.StatusTooManyRequests, "%v", le)
		if le.RetryAfter > 0 {
			e = e.with("Retry-After", itoa(int(math.Ceil(le.RetryAfter.Seconds()))))
		}
		return e
	case errors.Is(err, auth.ErrQuotaExceeded):
		return quotaError(err)
	case err != nil:
		return err
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"job_id": j.ID, "status": j.Status})
	return nil
}

// jobView is what GET /v1/jobs/{id} shows.
type jobView struct {
	JobID      string     `json:"job_id"`
	Status     string     `json:"status"`
	Format     string     `json:"format"`
	AudioURL   string     `json:"audio_url,omitempty"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Webhook    struct {
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error,omitempty"`
	} `json:"webhook"`
}

// JobAudioPath is the path of a finished job's audio, relative to the
// server's base URL.
func JobAudioPath(id string) string { return "/v1/jobs/" + id + "/audio" }

// ownJob returns the principal's job named in the path: 404 for another
// account's, and for one past its retention that the janitor has not deleted
// yet.
func (a *API) ownJob(r *http.Request, p auth.Principal) (store.Job, error) {
	j, err := a.d.Store.GetJob(r.Context(), p.AccountID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.d.Jobs != nil && a.d.Jobs.Expired(j)) {
		return store.Job{}, errorf(http.StatusNotFound, "unknown job")
	}
	return j, err
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	j, err := a.ownJob(r, p)
	if err != nil {
		return err
	}
	v := jobView{JobID: j.ID, Status: j.Status, Format: j.Format, Error: j.Error, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	if j.Status == "succeeded" {
		v.AudioURL = JobAudioPath(j.ID)
	}
	v.Webhook.Status, v.Webhook.Attempts, v.Webhook.LastError = j.DeliveryStatus, j.DeliveryAttempts, j.LastDeliveryError
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) getJobAudio(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	j, err := a.ownJob(r, p)
	if err != nil {
		return err
	}
	if j.Status != "succeeded" {
		return errorf(http.StatusNotFound, "job has no audio (status %s)", j.Status)
	}
	// The audio is in the store, so any node serves it. Once the first
	// bytes are out, a failure can only cut the answer short, which the
	// length announced here lets the client see.
	w.Header().Set("Content-Type", codec.ContentType(j.Format))
	w.Header().Set("Content-Length", strconv.FormatInt(j.AudioBytes, 10))
	_, err = a.d.Store.WriteJobAudio(r.Context(), j.ID, w)
	if errors.Is(err, store.ErrNotFound) && !w.(*statusWriter).wrote {
		return errorf(http.StatusNotFound, "unknown job")
	}
	return err
}

// deleteJob serves DELETE /v1/jobs/{id}: the job goes, whatever its state
// (a running one is cancelled), with its audio.
func (a *API) deleteJob(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.d.Jobs == nil {
		return errorf(http.StatusServiceUnavailable, "async jobs are not enabled on this server")
	}
	j, err := a.d.Jobs.Delete(r.Context(), p.AccountID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "unknown job")
	}
	if err != nil {
		return err
	}
	// A refund happened in the store: the key's quota shows it at once.
	a.d.Accounting.Forget(r.Context(), j.KeyID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// webhookSecret serves GET /v1/webhooks/secret: the key's webhook signing
// secret, to verify X-Parley-Signature.
func (a *API) webhookSecret(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	writeJSON(w, http.StatusOK, map[string]string{
		"secret": jobs.SigningSecret(a.d.WebhookSecret, p.KeyID),
		"header": "X-Parley-Signature",
		"scheme": "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.\" + body)>",
	})
	return nil
}

// Runner synthesises the stored requests of async jobs: it is the
// jobs.Runner of the jobs.Manager that New then takes in Deps.Jobs.
type Runner struct{ core }

// NewRunner returns the Runner of jobs for d; d.Jobs is not used.
func NewRunner(d Deps) (*Runner, error) {
	c, err := newCore(d)
	if err != nil {
		return nil, err
	}
	return &Runner{core: c}, nil
}

// Run implements jobs.Runner: it synthesises a stored request into w.
func (r *Runner) Run(ctx context.Context, j store.Job, w io.Writer) error {
	var req speechRequest
	if err := json.Unmarshal(j.Request, &req); err != nil {
		return err
	}
	p, err := r.keyPrincipal(ctx, j.KeyID)
	if err != nil {
		return err
	}
	s, err := r.parseSpeech(ctx, p, req)
	if err != nil {
		return err
	}
	// The file is finished in memory, where the encoder can go back to
	// complete its header (lengths, flac's MD5, mp3's gapless Info tag).
	// The job was paid for when it was queued.
	var buf codec.Buffer
	if err := r.synthesize(ctx, p, s, prepaid{}, &buf, nil); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// prepaid is the hold of a job, which was charged when it was queued.
type prepaid struct{}

func (prepaid) Extend(context.Context, int64) error { return nil }
func (prepaid) Charge(context.Context, int64) error { return nil }
func (prepaid) Release()                            {}
