package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stallers keep Config.Stallers streamed requests of Config.StallKey open
// for the whole run, each of which never reads its answer: the hostile
// clients that must not slow anyone else down (issue 14). Each holds its
// request for StallHold, then replaces it with a new one, so that the
// server always has that many stalled answers, whatever it does with a
// client that takes nothing.
type stallers struct {
	cfg    Config
	addr   string // host:port of the server
	text   string
	opened atomic.Int64
	failed atomic.Int64
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// startStallers starts the stallers; stop ends them and waits.
func startStallers(ctx context.Context, cfg Config, text string) (*stallers, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "https" || u.Scheme == "wss" {
		return nil, fmt.Errorf("%w: stalled requests are plain HTTP only", ErrInvalidConfig)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &stallers{cfg: cfg, addr: addr, text: text, cancel: cancel}
	for range cfg.Stallers {
		s.wg.Go(func() { s.loop(ctx) })
	}
	return s, nil
}

func (s *stallers) stop() {
	s.cancel()
	s.wg.Wait()
}

func (s *stallers) loop(ctx context.Context) {
	for ctx.Err() == nil {
		conn, err := s.open(ctx)
		if err != nil {
			s.failed.Add(1)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		s.opened.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(s.cfg.StallHold):
		}
		conn.Close()
	}
}

// open sends one SSE request on a connection with a small receive buffer,
// whose answer nobody will read.
func (s *stallers) open(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: s.cfg.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	body, err := json.Marshal(map[string]string{"text": s.text, "voice_description": s.cfg.VoiceDescription})
	if err != nil {
		conn.Close()
		return nil, err
	}
	req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		pathStream, s.addr, s.cfg.StallKey, len(body), body)
	_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.ConnectTimeout))
	if _, err := strings.NewReader(req).WriteTo(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
