package realtime_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/realtime"
)

// faultEngine wraps an engine (the real ones, or a fake). A segment with one of its trigger
// words fails ("kaboom"), panics ("panicky"), hangs ignoring ctx until
// the test ends ("frozen"), or takes 20 s before it speaks, watching ctx
// ("glacial"); every call and chunk is counted.
type faultEngine struct {
	engine.Synthesizer
	release chan struct{} // closed at the end of the test: hung calls return
	once    sync.Once
	active  atomic.Int64 // calls in progress
	hung    atomic.Int64 // calls hanging now
	chunks  atomic.Int64 // chunks emitted
}

func (f *faultEngine) Synthesize(ctx context.Context, seg engine.Segment, v engine.Voice, emit func([]int16) error) error {
	f.active.Add(1)
	defer f.active.Add(-1)
	switch {
	case strings.Contains(seg.Text, "kaboom"):
		return errors.New("test engine failure")
	case strings.Contains(seg.Text, "panicky"):
		panic("test engine panic")
	case strings.Contains(seg.Text, "frozen"):
		f.hung.Add(1)
		defer f.hung.Add(-1)
		<-f.release
		return emit(make([]int16, 480)) // too late: must not be heard
	case strings.Contains(seg.Text, "glacial"):
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Second):
		}
	}
	return f.Synthesizer.Synthesize(ctx, seg, v, func(pcm []int16) error {
		f.chunks.Add(1)
		return emit(pcm)
	})
}

func (f *faultEngine) unblock() { f.once.Do(func() { close(f.release) }) }

// engineHarness is a node whose engine, a faultEngine around base, fails
// on the faults' trigger words.
type engineHarness struct {
	*node
	eng *faultEngine
}

func newEngineHarness(t *testing.T, cfg realtime.Config, base engine.Synthesizer) *engineHarness {
	t.Helper()
	eng := &faultEngine{Synthesizer: base, release: make(chan struct{})}
	h := &engineHarness{node: newNode(t, func(nc *nodeConfig) {
		nc.realtime = cfg
		nc.engine = eng
	}), eng: eng}
	// Before the node's shutdown (cleanups run last first): hung calls
	// return.
	t.Cleanup(eng.unblock)
	return h
}

// engineFaults: a segment whose engine fails, panics or hangs costs that
// segment (an error 4005 in the generation), not the session nor another.
func engineFaults(t *testing.T, base engine.Synthesizer) {
	cfg := realtime.DefaultConfig()
	// Long enough for a good segment on a loaded machine under -race.
	cfg.SegmentTimeout = 2 * time.Second
	h := newEngineHarness(t, cfg, base)
	other := h.dial(t)
	other.config(h.key, msg{"language": "English"})
	cases := []struct {
		name, text, message string
	}{
		{"error", "The engine fails on this kaboom segment.", "synthesis failed for a segment"},
		{"panic", "The engine panics on this panicky segment.", "synthesis failed for a segment"},
		{"hang", "The engine hangs on this frozen segment.", "synthesis timed out for a segment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.dial(t)
			c.config(h.key, msg{"language": "English"})
			// The faulty segment, then a good one, in one generation.
			c.sendTokens(tc.text+" "+sentence, 8)
			c.send(msg{"type": "flush"})
			// Another session meanwhile is not affected.
			checkAudio(t, other.speak(sentence), sentence)
			g := c.collect()
			if len(g.other) != 1 || g.other[0].Type != protocol.TypeError || g.other[0].Code != 4005 || g.other[0].Message != tc.message {
				t.Fatalf("messages in the generation: %+v, want one error 4005 %q", g.other, tc.message)
			}
			// Only the good segment was heard, all of it.
			ms := int64(len(g.pcm)) * 1000 / (2 * protocol.SampleRate)
			if words := int64(len(strings.Fields(sentence))); ms < words*150 || ms > words*900 {
				t.Fatalf("%d ms of audio for the good segment of %d words", ms, words)
			}
			if g.done.Characters != len(tc.text+" "+sentence) {
				t.Fatalf("done.characters = %d", g.done.Characters)
			}
			// The session goes on.
			checkAudio(t, c.speak(sentence), sentence)
		})
	}
	if n := h.eng.hung.Load(); n != 1 {
		t.Fatalf("%d engine calls hanging, want the 1 the test started (abandoned, not waited for)", n)
	}
}

// proxy forwards TCP connections to a target until frozen: then it stops
// forwarding, in both directions, without closing anything, like a client
// whose network went away.
type proxy struct {
	ln     net.Listener
	target string
	frozen atomic.Bool
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, done: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pump(up, down)
		go p.pump(down, up)
	}
}

func (p *proxy) pump(dst io.Writer, src io.Reader) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.frozen.Load() {
			<-p.done
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// vanishedClientStopsSynthesis drops a client in the middle of a long
// generation: the engine must stop, the session end, and nothing leak.
func vanishedClientStopsSynthesis(t *testing.T, base engine.Synthesizer) {
	cfg := realtime.DefaultConfig()
	cfg.PingInterval = 500 * time.Millisecond
	cfg.MaxQueuedAudio = 10 * time.Minute // only the vanishing ends the session
	h := newEngineHarness(t, cfg, base)
	long := strings.Repeat("This long passage keeps the engine busy for minutes if nobody stops it. ", 40)
	cases := []struct {
		name   string
		silent bool // no FIN, no RST: only keepalive can tell
		drop   func(net.Conn)
		within time.Duration
	}{
		{"FIN", false, func(c net.Conn) { c.Close() }, 2 * time.Second},
		{"RST", false, func(c net.Conn) {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, 2 * time.Second},
		// Two ping intervals, and slack for a loaded machine.
		{"silent", true, nil, 4 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := h.url
			var p *proxy
			if tc.silent {
				p = newProxy(t, strings.TrimSuffix(strings.TrimPrefix(h.url, "ws://"), "/v1/realtime"))
				url = "ws://" + p.ln.Addr().String() + "/v1/realtime"
			}
			var tcp net.Conn
			c := dialURL(t, url, dialConfig{onConn: func(nc net.Conn) { tcp = nc }})
			c.config(h.key, msg{"language": "English"})
			c.send(msg{"type": "binary_mode"})
			c.expect(protocol.TypeBinaryModeAck)
			c.send(msg{"type": "text", "text": long})
			c.send(msg{"type": "flush"})
			for i := 0; i < 5; i++ {
				if f := c.next(); f.binary == nil {
					t.Fatalf("want audio, got %+v", f.m)
				}
			}
			if h.eng.active.Load() == 0 {
				t.Fatal("the engine is not busy: the test cannot tell whether it stops")
			}
			before := h.eng.chunks.Load()
			dropped := time.Now()
			if tc.silent {
				p.frozen.Store(true)
			} else {
				tc.drop(tcp)
			}
			deadline := dropped.Add(tc.within)
			for h.rt.Sessions() != 0 || h.eng.active.Load() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%v after the drop: %d sessions, %d engine calls busy", tc.within, h.rt.Sessions(), h.eng.active.Load())
				}
				time.Sleep(5 * time.Millisecond)
			}
			after := h.eng.chunks.Load() - before
			t.Logf("session and synthesis ended %v after the drop; %d chunks were synthesised meanwhile",
				time.Since(dropped).Round(time.Millisecond), after)
			// The passage is over 1,500 chunks of audio: an engine that
			// went on would make hundreds more within the bound.
			if !tc.silent && after > 50 {
				t.Fatalf("%d chunks synthesised after the client vanished", after)
			}
		})
	}
}

// shutdownWithABusySession: a session whose speaker is stuck on a slow
// segment with a full job queue behind it must not hold Shutdown past its
// deadline, nor keep the other sessions from draining. Shutdown used to
// drain sessions one after another, each under its lock, and the busy
// session's reader held that lock while it waited for room in the full
// queue, for as long as the speaker took.
func shutdownWithABusySession(t *testing.T, base engine.Synthesizer) {
	h := newEngineHarness(t, realtime.DefaultConfig(), base)
	busy := h.dial(t)
	busy.config(h.key, msg{"language": "English"})
	calm := h.dial(t)
	calm.config(h.key, msg{"language": "English"})
	// The busy client reads everything, so it is never a slow client. Its
	// speaker is stuck on a slow segment, and its flushes fill the job
	// queue behind it.
	var readerDone sync.WaitGroup
	readerDone.Add(1)
	go func() {
		defer readerDone.Done()
		for {
			if _, err := busy.read(); err != nil {
				return
			}
		}
	}()
	busy.send(msg{"type": "text", "text": "A glacial segment."})
	busy.send(msg{"type": "flush"})
	for range 400 {
		busy.send(msg{"type": "flush"})
	}
	// The calm session has a generation under way, not flushed.
	calm.send(msg{"type": "text", "text": "This sentence is spoken before the server goes away. And this one as it"})
	calm.expect(protocol.TypeAudio)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- h.rt.Shutdown(ctx) }()
	// The calm session is drained at once: its text is spoken, done, 1001.
	g := calm.collect()
	if len(g.pcm) == 0 {
		t.Fatal("the calm session's text was not spoken before the shutdown")
	}
	calm.expectClose(protocol.CloseGoingAway)
	select {
	case err := <-errc:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want the deadline exceeded by the busy session", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Shutdown still running %v after its 1 s deadline", time.Since(start))
	}
	readerDone.Wait()
}
