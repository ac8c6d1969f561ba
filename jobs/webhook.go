package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/parley-voice/parley/store"
)

// Webhook is the JSON body POSTed to a job's webhook URL once the job has
// succeeded or failed.
type Webhook struct {
	// IdempotencyKey is the same for every POST of this job's webhook, from
	// any node and after any retry, and also sent as the Idempotency-Key
	// header: a receiver that has seen it may drop the request (see
	// IdempotencyKey for when a repeat can happen).
	IdempotencyKey string    `json:"idempotency_key"`
	JobID          string    `json:"job_id"`
	Status         string    `json:"status"` // store.JobSucceeded or store.JobFailed
	Format         string    `json:"format"`
	AudioURL       string    `json:"audio_url,omitempty"` // succeeded jobs, when the server knows its URL
	Error          string    `json:"error"`               // failed jobs: why
	CreatedAt      time.Time `json:"created_at"`
	FinishedAt     time.Time `json:"finished_at"`
	// DeliveryAttempt counts this job's webhook POSTs, from 1.
	DeliveryAttempt int `json:"delivery_attempt"`
}

// IdempotencyHeader carries the webhook's idempotency key.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyKey is the key of job id's webhook: "<job id>.done". A job
// finishes once (it succeeds or fails, for good), and its webhook is sent
// for that end only, so the key names the delivery whatever attempt, node
// or retry sends it.
//
// A job's webhook is sent until a receiver accepts it (a 2xx answer that
// the store records) or DeliveryAttempts run out. A receiver may still see
// it more than once, always with the same key: when the node that sent it
// died, or lost the store, after the receiver answered and before the
// answer was recorded; or when that node stalled past its lease mid-POST
// and another node sent it too. It never sees two different outcomes of
// one job, nor a success twice under different keys.
func IdempotencyKey(jobID string) string { return jobID + ".done" }

func (m *Manager) webhook(j store.Job) Webhook {
	w := Webhook{IdempotencyKey: IdempotencyKey(j.ID), DeliveryAttempt: j.DeliveryAttempts + 1, JobID: j.ID, Status: j.Status, Format: j.Format, Error: j.Error, CreatedAt: j.CreatedAt}
	if j.FinishedAt != nil {
		w.FinishedAt = *j.FinishedAt
	}
	if j.Status == store.JobSucceeded && m.cfg.AudioURL != nil {
		w.AudioURL = m.cfg.AudioURL(j)
	}
	return w
}

// deliveryLoop sends due webhooks, at most DeliveryConcurrency at once and
// DeliveryPerAccount of one account. It owns the goroutines sending them and
// waits for them before it returns.
func (m *Manager) deliveryLoop() {
	defer m.wg.Done()
	var (
		inflight  = make(map[string]string) // job id -> account id
		perAcct   = make(map[string]int)
		done      = make(chan string)
		finishOne = func(id string) {
			acct := inflight[id]
			delete(inflight, id)
			if perAcct[acct]--; perAcct[acct] == 0 {
				delete(perAcct, acct)
			}
		}
	)
	for {
		if m.ctx.Err() == nil && len(inflight) < m.cfg.DeliveryConcurrency {
			m.dispatch(inflight, perAcct, done)
		}
		select {
		case <-m.ctx.Done():
			for len(inflight) > 0 {
				finishOne(<-done)
			}
			return
		case id := <-done:
			finishOne(id)
		case <-m.wakeDelivery:
		case <-time.After(m.cfg.PollInterval):
		}
	}
}

// dispatch leases due webhooks that no node is sending, as many as there
// are free slots, and starts sending them, skipping accounts that hold their
// share here (their webhooks are given back, for this node's next round or
// another node).
func (m *Manager) dispatch(inflight map[string]string, perAcct map[string]int, done chan<- string) {
	due, err := m.db.ClaimDeliveries(m.ctx, m.cfg.NodeID, m.cfg.Lease, m.cfg.DeliveryPerAccount, m.cfg.DeliveryConcurrency-len(inflight))
	if err != nil {
		if m.ctx.Err() == nil {
			m.log.Error("jobs: listing due webhooks", "err", err)
		}
		return
	}
	for _, j := range due {
		// A job in flight here may be due again already (its POST failed
		// and its retry came due before its goroutine ended): the next
		// round sends it.
		if _, ok := inflight[j.ID]; ok || len(inflight) >= m.cfg.DeliveryConcurrency || perAcct[j.AccountID] >= m.cfg.DeliveryPerAccount {
			m.giveBack(j)
			continue
		}
		inflight[j.ID] = j.AccountID
		perAcct[j.AccountID]++
		ctx, cancel := context.WithCancelCause(m.ctx)
		untrack := m.track(m.deliveries, j.ID, cancel)
		go func() {
			defer func() { done <- j.ID }()
			defer cancel(nil)
			defer untrack()
			m.deliver(ctx, j)
		}()
	}
}

// giveBack releases the lease on a webhook this node will not send now.
// If that fails, the lease lapses by itself.
func (m *Manager) giveBack(j store.Job) {
	ctx, cancel := m.storeCtx()
	defer cancel()
	if err := m.db.ReleaseDelivery(ctx, j); err != nil && !errors.Is(err, store.ErrNotFound) {
		m.log.Warn("jobs: giving back a webhook's lease", "job", j.ID, "err", err)
	}
}

// deliver makes one delivery attempt and records it.
func (m *Manager) deliver(ctx context.Context, j store.Job) {
	err := m.post(ctx, j)
	if err != nil && ctx.Err() != nil {
		// Shutdown or the job's deletion cut it short: not the receiver's
		// fault, so not counted. After a shutdown the delivery is still
		// due: its lease is given back, and it goes out from another node
		// or after the next start.
		m.giveBack(j)
		return
	}
	sctx, cancel := m.storeCtx()
	defer cancel()
	if err == nil {
		err = m.db.RecordDelivery(sctx, j, true, "", time.Time{}, false)
	} else {
		attempt := j.DeliveryAttempts + 1
		msg := deliveryError(err)
		// The detail (the address, how the connection failed) is for the
		// operator: the job's owner sees msg, which cannot map the
		// server's network.
		m.log.Warn("jobs: webhook delivery failed", "job", j.ID, "attempt", attempt, "host", webhookHost(j.WebhookURL), "err", detail(err))
		next := m.cfg.Now().Add(m.cfg.Backoff(attempt))
		err = m.db.RecordDelivery(sctx, j, false, msg, next, attempt >= m.cfg.DeliveryAttempts)
	}
	if errors.Is(err, store.ErrNotFound) {
		return // deleted meanwhile, or this node's lease lapsed and another sent it
	}
	if err != nil {
		// The delivery stays due as it was, and is sent again once its
		// lease lapses: receivers see it at least once, and may see it
		// twice (with the same idempotency key).
		m.log.Error("jobs: recording a webhook delivery", "job", j.ID, "err", err)
	}
}

// statusError is a receiver's answer other than 2xx.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("webhook receiver answered %d", e.code) }

// deliveryError is what the job's owner is told about a failed delivery:
// the receiver's status, or one of a few fixed messages, never its body or
// an address.
func deliveryError(err error) string {
	var (
		se statusError
		ne net.Error
	)
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, ErrAddressNotAllowed):
		return "refused: address not allowed"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out waiting for the webhook receiver"
	}
	return "could not connect to the webhook receiver"
}

// detail is err without the URL that the HTTP client puts in front of it,
// which may carry the receiver's own secrets in its query.
func detail(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func webhookHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// post sends the job's webhook once and reports whether the receiver
// accepted it with a 2xx answer.
func (m *Manager) post(ctx context.Context, j store.Job) error {
	body, err := json.Marshal(m.webhook(j))
	if err != nil {
		return fmt.Errorf("encoding webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set(JobHeader, j.ID)
	req.Header.Set(IdempotencyHeader, IdempotencyKey(j.ID))
	req.Header.Set(SignatureHeader, Sign(SigningSecret(m.cfg.Secret, j.KeyID), m.cfg.Now(), body))
	resp, err := m.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Reading the answer lets the connection be reused; its content does
	// not matter.
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError{resp.StatusCode}
	}
	return nil
}
