package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/store"
)

// ownerError is a Runner error written for the job's owner.
type ownerError struct{ msg string }

func (e *ownerError) Error() string         { return "runner: " + e.msg }
func (e *ownerError) PublicMessage() string { return e.msg }

// TestJobErrorsHideInternals: a failure inside the server, whose error
// quotes a path and an internal address, reaches the job's owner (the
// stored error and the webhook) only as InternalFailure, while the detail
// is logged with the job's id; a failure written for the owner reaches
// them as it is.
func TestJobErrorsHideInternals(t *testing.T) {
	internal := fmt.Errorf("tts: engine at http://10.1.2.3:9/v1 failed: open /srv/parley/data/jobs/.x.tmp: %w", errFake)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"internal", internal, InternalFailure},
		{"internal, wrapped around a public one", fmt.Errorf("open /srv/x: %w", &ownerError{""}), InternalFailure},
		{"for the owner", fmt.Errorf("wrapped: %w", &ownerError{"unknown voice voice_abc"}), "unknown voice voice_abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var logs lockedLog
			rcv := newReceiver(t, always(http.StatusOK))
			cfg := fastConfig(e.dir)
			cfg.MaxAttempts = 1
			cfg.Logger = logs.logger()
			m := e.start(t, cfg, runnerFunc(func(context.Context, store.Job, io.Writer) error { return tc.err }))
			j := e.submit(t, m, rcv.URL)
			got := waitJob(t, e.db, j, "delivered", deliveryOver)
			if got.Status != store.JobFailed || got.Error != tc.want {
				t.Fatalf("job %s with error %q, want failed with %q", got.Status, got.Error, tc.want)
			}
			ds := rcv.received()
			if len(ds) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(ds))
			}
			if w := checkWebhook(t, ds[0], j); w.Error != tc.want {
				t.Fatalf("webhook error %q, want %q", w.Error, tc.want)
			}
			if log := logs.String(); !strings.Contains(log, j.ID) || !strings.Contains(log, tc.err.Error()) {
				t.Fatalf("the log lacks the job id or the detail:\n%s", log)
			}
		})
	}
}

// lockedLog collects a logger's output written from many goroutines.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *lockedLog) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
