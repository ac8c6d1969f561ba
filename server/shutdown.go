package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/parley-voice/parley/httpapi"
)

// defaultShutdownCancelWait is Config.ShutdownCancelWait's default: time
// for a realtime session closed at the end of the grace to finish its
// close handshake (realtime.Config.CloseGrace, 2 s), and for a cancelled
// HTTP handler to return.
const defaultShutdownCancelWait = 3 * time.Second

// handlers counts the HTTP handlers running, hijacked WebSocket sessions
// included, so that shutdown can wait for every user of the engines and the
// store: http.Server.Shutdown gives up on handlers when its context ends,
// and never tracked hijacked connections at all.
type handlers struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0
}

func (h *handlers) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		if h.n == 0 {
			h.idle = make(chan struct{})
		}
		h.n++
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			if h.n--; h.n == 0 {
				close(h.idle)
			}
			h.mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// running reports the handlers running now.
func (h *handlers) running() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// wait returns nil once no handler runs, or ctx.Err() when ctx ends first.
func (h *handlers) wait(ctx context.Context) error {
	for {
		h.mu.Lock()
		if h.n == 0 {
			h.mu.Unlock()
			return nil
		}
		idle := h.idle
		h.mu.Unlock()
		select {
		case <-idle:
			// A request read before the listener closed may have started
			// a handler since: look again.
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// shutdown stops a serving node in stages, each with its own budget, so
// that nothing the handlers use is closed under them:
//
//  1. stop accepting: the listener closes at once, and /readyz fails;
//  2. drain, for ShutdownGrace: HTTP requests, realtime sessions (whose
//     generations finish) and agent sessions, all at once;
//  3. cancel what is left: the handlers' contexts end (httpapi.ErrShuttingDown
//     is the cause, so a streamed answer can say why it stops), realtime
//     sessions close with 1001; after half of ShutdownCancelWait, HTTP
//     connections still open are closed, which unblocks a handler stuck
//     writing to a client that does not read;
//  4. wait for the handlers until ShutdownCancelWait is spent.
//
// The jobs, the engines and the store are closed after it (jobs here,
// the rest by Close), and only once no handler runs. It returns an error
// naming the handlers still running when the budget is spent.
func (s *Server) shutdown(hs *http.Server, serveDone <-chan error, cancelHandlers context.CancelCauseFunc) error {
	s.stopping.Store(true)
	s.log.Info("shutting down", "grace", s.cfg.ShutdownGrace.String())
	grace, cancelGrace := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancelGrace()
	var (
		wg               sync.WaitGroup
		herr, aerr, rerr error
	)
	// Hijacked WebSockets are not tracked by http.Server: the realtime and
	// agent servers drain their own. An agent session speaks through a
	// realtime session, which ends when the agent session closes it.
	wg.Go(func() { herr = hs.Shutdown(grace) })
	wg.Go(func() { aerr = s.agent.Shutdown(grace) })
	wg.Go(func() { rerr = s.realtime.Shutdown(grace) })
	drained := make(chan struct{})
	go func() {
		wg.Wait()
		_ = s.handlers.wait(context.Background())
		close(drained)
	}()
	select {
	case <-drained:
	case <-grace.Done():
		left := s.handlers.running()
		s.log.Warn("shutdown grace over: cancelling what is left", "handlers", left)
		cancelHandlers(httpapi.ErrShuttingDown)
		force := time.AfterFunc(s.cfg.ShutdownCancelWait/2, func() {
			if s.handlers.running() > 0 {
				_ = hs.Close()
			}
		})
		select {
		case <-drained:
		case <-time.After(s.cfg.ShutdownCancelWait):
		}
		force.Stop()
	}
	<-serveDone
	select {
	case <-drained:
	default:
		n := s.handlers.running()
		s.stuck.Store(int64(n))
		return fmt.Errorf("server: %d handlers still running %v after the shutdown grace; engines and store are left open", n, s.cfg.ShutdownCancelWait)
	}
	// Jobs still running go back to the queue and run on the next start.
	s.jobs.Close()
	for i, err := range []error{herr, aerr, rerr} {
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("server: %s shutdown: %w", [...]string{"http", "agent", "realtime"}[i], err)
		}
	}
	return nil
}
