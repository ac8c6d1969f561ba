package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// testServer speaks the server side of the realtime protocol, enough to
// exercise every client path, and checks what the client sends: config
// first with the right key, then only valid client messages (decoded by
// protocol.DecodeClient, as the real server does). It speaks on flush
// only, with synth as its voice.
type testServer struct {
	opts serverOpts
	fail func(format string, args ...any) // a protocol violation by the client
	srv  *httptest.Server
	stop chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns []*serverConn
	live  map[*websocket.Conn]bool
}

// abrupt, as a close code, drops the TCP connection without a close frame.
const abrupt protocol.CloseCode = -1

type serverOpts struct {
	key        string        // the only key accepted; testKey by default
	chunkBytes int           // PCM bytes per audio chunk; 960 (20 ms) by default
	chunkDelay time.Duration // pause after each chunk, so that clear can cut in
	// reject closes connection n (from 1) with the code instead of acking
	// its config; 0 accepts.
	reject func(n int) protocol.CloseCode
	// noAck reads connection n's config and never answers.
	noAck func(n int) bool
	// deaf stops reading connection n after the ack, so pings go
	// unanswered.
	deaf func(n int) bool
	// onMessage sees every message after config; a non-zero code closes
	// the connection with it instead of handling the message.
	onMessage func(n int, m protocol.ClientMessage) protocol.CloseCode
	// drop is consulted after every audio chunk sent on connection n; a
	// non-zero code closes the connection with it.
	drop func(n, chunks int) protocol.CloseCode
}

const testKey = "test-key"

// serverConn records one connection as the server saw it.
type serverConn struct {
	n      int
	header http.Header // of the upgrade request
	mu     sync.Mutex
	config protocol.Config
	msgs   []protocol.ClientMessage // after config
	// clientClose is the close code the client sent; -1 until the
	// connection ended, and if it ended without one.
	clientClose websocket.StatusCode
	ended       chan struct{}
	binary      atomic.Bool
	dones       atomic.Int64
	pings       atomic.Int64 // WebSocket pings received
}

func newTestServer(opts serverOpts, fail func(string, ...any)) *testServer {
	if opts.key == "" {
		opts.key = testKey
	}
	if opts.chunkBytes == 0 {
		opts.chunkBytes = 960
	}
	s := &testServer{opts: opts, fail: fail, stop: make(chan struct{}), live: map[*websocket.Conn]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/realtime", s.handle)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the realtime endpoint.
func (s *testServer) URL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/v1/realtime"
}

// Close stops the server and waits for its handlers.
func (s *testServer) Close() {
	// After this no handler starts, and every running one has called
	// wg.Add: httptest waits for handlers until they hijack.
	s.srv.Close()
	close(s.stop)
	s.mu.Lock()
	for ws := range s.live {
		ws.CloseNow()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// conn returns connection n (from 1), or nil.
func (s *testServer) conn(n int) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.conns) {
		return nil
	}
	return s.conns[n-1]
}

func (s *testServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (sc *serverConn) messages() []protocol.ClientMessage {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]protocol.ClientMessage(nil), sc.msgs...)
}

func (s *testServer) handle(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	sc := &serverConn{header: r.Header.Clone(), clientClose: -1, ended: make(chan struct{})}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			sc.pings.Add(1)
			return true
		},
	})
	if err != nil {
		s.fail("test server: accept: %v", err)
		return
	}
	s.mu.Lock()
	sc.n = len(s.conns) + 1
	s.conns = append(s.conns, sc)
	s.live[ws] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.live, ws)
		s.mu.Unlock()
		ws.CloseNow()
		close(sc.ended)
	}()
	s.session(ws, sc)
}

// read returns the next client message, failing the test on anything the
// protocol forbids.
func (s *testServer) read(ws *websocket.Conn, sc *serverConn) (protocol.ClientMessage, bool) {
	typ, data, err := ws.Read(context.Background())
	if err != nil {
		sc.mu.Lock()
		sc.clientClose = websocket.CloseStatus(err)
		sc.mu.Unlock()
		return protocol.ClientMessage{}, false
	}
	if typ != websocket.MessageText {
		s.fail("test server: client sent a binary frame")
		ws.Close(websocket.StatusCode(protocol.CloseInvalid), protocol.ErrBinaryFrame.Message)
		return protocol.ClientMessage{}, false
	}
	m, err := protocol.DecodeClient(data)
	if err != nil {
		s.fail("test server: invalid client message %s: %v", data, err)
		ws.Close(websocket.StatusCode(protocol.CloseInvalid), "invalid message")
		return protocol.ClientMessage{}, false
	}
	return m, true
}

func (s *testServer) write(ws *websocket.Conn, v any) error {
	return ws.Write(context.Background(), websocket.MessageText, protocol.Marshal(v))
}

func closeWith(ws *websocket.Conn, code protocol.CloseCode) {
	if code == abrupt {
		ws.CloseNow()
		return
	}
	ws.Close(websocket.StatusCode(code), code.String())
}

type job struct {
	text  string
	epoch int64
	clear bool
}

func (s *testServer) session(ws *websocket.Conn, sc *serverConn) {
	ws.SetReadLimit(protocol.MaxFrameBytes)
	m, ok := s.read(ws, sc)
	if !ok {
		return
	}
	if m.Type != protocol.TypeConfig {
		s.fail("test server: first message is %q, want config", m.Type)
		closeWith(ws, protocol.CloseInvalid)
		return
	}
	sc.mu.Lock()
	sc.config = m.Config
	sc.mu.Unlock()
	if m.Config.APIKey != s.opts.key {
		s.write(ws, protocol.NewErrorMessage(protocol.ErrAuthFailed))
		closeWith(ws, protocol.CloseAuthFailed)
		return
	}
	if s.opts.reject != nil {
		if code := s.opts.reject(sc.n); code != 0 {
			closeWith(ws, code)
			return
		}
	}
	if s.opts.noAck != nil && s.opts.noAck(sc.n) {
		for {
			if _, ok := s.read(ws, sc); !ok {
				return
			}
		}
	}
	s.write(ws, protocol.ConfigAck{Type: protocol.TypeConfigAck, SessionID: fmt.Sprintf("session-%d", sc.n)})
	if s.opts.deaf != nil && s.opts.deaf(sc.n) {
		<-s.stop
		return
	}

	var epoch atomic.Int64
	jobs := make(chan job, 64)
	spoke := make(chan struct{})
	go func() {
		defer close(spoke)
		s.speak(ws, sc, jobs, &epoch)
	}()
	defer func() {
		close(jobs)
		<-spoke
	}()

	var buf strings.Builder
	for {
		m, ok := s.read(ws, sc)
		if !ok {
			return
		}
		sc.mu.Lock()
		sc.msgs = append(sc.msgs, m)
		sc.mu.Unlock()
		if s.opts.onMessage != nil {
			if code := s.opts.onMessage(sc.n, m); code != 0 {
				closeWith(ws, code)
				return
			}
		}
		switch m.Type {
		case protocol.TypeConfig:
			s.fail("test server: second config")
			closeWith(ws, protocol.CloseInvalid)
			return
		case protocol.TypeText:
			if utf8.RuneCountInString(buf.String())+utf8.RuneCountInString(m.Text) > protocol.MaxBufferChars {
				s.write(ws, protocol.NewErrorMessage(protocol.ErrBufferOverflow))
				continue
			}
			buf.WriteString(m.Text)
		case protocol.TypeFlush:
			// Like Parley, every flush gets a done, an empty one too.
			jobs <- job{text: buf.String(), epoch: epoch.Load()}
			buf.Reset()
		case protocol.TypeClear:
			buf.Reset()
			epoch.Add(1)
			jobs <- job{clear: true}
		case protocol.TypeBinaryMode:
			sc.binary.Store(true)
			s.write(ws, protocol.BinaryModeAck{Type: protocol.TypeBinaryModeAck, SampleRate: protocol.SampleRate, Format: protocol.Format})
		case protocol.TypePing:
			s.write(ws, struct {
				Type string `json:"type"`
			}{protocol.TypePong})
		}
	}
}

// speak runs the generations in order. A clear bumps the epoch: the
// generation in progress stops between chunks and gets no done, and the
// cleared answer follows its last audio.
func (s *testServer) speak(ws *websocket.Conn, sc *serverConn, jobs <-chan job, epoch *atomic.Int64) {
	dropped := false
	for j := range jobs {
		if dropped {
			continue
		}
		if j.clear {
			s.write(ws, struct {
				Type string `json:"type"`
			}{protocol.TypeCleared})
			continue
		}
		if j.epoch != epoch.Load() {
			continue
		}
		start := time.Now()
		var firstChunk time.Duration
		pcm := synth(j.text)
		chunks := 0
		for off := 0; off < len(pcm) && j.epoch == epoch.Load(); off += s.opts.chunkBytes {
			chunk := pcm[off:min(off+s.opts.chunkBytes, len(pcm))]
			var err error
			if sc.binary.Load() {
				err = ws.Write(context.Background(), websocket.MessageBinary, chunk)
			} else {
				err = ws.Write(context.Background(), websocket.MessageText, protocol.AppendAudioJSON(nil, chunk))
			}
			if err != nil {
				dropped = true
				break
			}
			if chunks == 0 {
				firstChunk = time.Since(start)
			}
			chunks++
			if s.opts.drop != nil {
				if code := s.opts.drop(sc.n, chunks); code != 0 {
					closeWith(ws, code)
					dropped = true
					break
				}
			}
			if s.opts.chunkDelay > 0 {
				time.Sleep(s.opts.chunkDelay)
			}
		}
		if dropped || j.epoch != epoch.Load() {
			continue
		}
		s.write(ws, protocol.Done{
			Type:                protocol.TypeDone,
			TotalChunks:         chunks,
			DurationMS:          time.Since(start).Milliseconds(),
			FirstChunkLatencyMS: firstChunk.Milliseconds(),
			AudioDurationMS:     int64(len(pcm) / 2 * 1000 / protocol.SampleRate),
			Characters:          utf8.RuneCountInString(j.text),
		})
		sc.dones.Add(1)
	}
}

// synth is the test server's voice: 10 ms of a sine per character, its
// pitch set by the character, so that different texts give different
// audio and any lost, repeated or reordered chunk shows.
func synth(text string) []byte {
	const perRune = protocol.SampleRate / 100
	var pcm []byte
	i := 0
	for _, r := range text {
		f := 200 + float64(r%64)*15
		for range perRune {
			v := int16(8000 * math.Sin(2*math.Pi*f*float64(i)/protocol.SampleRate))
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(v))
			i++
		}
	}
	return pcm
}

// violations collects protocol violations where there is no testing.T.
type violations struct {
	mu   sync.Mutex
	errs []error
}

func (v *violations) add(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *violations) err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return errors.Join(v.errs...)
}
