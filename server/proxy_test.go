package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/realtime"
)

// serveNode runs a whole node on loopback with cfg (a fresh data dir, a
// config timeout long enough to hold unconfigured sessions open) and
// returns it and its host:port. It stops when the test ends.
func serveNode(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.DataDir = t.TempDir()
	if cfg.Realtime.ConfigTimeout == 0 {
		cfg.Realtime = realtime.DefaultConfig()
		cfg.Realtime.ConfigTimeout = 5 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	return srv, ln.Addr().String()
}

// nginxFor starts nginx with deploy/nginx.conf in front of upstreams.
func nginxFor(t *testing.T, upstreams ...string) *testinfra.Nginx {
	t.Helper()
	return testinfra.StartNginx(t, testinfra.NginxConfig{Site: testinfra.RepoFile(t, "deploy/nginx.conf"), Upstreams: upstreams})
}

// dialer opens WebSockets from one loopback source address.
type dialer struct {
	client *http.Client
}

func from(src string) *dialer {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &dialer{client: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}}
}

func (d *dialer) dial(ctx context.Context, url string, header http.Header) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: d.client, HTTPHeader: header})
	return c, err
}

// closeCode reads from c until the server closes it and returns the code.
func closeCode(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	return websocket.CloseStatus(err)
}

// sessions holds open WebSockets and closes them when the test ends.
type sessions struct {
	mu    sync.Mutex
	conns []*websocket.Conn
}

func (s *sessions) add(c *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
}

func (s *sessions) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.CloseNow()
	}
	s.conns = nil
}

// open dials n sessions from each of srcs concurrently, all of which must
// be admitted (upgraded and counted by srv), and returns once srv holds
// want sessions.
func (s *sessions) open(t *testing.T, srv *Server, url string, srcs []string, n, want int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(srcs))
	for _, src := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := from(src)
			for i := range n {
				c, err := d.dial(ctx, url, nil)
				if err != nil {
					errs <- fmt.Errorf("%s, session %d: %w", src, i+1, err)
					return
				}
				s.add(c)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for srv.Sessions() != want {
		if time.Now().After(deadline) {
			t.Fatalf("the node holds %d sessions, want %d", srv.Sessions(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func addrs(first, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("127.0.0.%d", first+i))
	}
	return out
}

// TestBehindNginxCountsRealClients: behind nginx, with --trusted-proxies
// naming it, 9 client addresses hold 50 sessions each (450, the issue's
// figure) and a 51st from one of them is refused with 4004. Without the
// flag every client has nginx's address, and the whole server stops at 50.
func TestBehindNginxCountsRealClients(t *testing.T) {
	srv, addr := serveNode(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ng := nginxFor(t, addr)
	url := strings.Replace(ng.URL(), "http", "ws", 1) + "/v1/realtime"
	var open sessions
	defer open.closeAll()

	open.open(t, srv, url, addrs(2, 9), 50, 450)
	ctx := context.Background()
	for _, a := range addrs(2, 9) {
		if n := srv.Limiter().IPConns(ctx, a); n != 50 {
			t.Fatalf("%s holds %d, want 50", a, n)
		}
	}
	if n := srv.Limiter().IPConns(ctx, "127.0.0.1"); n != 0 {
		t.Fatalf("nginx's own address is counted %d times", n)
	}
	c, err := from("127.0.0.2").dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, c); code != 4004 {
		t.Fatalf("51st session from 127.0.0.2: closed with %d, want 4004", code)
	}
	// Another address still gets in.
	open.open(t, srv, url, []string{"127.0.0.11"}, 1, 451)
}

func TestBehindNginxWithoutTrustedProxies(t *testing.T) {
	srv, addr := serveNode(t, Config{})
	ng := nginxFor(t, addr)
	url := strings.Replace(ng.URL(), "http", "ws", 1) + "/v1/realtime"
	var open sessions
	defer open.closeAll()

	open.open(t, srv, url, addrs(2, 2), 25, 50)
	c, err := from("127.0.0.4").dial(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, c); code != 4004 {
		t.Fatalf("51st session, from a third address: closed with %d, want 4004 (every client is nginx)", code)
	}
	if n := srv.Limiter().IPConns(context.Background(), "127.0.0.1"); n != 50 {
		t.Fatalf("nginx's address holds %d, want all 50", n)
	}
}

// TestForgedForwardingHeaders: a client's own X-Forwarded-For names no
// one, whether it connects directly (an untrusted peer) or through nginx
// (which appends the real address, read first); the session's log lines
// carry the real address.
func TestForgedForwardingHeaders(t *testing.T) {
	var logs lockedBuffer
	srv, addr := serveNode(t, Config{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Logger:         slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	var open sessions
	defer open.closeAll()

	// Directly from 127.0.0.2: each session claims another address.
	direct := from("127.0.0.2")
	for i := range 50 {
		c, err := direct.dial(ctx, "ws://"+addr+"/v1/realtime", http.Header{
			"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i)}, "X-Real-Ip": {"198.51.100.200"}})
		if err != nil {
			t.Fatal(err)
		}
		open.add(c)
	}
	// The client's dial returns with the upgrade; the node counts the
	// session a moment later.
	waitFor(t, 10*time.Second, "50 sessions counted", func() bool { return srv.Sessions() == 50 })
	c, err := direct.dial(ctx, "ws://"+addr+"/v1/realtime", http.Header{"X-Forwarded-For": {"198.51.100.99"}})
	if err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, c); code != 4004 {
		t.Fatalf("51st direct session with a forged X-Forwarded-For: closed with %d, want 4004", code)
	}

	// Through nginx from 127.0.0.3, claiming to be 127.0.0.99 and even
	// the trusted proxy itself.
	ng := nginxFor(t, addr)
	url := strings.Replace(ng.URL(), "http", "ws", 1) + "/v1/realtime"
	for _, forged := range []string{"127.0.0.99", "127.0.0.1", "127.0.0.99, 127.0.0.1"} {
		c, err := from("127.0.0.3").dial(ctx, url, http.Header{"X-Forwarded-For": {forged}})
		if err != nil {
			t.Fatal(err)
		}
		open.add(c)
	}
	waitFor(t, 10*time.Second, "53 sessions counted", func() bool { return srv.Sessions() == 53 })
	if n := srv.Limiter().IPConns(ctx, "127.0.0.3"); n != 3 {
		t.Fatalf("127.0.0.3 holds %d, want its 3", n)
	}
	for _, a := range []string{"127.0.0.99", "127.0.0.1", "198.51.100.0", "198.51.100.200"} {
		if n := srv.Limiter().IPConns(ctx, a); n != 0 {
			t.Fatalf("forged address %s is counted %d times", a, n)
		}
	}
	open.closeAll()
	waitFor(t, 10*time.Second, "every session ended", func() bool { return srv.Sessions() == 0 })
	l := logs.String()
	if !strings.Contains(l, `"client":"127.0.0.3"`) || !strings.Contains(l, `"client":"127.0.0.2"`) {
		t.Fatalf("session logs lack the real client addresses:\n%.2000s", l)
	}
	for _, forged := range []string{"127.0.0.99", "198.51.100."} {
		if strings.Contains(l, forged) {
			t.Fatalf("a forged address %s reached the log", forged)
		}
	}
}

// TestSSEThroughNginxIsNotBuffered: the first SSE event of a long
// synthesis reaches a client through nginx while the node is still
// producing the rest (its request is not finished, so not yet counted).
func TestSSEThroughNginxIsNotBuffered(t *testing.T) {
	srv, addr := serveNode(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	key, _, err := srv.Store().CreateKey(context.Background(), "t", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	ng := nginxFor(t, addr)
	text := strings.Repeat("Streaming audio must reach the listener while the rest is still being made. ", 20)
	body, _ := json.Marshal(map[string]string{"text": text, "language": "English"})
	req, _ := http.NewRequest("POST", ng.URL()+"/v1/audio/speech/stream", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	defer http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	r := bufio.NewReaderSize(resp.Body, 1<<20)
	first := readEvent(t, r)
	if !strings.Contains(first, `"chunk"`) {
		t.Fatalf("first event is not audio: %.200s", first)
	}
	_, m := get(t, "http://"+addr+"/metrics")
	if strings.Contains(m, `route="POST /v1/audio/speech/stream"`) {
		t.Fatal("the first event arrived after the node had finished the request: nginx buffered the stream")
	}
	events := 1
	for {
		ev := readEvent(t, r)
		events++
		if strings.Contains(ev, `"done":true`) {
			break
		}
	}
	if events < 10 {
		t.Fatalf("%d events for %d characters", events, len(text))
	}
}

// readEvent returns the next "data:" line of an SSE stream.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		if strings.HasPrefix(line, "data:") {
			return line
		}
	}
}
