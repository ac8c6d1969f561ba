package realtime_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/protocol"
)

// The tests of this package come in two layers (see doc.go): the protocol
// tests, over fakes of the engines and the store (the default), and the
// end-to-end tests with the build tag e2e, over a whole node. What is in
// this file, a raw protocol client, serves both.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// client is a raw protocol client, so tests see exactly what is on the wire.
type client struct {
	t    *testing.T
	c    *websocket.Conn
	ctx  context.Context
	stop context.CancelFunc
}

// dialConfig tunes a test client's TCP connection.
type dialConfig struct {
	// rcvBuf sets SO_RCVBUF: a client that does not read then fills the
	// kernel's buffers after kilobytes, not megabytes, of audio.
	rcvBuf int
	// onConn receives the TCP connection, for tests that drop it.
	onConn func(net.Conn)
}

func dialURL(t *testing.T, url string, dc dialConfig) *client {
	t.Helper()
	d := &net.Dialer{}
	if dc.rcvBuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, dc.rcvBuf)
			})
			return errors.Join(err, serr)
		}
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil && dc.onConn != nil {
			dc.onConn(c)
		}
		return c, err
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		cancel()
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	cl := &client{t: t, c: c, ctx: ctx, stop: cancel}
	t.Cleanup(func() {
		_ = c.CloseNow()
		cancel()
	})
	return cl
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.MessageText, b)
}

func (c *client) sendRaw(typ websocket.MessageType, b []byte) {
	c.t.Helper()
	if err := c.c.Write(c.ctx, typ, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

type msg = map[string]any

// frame is one server frame: a decoded JSON message, or binary audio.
type frame struct {
	m      protocol.ServerMessage
	binary []byte
}

// next reads one frame; it fails the test on a close or timeout.
func (c *client) next() frame {
	c.t.Helper()
	f, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

func (c *client) read() (frame, error) {
	typ, b, err := c.c.Read(c.ctx)
	if err != nil {
		return frame{}, err
	}
	if typ == websocket.MessageBinary {
		return frame{binary: b}, nil
	}
	m, err := protocol.DecodeServer(b)
	if err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", b, err)
	}
	return frame{m: m}, nil
}

// expect reads frames until one of type typ, failing on anything in
// between other than those listed in skip.
func (c *client) expect(typ string, skip ...string) protocol.ServerMessage {
	c.t.Helper()
	for {
		f := c.next()
		if f.binary != nil {
			if contains(skip, "binary") {
				continue
			}
			c.t.Fatalf("got %d bytes of binary audio, want %q", len(f.binary), typ)
		}
		if f.m.Type == typ {
			return f.m
		}
		if !contains(skip, f.m.Type) {
			c.t.Fatalf("got %+v, want %q", f.m, typ)
		}
	}
}

// expectClose reads until the server closes, and checks the code. Messages
// before the close are returned.
func (c *client) expectClose(code protocol.CloseCode) []frame {
	c.t.Helper()
	var got []frame
	for {
		f, err := c.read()
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				c.t.Fatalf("connection ended without a close frame (want %d): %v", code, err)
			}
			if protocol.CloseCode(ce.Code) != code {
				c.t.Fatalf("closed with %d %q, want %d; frames before: %+v", ce.Code, ce.Reason, code, got)
			}
			return got
		}
		got = append(got, f)
	}
}

func (c *client) config(key string, extra msg) string {
	c.t.Helper()
	m := msg{"type": "config", "api_key": key}
	for k, v := range extra {
		m[k] = v
	}
	c.send(m)
	ack := c.expect(protocol.TypeConfigAck)
	if !strings.HasPrefix(ack.SessionID, "sess_") {
		c.t.Fatalf("config_ack session_id = %q", ack.SessionID)
	}
	return ack.SessionID
}

// generation is what one flushed generation delivered.
type generation struct {
	pcm    []byte
	chunks int
	done   protocol.Done
	other  []protocol.ServerMessage
}

// collect reads audio (JSON or binary) until done.
func (c *client) collect() generation {
	c.t.Helper()
	var g generation
	for {
		f := c.next()
		switch {
		case f.binary != nil:
			g.pcm = append(g.pcm, f.binary...)
			g.chunks++
		case f.m.Type == protocol.TypeAudio:
			if f.m.SampleRate != protocol.SampleRate || f.m.Format != protocol.Format {
				c.t.Fatalf("audio message fields %+v", f.m)
			}
			b, err := base64.StdEncoding.DecodeString(f.m.Chunk)
			if err != nil {
				c.t.Fatalf("audio chunk is not base64: %v", err)
			}
			g.pcm = append(g.pcm, b...)
			g.chunks++
		case f.m.Type == protocol.TypeDone:
			g.done = f.m.Done()
			return g
		default:
			g.other = append(g.other, f.m)
		}
	}
}

// speak sends text as small tokens, flushes and collects the generation.
func (c *client) speak(text string) generation {
	c.t.Helper()
	c.sendTokens(text, 4)
	c.send(msg{"type": "flush"})
	return c.collect()
}

func (c *client) sendTokens(text string, size int) {
	c.t.Helper()
	r := []rune(text)
	for i := 0; i < len(r); i += size {
		c.send(msg{"type": "text", "text": string(r[i:min(i+size, len(r))])})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkAudio checks that generation g is plausible speech for text.
func checkAudio(t *testing.T, g generation, text string) {
	t.Helper()
	if len(g.pcm)%2 != 0 {
		t.Fatalf("odd PCM byte count %d", len(g.pcm))
	}
	if g.done.TotalChunks != g.chunks {
		t.Errorf("done.total_chunks = %d, received %d chunks", g.done.TotalChunks, g.chunks)
	}
	ms := int64(len(g.pcm)) * 1000 / (2 * protocol.SampleRate)
	if d := g.done.AudioDurationMS - ms; d < -1 || d > 1 {
		t.Errorf("done.audio_duration_ms = %d, received %d ms", g.done.AudioDurationMS, ms)
	}
	words := len(strings.Fields(text))
	// Natural speech runs at about 2-4 words a second.
	if lo, hi := int64(words)*150, int64(words)*900+800; ms < lo || ms > hi {
		t.Errorf("%d ms of audio for %d words, want %d..%d", ms, words, lo, hi)
	}
	if g.done.Characters != len([]rune(text)) {
		t.Errorf("done.characters = %d, want %d", g.done.Characters, len([]rune(text)))
	}
	if g.done.FirstChunkLatencyMS < 0 || g.done.FirstChunkLatencyMS > g.done.DurationMS {
		t.Errorf("done.first_chunk_latency_ms = %d, duration_ms = %d", g.done.FirstChunkLatencyMS, g.done.DurationMS)
	}
	if rms := pcmRMS(g.pcm); rms < 300 {
		t.Errorf("audio RMS %.0f: silent", rms)
	}
}

func pcmRMS(b []byte) float64 {
	var sum float64
	n := len(b) / 2
	for i := 0; i < n; i++ {
		v := float64(int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8))
		sum += v * v
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counter reads a labelled counter of m.
func counter(t *testing.T, m *metrics.Metrics, name, code string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "code" && l.GetValue() == code {
					return mt.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// rawFrames reads every frame of a generation as sent, JSON undecoded.
func rawFrames(t *testing.T, c *client) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		typ, b, err := c.c.Read(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ == websocket.MessageBinary {
			out = append(out, append([]byte("binary:"), b...))
			continue
		}
		out = append(out, b)
		var m struct{ Type string }
		_ = json.Unmarshal(b, &m)
		if m.Type == protocol.TypeDone {
			return out
		}
	}
}

func keysOf(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
