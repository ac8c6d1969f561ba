//go:build e2e

package httpapi_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

// node is a real Parley server (store on disk, real engines, jobs) on a
// loopback listener.
type node struct {
	srv  *server.Server
	base string
	dir  string
	stop context.CancelFunc
	once sync.Once
	done chan error
}

func startNode(t *testing.T, opts ...func(*server.Config)) *node {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig()}
	cfg.HTTP.Keepalive = 15 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	return startNodeIn(t, cfg)
}

func startNodeIn(t *testing.T, cfg server.Config) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{srv: srv, base: "http://" + ln.Addr().String(), dir: cfg.DataDir, stop: cancel, done: make(chan error, 1)}
	go func() { n.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(n.shutdown)
	return n
}

func (n *node) shutdown() {
	n.once.Do(func() {
		n.stop()
		<-n.done
		n.srv.Close()
	})
}

func (n *node) key(t *testing.T, plan string) string {
	t.Helper()
	k, _, err := n.srv.Store().CreateKey(context.Background(), "test", plan)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (n *node) do(t *testing.T, method, path, key string, body any) response {
	t.Helper()
	return do(t, n.base, method, path, key, body)
}
