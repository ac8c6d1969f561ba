package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/parley-voice/parley/store"
)

// Webhook is the JSON body POSTed to a job's webhook URL once the job has
// succeeded or failed.
type Webhook struct {
	JobID      string    `json:"job_id"`
	Status     string    `json:"status"` // store.JobSucceeded or store.JobFailed
	Format     string    `json:"format"`
	AudioURL   string    `json:"audio_url,omitempty"` // succeeded jobs, when the server knows its URL
	Error      string    `json:"error"`               // failed jobs: why
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
}

func (m *Manager) webhook(j store.Job) Webhook {
	w := Webhook{JobID: j.ID, Status: j.Status, Format: j.Format, Error: j.Error, CreatedAt: j.CreatedAt}
	if j.FinishedAt != nil {
		w.FinishedAt = *j.FinishedAt
	}
	if j.Status == store.JobSucceeded && m.cfg.AudioURL != nil {
		w.AudioURL = m.cfg.AudioURL(j)
	}
	return w
}

// deliveryLoop sends due webhooks, at most DeliveryConcurrency at once. It
// owns the goroutines sending them and waits for them before it returns.
func (m *Manager) deliveryLoop() {
	defer m.wg.Done()
	inflight := make(map[string]bool)
	done := make(chan string)
	for {
		if m.ctx.Err() == nil && len(inflight) < m.cfg.DeliveryConcurrency {
			m.dispatch(inflight, done)
		}
		select {
		case <-m.ctx.Done():
			for len(inflight) > 0 {
				delete(inflight, <-done)
			}
			return
		case id := <-done:
			delete(inflight, id)
		case <-m.wakeDelivery:
		case <-time.After(m.cfg.PollInterval):
		}
	}
}

// dispatch starts sending due webhooks not already in flight, into the free
// slots.
func (m *Manager) dispatch(inflight map[string]bool, done chan<- string) {
	// Jobs in flight are still due, so ask for enough to fill the free
	// slots past them.
	due, err := m.db.DueDeliveries(m.ctx, m.cfg.Now(), m.cfg.DeliveryConcurrency+len(inflight))
	if err != nil {
		if m.ctx.Err() == nil {
			m.log.Error("jobs: listing due webhooks", "err", err)
		}
		return
	}
	for _, j := range due {
		if len(inflight) >= m.cfg.DeliveryConcurrency {
			return
		}
		if inflight[j.ID] {
			continue
		}
		inflight[j.ID] = true
		go func() {
			defer func() { done <- j.ID }()
			m.deliver(j)
		}()
	}
}

// deliver makes one delivery attempt and records it.
func (m *Manager) deliver(j store.Job) {
	err := m.post(j)
	if err != nil && m.ctx.Err() != nil {
		// Shutdown cut it short: not the receiver's fault, so not counted.
		// The delivery is still due and goes out after the next start.
		return
	}
	ctx, cancel := m.storeCtx()
	defer cancel()
	if err == nil {
		err = m.db.RecordDelivery(ctx, j.ID, true, "", time.Time{}, false)
	} else {
		attempt := j.DeliveryAttempts + 1
		next := m.cfg.Now().Add(m.cfg.Backoff(attempt))
		err = m.db.RecordDelivery(ctx, j.ID, false, err.Error(), next, attempt >= m.cfg.DeliveryAttempts)
	}
	if err != nil {
		// The delivery stays due as it was, so it is sent again: receivers
		// see it at least once.
		m.log.Error("jobs: recording a webhook delivery", "job", j.ID, "err", err)
	}
}

// post sends the job's webhook once and reports whether the receiver
// accepted it with a 2xx answer.
func (m *Manager) post(j store.Job) error {
	body, err := json.Marshal(m.webhook(j))
	if err != nil {
		return fmt.Errorf("encoding webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(m.ctx, http.MethodPost, j.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set(JobHeader, j.ID)
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
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}
