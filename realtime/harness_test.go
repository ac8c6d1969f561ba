//go:build e2e

package realtime_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

// harness is a real Parley node (store on disk, real engines) behind a real
// loopback listener.
type harness struct {
	srv     *server.Server
	stop    context.CancelFunc // begins graceful shutdown
	served  chan error         // Serve's result
	once    sync.Once
	err     error
	url     string
	key     string // plan realtime
	freeKey string // plan free: no WebSocket access
}

type option func(*server.Config)

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(), Limits: limits.Config{}}
	cfg.Realtime.ConfigTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	h := &harness{srv: srv, stop: stop, served: make(chan error, 1), url: "ws://" + ln.Addr().String() + "/v1/realtime"}
	go func() { h.served <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		if err := h.shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = srv.Close()
	})
	h.key = h.createKey(t, "realtime")
	h.freeKey = h.createKey(t, "free")
	return h
}

// shutdown stops the server gracefully (once) and returns Serve's result.
func (h *harness) shutdown() error {
	h.stop()
	h.once.Do(func() { h.err = <-h.served })
	return h.err
}

func (h *harness) createKey(t *testing.T, plan string) string {
	t.Helper()
	secret, _, err := h.srv.Store().CreateKey(context.Background(), "test "+plan, plan)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func (h *harness) dial(t *testing.T) *client {
	t.Helper()
	return dialURL(t, h.url, dialConfig{})
}
