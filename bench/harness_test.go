package bench

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

// testServer is a real Parley node (store on disk, real engines) on a
// loopback listener.
type testServer struct {
	srv    *server.Server
	url    string
	key    string // plan realtime
	stop   context.CancelFunc
	served chan error
	once   sync.Once
	err    error
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(), Limits: limits.Config{}, ShutdownGrace: 5 * time.Second}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &testServer{srv: srv, url: "ws://" + ln.Addr().String() + "/v1/realtime", stop: stop, served: make(chan error, 1)}
	go func() { s.served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = srv.Close()
	})
	secret, _, err := srv.Store().CreateKey(context.Background(), "bench test", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	s.key = secret
	return s
}

// shutdown stops the server gracefully (once) and returns Serve's result.
func (s *testServer) shutdown() error {
	s.stop()
	s.once.Do(func() { s.err = <-s.served })
	return s.err
}

// config is a short run against s.
func (s *testServer) config() Config {
	c := DefaultConfig()
	c.URL, c.APIKey = s.url, s.key
	c.Duration, c.Ramp = 0, 100*time.Millisecond
	c.TokensPerSec = 200
	return c
}

// base is the server's base URL, for the HTTP targets.
func (s *testServer) base() string {
	return "http://" + strings.TrimSuffix(strings.TrimPrefix(s.url, "ws://"), "/v1/realtime")
}

// runUntilShutdown runs cfg against s, shuts s down once n sessions are
// open and after, and returns the run's report (nil if Run failed, which
// it reports).
func runUntilShutdown(t *testing.T, s *testServer, cfg Config, n int, after time.Duration) *Report {
	t.Helper()
	done := make(chan *Report, 1)
	go func() {
		rep, err := Run(context.Background(), cfg, nil)
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- rep
	}()
	deadline := time.Now().Add(20 * time.Second)
	for s.srv.Sessions() < n {
		if time.Now().After(deadline) {
			t.Fatal("sessions did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(after)
	if err := s.shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case rep := <-done:
		return rep
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after the server shut down")
		return nil
	}
}
