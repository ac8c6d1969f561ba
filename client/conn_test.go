package client

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

func TestModesGiveIdenticalPCM(t *testing.T) {
	const text = "Hello, world. Parley speaks the murmr protocol."
	want := synth(text)
	wantChunks := (len(want) + 959) / 960
	got := map[bool][]byte{}
	for _, binary := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "binary"}[binary], func(t *testing.T) {
			s := newServer(t, serverOpts{})
			cfg, _ := testConfig(s)
			cfg.BinaryMode = binary
			cfg.Language = "english"
			cfg.VoiceDescription = "a calm voice"
			c := dial(t, cfg)
			if err := c.SendText(t.Context(), text); err != nil {
				t.Fatal(err)
			}
			if err := c.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			evs := collectUntil(t, c, isDone)
			audio := only[*Audio](evs)
			if len(audio) != wantChunks {
				t.Errorf("%d audio events, want %d", len(audio), wantChunks)
			}
			pcm := audioOf(evs, 1)
			if !bytes.Equal(pcm, want) {
				t.Errorf("PCM differs from what the server synthesised: %d bytes, want %d", len(pcm), len(want))
			}
			done := evs[len(evs)-1].(*Done)
			if done.Generation != 1 || done.TotalChunks != wantChunks || done.Characters != utf8.RuneCountInString(text) {
				t.Errorf("done = %+v, want generation 1, %d chunks, %d characters", done, wantChunks, len(text))
			}
			sc := s.conn(1)
			if sc.binary.Load() != binary {
				t.Errorf("server in binary mode: %v, want %v", sc.binary.Load(), binary)
			}
			wantCfg := protocol.Config{APIKey: testKey, VoiceDescription: "a calm voice", Language: "English"}
			if !reflect.DeepEqual(sc.config, wantCfg) {
				t.Errorf("server got config %+v, want %+v", sc.config, wantCfg)
			}
			got[binary] = pcm
		})
	}
	if !bytes.Equal(got[false], got[true]) {
		t.Error("JSON and binary modes gave different PCM")
	}
}

func TestGenerations(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	ctx := t.Context()
	if c.SessionID() != "session-1" {
		t.Errorf("SessionID = %q, want session-1", c.SessionID())
	}
	// Two generations pipelined before reading anything, the second sent
	// in tokens, then a flush with nothing buffered, which starts none.
	steps := []func() error{
		func() error { return c.SendText(ctx, "One. ") },
		func() error { return c.Flush(ctx) },
		func() error { return c.SendText(ctx, "Tw") },
		func() error { return c.SendText(ctx, "") },
		func() error { return c.SendText(ctx, "o, three.") },
		func() error { return c.Flush(ctx) },
		func() error { return c.Flush(ctx) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	dones := 0
	evs := collectUntil(t, c, func(ev Event) bool {
		if isDone(ev) {
			dones++
		}
		return dones == 2
	})
	for gen, text := range map[int]string{1: "One. ", 2: "Two, three."} {
		if !bytes.Equal(audioOf(evs, gen), synth(text)) {
			t.Errorf("generation %d: audio is not that of %q", gen, text)
		}
	}
	if ds := only[*Done](evs); ds[0].Generation != 1 || ds[1].Generation != 2 {
		t.Errorf("done generations %d, %d; want 1, 2", ds[0].Generation, ds[1].Generation)
	}
	// Speak numbers on from there.
	for i, text := range []string{"Third.", "Fourth one."} {
		pcm, done, err := speak(t, c, text)
		if err != nil {
			t.Fatalf("Speak %q: %v", text, err)
		}
		if !bytes.Equal(pcm, synth(text)) {
			t.Errorf("Speak %q: wrong audio", text)
		}
		if done.Characters != len(text) {
			t.Errorf("Speak %q: done.Characters = %d", text, done.Characters)
		}
		if pending := c.pendingGens(); len(pending) != 0 {
			t.Errorf("after generation %d, still pending for replay: %v", 3+i, pending)
		}
	}
	// The server saw the text exactly as sent; the empty text never left.
	var texts []string
	for _, m := range s.conn(1).messages() {
		if m.Type == protocol.TypeText {
			texts = append(texts, m.Text)
		}
	}
	if want := []string{"One. ", "Tw", "o, three.", "Third.", "Fourth one."}; !slices.Equal(texts, want) {
		t.Errorf("server got texts %q, want %q", texts, want)
	}
}

// pendingGens lists the generations kept for replay.
func (c *Conn) pendingGens() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int
	for _, p := range c.pending {
		ids = append(ids, p.id)
	}
	return ids
}

func TestClear(t *testing.T) {
	s := newServer(t, serverOpts{chunkDelay: 5 * time.Millisecond})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	ctx := t.Context()
	// 800 characters take 2 s to send, far longer than the clear takes.
	long := strings.Repeat("A long answer that the user interrupts. ", 20)
	if err := c.SendText(ctx, long); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs := collectUntil(t, c, is[*Audio])
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	evs = append(evs, collectUntil(t, c, is[*Cleared])...)
	if n := len(only[*Done](evs)); n != 0 {
		t.Errorf("%d done events for a cleared generation", n)
	}
	if cl := evs[len(evs)-1].(*Cleared); cl.Generation != 1 {
		t.Errorf("Cleared.Generation = %d, want 1", cl.Generation)
	}
	heard, full := audioOf(evs, 1), synth(long)
	if len(heard) >= len(full) || !bytes.HasPrefix(full, heard) {
		t.Errorf("got %d of %d bytes before cleared; want a strict prefix", len(heard), len(full))
	}
	if len(c.pendingGens()) != 0 {
		t.Errorf("cleared text still pending for replay: %v", c.pendingGens())
	}
	pcm, _, err := speak(t, c, "Go on.")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pcm, synth("Go on.")) {
		t.Error("the generation after clear has the wrong audio")
	}
}

func TestServerErrorEvent(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	ctx := t.Context()
	// The second text would overflow the server's buffer: it is refused
	// with an error, the first is kept, and the session goes on.
	if err := c.SendText(ctx, "Hello. "); err != nil {
		t.Fatal(err)
	}
	if err := c.SendText(ctx, strings.Repeat("x", protocol.MaxBufferChars-3)); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs := collectUntil(t, c, isDone)
	errs := only[*ErrorEvent](evs)
	if len(errs) != 1 || errs[0].Code != int(protocol.CloseInvalid) || errs[0].Message != "buffer overflow" || errs[0].Generation != 1 {
		t.Fatalf("error events %+v, want one buffer overflow (4003) in generation 1", errs)
	}
	if done := evs[len(evs)-1].(*Done); done.Characters != len("Hello. ") {
		t.Errorf("done.Characters = %d, want %d", done.Characters, len("Hello. "))
	}
	if !bytes.Equal(audioOf(evs, 1), synth("Hello. ")) {
		t.Error("audio is not that of the kept text")
	}
	// Speak reports the server's error with the audio of what was kept.
	if err := c.SendText(ctx, "Kept. "); err != nil {
		t.Fatal(err)
	}
	pcm, _, err := speak(t, c, strings.Repeat("y", protocol.MaxBufferChars-1))
	var se *ServerError
	if !errors.As(err, &se) || se.Code != int(protocol.CloseInvalid) {
		t.Errorf("Speak error = %v, want a *ServerError with code 4003", err)
	}
	if !bytes.Equal(pcm, synth("Kept. ")) {
		t.Error("Speak after an overflow: wrong audio")
	}
}

func TestSendTextBufferLimit(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	// The limit counts characters, not bytes.
	tests := []struct {
		name    string
		text    string
		wantErr bool
	}{
		{"at the limit", strings.Repeat("é", protocol.MaxBufferChars), false},
		{"over the limit", strings.Repeat("é", protocol.MaxBufferChars+1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.SendText(t.Context(), tt.text); (err != nil) != tt.wantErr {
				t.Errorf("SendText = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, is[*Pong])
	var kinds []string
	for _, m := range s.conn(1).messages() {
		kinds = append(kinds, m.Type)
	}
	if !slices.Equal(kinds, []string{"text", "ping"}) {
		t.Errorf("server got %v, want the text within the limit and the ping", kinds)
	}
	if errs := only[*ErrorEvent](drainNow(c)); len(errs) != 0 {
		t.Errorf("server errors %+v", errs)
	}
}

// drainNow returns the events already queued, without waiting.
func drainNow(c *Conn) []Event {
	var evs []Event
	for {
		select {
		case ev := <-c.Events():
			evs = append(evs, ev)
		default:
			return evs
		}
	}
}

func TestReconnectReplay(t *testing.T) {
	const text = "This generation is cut short and comes again."
	tests := []struct {
		name     string
		code     protocol.CloseCode // how the server drops connection 1
		binary   bool
		noReplay bool
	}{
		{"server error 4005", protocol.CloseServerError, false, false},
		{"going away 1001 binary", protocol.CloseGoingAway, true, false},
		{"dropped without close frame", abrupt, false, false},
		{"rate limited 4004 without replay", protocol.CloseRateLimited, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, serverOpts{drop: func(n, chunks int) protocol.CloseCode {
				if n == 1 && chunks == 2 {
					return tt.code
				}
				return 0
			}})
			cfg, fc := testConfig(s)
			cfg.BinaryMode = tt.binary
			cfg.DisableReplay = tt.noReplay
			cfg.HTTPHeader = http.Header{"Authorization": {"Bearer " + testKey}}
			c := dial(t, cfg)
			cfg.HTTPHeader.Set("Authorization", "changed by the app after Dial")
			ctx := t.Context()
			if err := c.SendText(ctx, text); err != nil {
				t.Fatal(err)
			}
			if err := c.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			evs := collectUntil(t, c, is[*Reconnected])
			rc := only[*Reconnecting](evs)
			if len(rc) != 1 || rc[0].Attempt != 1 || rc[0].Delay != time.Second {
				t.Fatalf("reconnecting events %+v, want one, attempt 1 after 1s", rc)
			}
			var ce *CloseError
			if got := errors.As(rc[0].Cause, &ce); got != (tt.code != abrupt) || (got && ce.Code != tt.code) {
				t.Errorf("cause %v, want a close with %d", rc[0].Cause, tt.code)
			}
			if before := audioOf(evs, 1); len(before) != 2*960 || !bytes.HasPrefix(synth(text), before) {
				t.Errorf("before the drop: %d bytes, want the first two chunks", len(before))
			}
			r := evs[len(evs)-1].(*Reconnected)
			want := Reconnected{SessionID: "session-2", Attempt: 1, Generations: []int{1}, Replayed: !tt.noReplay}
			if r.SessionID != want.SessionID || r.Attempt != want.Attempt || !slices.Equal(r.Generations, want.Generations) || r.Replayed != want.Replayed {
				t.Errorf("reconnected %+v, want %+v", r, want)
			}
			if c.SessionID() != "session-2" {
				t.Errorf("SessionID = %q after reconnecting", c.SessionID())
			}
			if got := fc.recorded(); !slices.Equal(got, []time.Duration{time.Second}) {
				t.Errorf("backoff waits %v, want [1s]", got)
			}

			sc2 := s.conn(2)
			if !reflect.DeepEqual(sc2.config, s.conn(1).config) {
				t.Errorf("config on reconnect %+v, want %+v", sc2.config, s.conn(1).config)
			}
			for n := 1; n <= 2; n++ {
				if got := s.conn(n).header.Get("Authorization"); got != "Bearer "+testKey {
					t.Errorf("connection %d: Authorization %q", n, got)
				}
			}
			if tt.noReplay {
				// Nothing is sent again and generation 1 is over; the
				// next one works.
				pcm, _, err := speak(t, c, "Fresh start.")
				if err != nil || !bytes.Equal(pcm, synth("Fresh start.")) {
					t.Fatalf("Speak after reconnect: %v", err)
				}
				var texts []string
				for _, m := range sc2.messages() {
					if m.Type == protocol.TypeText {
						texts = append(texts, m.Text)
					}
				}
				if !slices.Equal(texts, []string{"Fresh start."}) {
					t.Errorf("second connection got texts %q, want only the new one", texts)
				}
				return
			}
			after := collectUntil(t, c, isDone)
			if !bytes.Equal(audioOf(after, 1), synth(text)) {
				t.Error("after the replay, generation 1 is not whole")
			}
			if d := after[len(after)-1].(*Done); d.Generation != 1 || d.Characters != len(text) {
				t.Errorf("done %+v, want generation 1 of %d characters", d, len(text))
			}
			var kinds []string
			for _, m := range sc2.messages() {
				kinds = append(kinds, m.Type+":"+m.Text)
			}
			wantKinds := []string{"text:" + text, "flush:"}
			if tt.binary {
				wantKinds = append([]string{"binary_mode:"}, wantKinds...)
			}
			if !slices.Equal(kinds, wantKinds) {
				t.Errorf("second connection got %q, want %q", kinds, wantKinds)
			}
		})
	}
}

func TestSpeakAcrossReconnect(t *testing.T) {
	const text = "Speak returns each sample once, however the connection fares."
	s := newServer(t, serverOpts{drop: func(n, chunks int) protocol.CloseCode {
		if n <= 2 && chunks == 3 {
			return protocol.CloseServerError
		}
		return 0
	}})
	cfg, fc := testConfig(s)
	c := dial(t, cfg)
	pcm, done, err := speak(t, c, text)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pcm, synth(text)) {
		t.Errorf("got %d bytes, want exactly the generation's %d", len(pcm), len(synth(text)))
	}
	if done.Characters != len(text) {
		t.Errorf("done.Characters = %d", done.Characters)
	}
	// The second connection failed at once, so the sequence went on.
	if got := fc.recorded(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("backoff waits %v, want [1s 2s]", got)
	}
}

func TestNormalCloseEndsConn(t *testing.T) {
	s := newServer(t, serverOpts{drop: func(n, chunks int) protocol.CloseCode {
		return protocol.CloseNormal
	}})
	cfg, fc := testConfig(s)
	c := dial(t, cfg)
	if err := c.SendText(t.Context(), "Goodbye."); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	evs := drain(t, c)
	if len(evs) != 1 || !is[*Audio](evs[0]) {
		t.Errorf("events %s, want the one chunk sent before the close", describe(evs))
	}
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &ce) || ce.Code != protocol.CloseNormal {
		t.Errorf("Err = %v, want a close with 1000", err)
	}
	if got := fc.recorded(); len(got) != 0 {
		t.Errorf("waited %v to reconnect after 1000", got)
	}
	if n := s.connCount(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	err := c.SendText(t.Context(), "more")
	if !errors.Is(err, ErrClosed) || !errors.As(err, &ce) {
		t.Errorf("SendText after the close = %v, want ErrClosed wrapping the close", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close after the server's close: %v", err)
	}
}

func TestBackoffSequence(t *testing.T) {
	// Connection 1 drops at its first chunk; every later one is refused
	// because the server is full.
	s := newServer(t, serverOpts{
		drop: func(n, chunks int) protocol.CloseCode { return protocol.CloseServerError },
		reject: func(n int) protocol.CloseCode {
			if n > 1 {
				return protocol.CloseSlotsOccupied
			}
			return 0
		},
	})
	cfg, fc := testConfig(s)
	cfg.MaxReconnects = 7
	c := dial(t, cfg)
	if err := c.SendText(t.Context(), "Hi."); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	evs := drain(t, c)
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		want[i] *= time.Second
	}
	if got := fc.recorded(); !slices.Equal(got, want) {
		t.Errorf("backoff waits %v, want %v", got, want)
	}
	rc := only[*Reconnecting](evs)
	if len(rc) != len(want) {
		t.Fatalf("%d reconnecting events, want %d", len(rc), len(want))
	}
	for i, r := range rc {
		wantCode := protocol.CloseSlotsOccupied
		if i == 0 {
			wantCode = protocol.CloseServerError
		}
		var ce *CloseError
		if r.Attempt != i+1 || r.Delay != want[i] || !errors.As(r.Cause, &ce) || ce.Code != wantCode {
			t.Errorf("reconnecting[%d] = %+v, want attempt %d after %v caused by %d", i, r, i+1, want[i], wantCode)
		}
	}
	var re *ReconnectError
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &re) || re.Attempts != 7 || !errors.As(err, &ce) || ce.Code != protocol.CloseSlotsOccupied {
		t.Errorf("Err = %v, want giving up after 7 attempts on 4006", err)
	}
	if n := s.connCount(); n != 8 {
		t.Errorf("%d connections, want 8", n)
	}
}

func TestBackoffStartsOverAfterStableConnection(t *testing.T) {
	// Connections 1 to 3 drop at their first chunk; connection 3 has been
	// up for MaxBackoff by then. Connection 4 refuses; 5 works.
	var fc *fakeClock
	s := newServer(t, serverOpts{
		drop: func(n, chunks int) protocol.CloseCode {
			if n == 3 {
				fc.advance(DefaultMaxBackoff)
			}
			if n <= 3 {
				return protocol.CloseServerError
			}
			return 0
		},
		reject: func(n int) protocol.CloseCode {
			if n == 4 {
				return protocol.CloseSlotsOccupied
			}
			return 0
		},
	})
	cfg, fc := testConfig(s)
	c := dial(t, cfg)
	pcm, _, err := speak(t, c, "Again and again.")
	if err != nil || !bytes.Equal(pcm, synth("Again and again.")) {
		t.Fatalf("Speak: %v", err)
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 1 * time.Second, 2 * time.Second}
	if got := fc.recorded(); !slices.Equal(got, want) {
		t.Errorf("backoff waits %v, want %v", got, want)
	}
}

func TestNoReconnectWhenDisabled(t *testing.T) {
	s := newServer(t, serverOpts{drop: func(n, chunks int) protocol.CloseCode { return protocol.CloseServerError }})
	cfg, fc := testConfig(s)
	cfg.MaxReconnects = -1
	c := dial(t, cfg)
	if _, _, err := speak(t, c, "Hi."); !errors.Is(err, ErrClosed) {
		t.Errorf("Speak = %v, want ErrClosed", err)
	}
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &ce) || ce.Code != protocol.CloseServerError {
		t.Errorf("Err = %v, want the 4005 close", err)
	}
	if len(fc.recorded()) != 0 || s.connCount() != 1 {
		t.Errorf("reconnected although disabled")
	}
}

func TestClearAnsweredAfterReconnect(t *testing.T) {
	// The server drops the connection on clear, before answering it.
	s := newServer(t, serverOpts{
		chunkDelay: 5 * time.Millisecond,
		onMessage: func(n int, m protocol.ClientMessage) protocol.CloseCode {
			if n == 1 && m.Type == protocol.TypeClear {
				return protocol.CloseServerError
			}
			return 0
		},
	})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	ctx := t.Context()
	if err := c.SendText(ctx, strings.Repeat("Never finished. ", 10)); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, is[*Audio])
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	evs := collectUntil(t, c, is[*Reconnected])
	cl := only[*Cleared](evs)
	if len(cl) != 1 || cl[0].Generation != 1 {
		t.Errorf("cleared events %+v, want one for generation 1", cl)
	}
	if r := evs[len(evs)-1].(*Reconnected); len(r.Generations) != 0 {
		t.Errorf("generations %v replayed after a clear", r.Generations)
	}
	pcm, _, err := speak(t, c, "Next.")
	if err != nil || !bytes.Equal(pcm, synth("Next.")) {
		t.Fatalf("Speak after: %v", err)
	}
	if msgs := s.conn(2).messages(); len(msgs) != 2 {
		t.Errorf("second connection got %+v, want only Speak's text and flush", msgs)
	}
}

func TestDialErrors(t *testing.T) {
	tests := []struct {
		name     string
		opts     serverOpts
		mutate   func(*Config)
		wantCode protocol.CloseCode // 0: not a close
		wantMsg  string             // in the error text
	}{
		{
			name:     "wrong key",
			mutate:   func(c *Config) { c.APIKey = "wrong" },
			wantCode: protocol.CloseAuthFailed,
			wantMsg:  "Authentication failed",
		},
		{
			name:     "server full",
			opts:     serverOpts{reject: func(int) protocol.CloseCode { return protocol.CloseSlotsOccupied }},
			wantCode: protocol.CloseSlotsOccupied,
		},
		{
			name: "auth fails after config_ack",
			opts: serverOpts{onMessage: func(n int, m protocol.ClientMessage) protocol.CloseCode {
				return protocol.CloseAuthFailed
			}},
			mutate:   func(c *Config) { c.BinaryMode = true },
			wantCode: protocol.CloseAuthFailed,
		},
		{
			name:    "not a websocket endpoint",
			mutate:  func(c *Config) { c.URL = strings.TrimSuffix(c.URL, "/v1/realtime") + "/nope" },
			wantMsg: "HTTP 404",
		},
		{
			name:    "invalid config",
			mutate:  func(c *Config) { c.Voice, c.VoiceDescription = "voice_1", "deep" },
			wantMsg: "only one of",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts)
			cfg, _ := testConfig(s)
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			c, err := Dial(t.Context(), cfg)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			var ce *CloseError
			if isClose := errors.As(err, &ce); isClose != (tt.wantCode != 0) || (isClose && ce.Code != tt.wantCode) {
				t.Errorf("Dial error %v, want close code %d", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Dial error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestDialContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		cfg     func(*Config)
		wantErr error
	}{
		{
			name: "deadline",
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 50*time.Millisecond)
			},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "cancel",
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
		{
			name:    "handshake timeout",
			ctx:     context.WithCancel,
			cfg:     func(c *Config) { c.HandshakeTimeout = 50 * time.Millisecond },
			wantErr: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, serverOpts{noAck: func(int) bool { return true }})
			cfg, _ := testConfig(s)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			c, err := Dial(ctx, cfg)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded without config_ack")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Dial = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSendContext(t *testing.T) {
	s := newServer(t, serverOpts{drop: func(n, chunks int) protocol.CloseCode {
		if n == 1 {
			return protocol.CloseServerError
		}
		return 0
	}})
	cfg, fc := testConfig(s)
	fc.block = true // stay in the backoff wait until Close
	c := dial(t, cfg)

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.SendText(cancelled, "never sent"); !errors.Is(err, context.Canceled) {
		t.Errorf("SendText with a cancelled context = %v", err)
	}

	// The connection drops at the first chunk and the Conn stays in its
	// backoff wait.
	if err := c.SendText(t.Context(), "cut"); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, is[*Reconnecting])
	methods := map[string]func(context.Context) error{
		"SendText": func(ctx context.Context) error { return c.SendText(ctx, "later") },
		"Flush":    c.Flush,
		"Clear":    c.Clear,
		"Ping":     c.Ping,
	}
	for name, send := range methods {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := send(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s while reconnecting = %v, want the deadline", name, err)
		}
	}

	// A send blocked in the reconnection ends with Close.
	blocked := make(chan error, 1)
	go func() { blocked <- c.SendText(context.Background(), "blocked") }()
	time.Sleep(10 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-blocked; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked SendText = %v, want ErrClosed", err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err after Close = %v, want nil", err)
	}
	if _, ok := <-c.Events(); ok {
		t.Error("Events still open after Close")
	}
	if n := s.connCount(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestCloseConcurrentWithSends(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	cfg.EventBuffer = 1
	c := dial(t, cfg)

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 4 {
		wg.Go(func() {
			for range 100 {
				errs <- c.SendText(context.Background(), "w ")
				errs <- c.Ping(context.Background())
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	for range 2 {
		wg.Go(func() {
			if err := c.Close(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("got %v, want nil or ErrClosed", err)
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("third Close: %v", err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err = %v after Close", err)
	}
	sc := s.conn(1)
	<-sc.ended
	if sc.clientClose != websocket.StatusNormalClosure {
		t.Errorf("server saw close %d, want 1000", sc.clientClose)
	}
	// The close frame came after every message the server got.
	for _, m := range sc.messages() {
		if m.Type != protocol.TypeText && m.Type != protocol.TypePing {
			t.Errorf("unexpected message %+v", m)
		}
	}
}

func TestKeepaliveDetectsDeadServer(t *testing.T) {
	s := newServer(t, serverOpts{deaf: func(n int) bool { return n == 1 }})
	cfg, _ := testConfig(s)
	cfg.KeepAlive = 30 * time.Millisecond
	c := dial(t, cfg)
	evs := collectUntil(t, c, is[*Reconnected])
	if rc := only[*Reconnecting](evs); len(rc) != 1 || !errors.Is(rc[0].Cause, ErrKeepalive) {
		t.Errorf("reconnecting %+v, want one caused by ErrKeepalive", rc)
	}
	pcm, _, err := speak(t, c, "Still here.")
	if err != nil || !bytes.Equal(pcm, synth("Still here.")) {
		t.Fatalf("Speak: %v", err)
	}
}

func TestKeepaliveKeepsHealthyConnection(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	cfg.KeepAlive = 50 * time.Millisecond
	c := dial(t, cfg)
	waitFor(t, "three pings", func() bool { return s.conn(1).pings.Load() >= 3 })
	if evs := drainNow(c); len(evs) != 0 {
		t.Errorf("events %s on a healthy connection", describe(evs))
	}
	if n := s.connCount(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestKeepaliveDisabled(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	cfg.KeepAlive = -1
	// A negative period must not reach time.NewTicker, which panics.
	c := dial(t, cfg)
	pcm, _, err := speak(t, c, "Quiet.")
	if err != nil || !bytes.Equal(pcm, synth("Quiet.")) {
		t.Fatalf("Speak: %v", err)
	}
}

func TestSlowConsumerLosesNothing(t *testing.T) {
	s := newServer(t, serverOpts{chunkBytes: 480})
	cfg, _ := testConfig(s)
	cfg.EventBuffer = 1
	c := dial(t, cfg)
	text := strings.Repeat("Nobody is listening yet. ", 8)
	if err := c.SendText(t.Context(), text); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Read nothing until the server has sent everything.
	waitFor(t, "the server's done", func() bool { return s.conn(1).dones.Load() == 1 })
	evs := collectUntil(t, c, isDone)
	if !bytes.Equal(audioOf(evs, 1), synth(text)) {
		t.Error("audio lost while the consumer was not reading")
	}
	if n := len(only[*Audio](evs)); n != len(synth(text))/480 {
		t.Errorf("%d audio events, want %d", n, len(synth(text))/480)
	}
}

func TestSpeakErrors(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	if _, _, err := c.Speak(t.Context(), ""); !errors.Is(err, ErrEmptyText) {
		t.Errorf("Speak(\"\") = %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if _, _, err := c.Speak(ctx, "late"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Speak with an expired context = %v", err)
	}
	c.Close()
	if _, _, err := c.Speak(t.Context(), "closed"); !errors.Is(err, ErrClosed) {
		t.Errorf("Speak after Close = %v", err)
	}
}

func TestTextSentAsTheConnectionDiesIsSpoken(t *testing.T) {
	s := newServer(t, serverOpts{})
	cfg, _ := testConfig(s)
	c := dial(t, cfg)
	const text = "Sent into a dead socket."
	for range 3 {
		// Kill the socket under the Conn: the next writes either fail
		// (and the text is replayed) or wait for the new connection.
		c.mu.Lock()
		ws := c.ws
		c.mu.Unlock()
		if ws != nil {
			ws.CloseNow()
		}
		pcm, _, err := speak(t, c, text)
		if err != nil {
			t.Fatalf("Speak: %v", err)
		}
		if !bytes.Equal(pcm, synth(text)) {
			t.Error("text sent as the connection died was not spoken whole")
		}
	}
	if n := s.connCount(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}

func TestHandleFrame(t *testing.T) {
	pcm := synth("ab")
	tests := []struct {
		name      string
		typ       websocket.MessageType
		frame     string
		wantErr   bool
		wantEvent Event
	}{
		{"json audio", websocket.MessageText, string(protocol.AppendAudioJSON(nil, pcm)), false, &Audio{PCM: pcm, Generation: 1}},
		{"binary audio", websocket.MessageBinary, string(pcm), false, &Audio{PCM: pcm, Generation: 1}},
		{"pong", websocket.MessageText, `{"type":"pong"}`, false, &Pong{}},
		{"error", websocket.MessageText, `{"type":"error","message":"m","code":4003}`, false, &ErrorEvent{Message: "m", Code: 4003, Generation: 1}},
		{"unknown type is skipped", websocket.MessageText, `{"type":"from_the_future","x":1}`, false, nil},
		{"late ack is skipped", websocket.MessageText, `{"type":"config_ack","session_id":"s"}`, false, nil},
		{"not JSON", websocket.MessageText, `{"type":`, true, nil},
		{"no type", websocket.MessageText, `{"chunk":"AAAA"}`, true, nil},
		{"bad base64", websocket.MessageText, `{"type":"audio","chunk":"not base64!"}`, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Conn{nextGen: 1, recvGen: 1, wake: make(chan struct{}, 1)}
			err := c.handleFrame(tt.typ, []byte(tt.frame))
			if (err != nil) != tt.wantErr {
				t.Fatalf("handleFrame = %v, want error: %v", err, tt.wantErr)
			}
			var want []Event
			if tt.wantEvent != nil {
				want = []Event{tt.wantEvent}
			}
			if !reflect.DeepEqual(c.queue, want) {
				t.Errorf("events %s, want %s", describe(c.queue), describe(want))
			}
		})
	}
}
