package agent_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/server"
)

// from dials WebSockets from the loopback address ip (any of 127.0.0.0/8
// works on Linux), so that a test can be several clients.
func from(ip string) *websocket.DialOptions {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}}
}

// dialWS opens url with opts; it returns the connection, or nil and the
// HTTP status of a refused upgrade.
func dialWS(t *testing.T, url string, opts *websocket.DialOptions) (*websocket.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		if resp == nil {
			t.Fatal(err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { c.CloseNow() })
	return c, http.StatusSwitchingProtocols
}

// closeCode reads c until it is closed and returns the close code.
func closeCode(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func sendStart(t *testing.T, c *websocket.Conn, key string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"type": "start", "api_key": key, "input_sample_rate": 16000, "language": "English"})
	if err := c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// waitReady reads c until the session is ready.
func waitReady(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no ready: %v", err)
		}
		if typ == websocket.MessageText && strings.Contains(string(b), `"type":"ready"`) {
			return
		}
	}
}

// TestAgentKeylessSocketsHoldNoPlace opens more sockets without a key than
// the server has agent places, and keeps them open: a user with a key
// must still get a session, since a place is taken only by a start with a
// valid key.
func TestAgentKeylessSocketsHoldNoPlace(t *testing.T) {
	const places, keyless = 5, 60
	base, key := startNode(t, "", func(c *server.Config) {
		c.Agent.MaxSessions = places
		c.Agent.StartTimeout = time.Minute // they stay for the whole test
		c.Limits.MaxConnsPerIP = 2 * keyless
	})
	url := strings.Replace(base, "http", "ws", 1) + "/v1/agent"
	for i := range keyless {
		if _, code := dialWS(t, url, from("127.0.0.2")); code != http.StatusSwitchingProtocols {
			t.Fatalf("keyless socket %d: %d", i+1, code)
		}
	}
	// Some send a start with a wrong key; they are closed and take nothing.
	for range 3 {
		c, _ := dialWS(t, url, from("127.0.0.2"))
		sendStart(t, c, "pk_nope_nope")
		if code := closeCode(t, c); code != 4002 {
			t.Fatalf("wrong key closed with %d, want 4002", code)
		}
	}
	for i := range places {
		c, code := dialWS(t, url, from("127.0.0.1"))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("keyed user %d after %d keyless sockets: %d", i+1, keyless, code)
		}
		sendStart(t, c, key)
		waitReady(t, c)
	}
	// Now the places are all taken, by sessions with a key.
	if _, code := dialWS(t, url, from("127.0.0.1")); code != http.StatusServiceUnavailable {
		t.Fatalf("a session beyond %d places: %d, want 503", places, code)
	}
}

// TestAgentAdmission checks what is refused before a session starts (a
// page on a foreign origin, 403, since browsers open WebSockets across
// origins without asking; a session when every place is taken, 503) and
// at its start (a place taken meanwhile: 4006), while the server's own
// origin and listed ones pass.
func TestAgentAdmission(t *testing.T) {
	base, key := startNode(t, "", func(c *server.Config) {
		c.Agent.MaxSessions = 2
		c.AllowedOrigins = []string{"https://app.example"}
	})
	url := strings.Replace(base, "http", "ws", 1) + "/v1/agent"
	withOrigin := func(origin string) *websocket.DialOptions {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return &websocket.DialOptions{HTTPHeader: h}
	}
	if _, code := dialWS(t, url, withOrigin("https://evil.example")); code != http.StatusForbidden {
		t.Fatalf("foreign origin: %d, want 403", code)
	}
	late, code := dialWS(t, url, withOrigin(""))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("a socket while places are free: %d", code)
	}
	own, code := dialWS(t, url, withOrigin(base))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("the server's own origin: %d, want 101", code)
	}
	sendStart(t, own, key)
	waitReady(t, own)
	app, code := dialWS(t, url, withOrigin("https://app.example"))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("allowed origin: %d, want 101", code)
	}
	sendStart(t, app, key)
	waitReady(t, app)
	if _, code := dialWS(t, url, withOrigin("")); code != http.StatusServiceUnavailable {
		t.Fatalf("third session with MaxSessions 2: %d, want 503", code)
	}
	// The socket opened before the places were taken finds none at its
	// start.
	sendStart(t, late, key)
	if code := closeCode(t, late); code != 4006 {
		t.Fatalf("start with every place taken: closed with %d, want 4006", code)
	}
	// A session that ends gives its place back.
	own.CloseNow()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, code := dialWS(t, url, withOrigin(""))
		if code == http.StatusSwitchingProtocols {
			sendStart(t, c, key)
			waitReady(t, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after a session ended: %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAgentPerAddressLimit checks that /v1/agent counts connections per
// client address with /v1/realtime's limiter and limit, refusing the
// upgrade beyond it with 429, and that a socket without a key holds its
// count only for StartTimeout.
func TestAgentPerAddressLimit(t *testing.T) {
	const limit = 3
	base, key := startNode(t, "", func(c *server.Config) {
		c.Limits.MaxConnsPerIP = limit
		c.Agent.StartTimeout = 3 * time.Second
	})
	ws := strings.Replace(base, "http", "ws", 1)
	var held []*websocket.Conn
	for i := range limit {
		c, code := dialWS(t, ws+"/v1/agent", from("127.0.0.2"))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("socket %d of %d: %d", i+1, limit, code)
		}
		held = append(held, c)
	}
	if _, code := dialWS(t, ws+"/v1/agent", from("127.0.0.2")); code != http.StatusTooManyRequests {
		t.Fatalf("agent socket beyond the address's limit: %d, want 429", code)
	}
	// The count is the realtime endpoint's too.
	rt, code := dialWS(t, ws+"/v1/realtime", from("127.0.0.2"))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("realtime upgrade: %d", code)
	}
	if code := closeCode(t, rt); code != 4004 {
		t.Fatalf("realtime socket beyond the address's limit: closed with %d, want 4004", code)
	}
	// Another address is not limited by this one.
	other, code := dialWS(t, ws+"/v1/agent", from("127.0.0.1"))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("another address: %d", code)
	}
	sendStart(t, other, key)
	waitReady(t, other)
	// Sockets that never send start are closed with 4001 after
	// StartTimeout, and their address may connect again.
	for _, c := range held {
		if code := closeCode(t, c); code != 4001 {
			t.Fatalf("silent socket closed with %d, want 4001", code)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, code := dialWS(t, ws+"/v1/agent", from("127.0.0.2"))
		if code == http.StatusSwitchingProtocols {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the address still refused after its sockets were closed: %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
