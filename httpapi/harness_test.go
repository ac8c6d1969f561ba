package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
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

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not JSON: %q", r.status, r.body)
	}
	return m
}

// errMsg returns the body's {"error": ...}.
func (r response) errMsg(t *testing.T) string {
	t.Helper()
	s, _ := r.json(t)["error"].(string)
	if s == "" {
		t.Fatalf("error response %d without an error message: %s", r.status, r.body)
	}
	return s
}

func (n *node) do(t *testing.T, method, path, key string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, n.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	return send(t, req)
}

// send sends req and reads the whole answer.
func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}
