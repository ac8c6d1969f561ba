package realtime_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const sentence = "The quick brown fox jumps over the lazy dog."

func TestConfigAckSessionIDsAreUnique(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		c := h.dial(t)
		id := c.config(h.key, nil)
		if seen[id] {
			t.Fatalf("session id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestGenerationJSONMode(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, msg{"language": "English"})
	g := c.speak(sentence)
	checkAudio(t, g, sentence)
	if len(g.other) != 0 {
		t.Errorf("unexpected messages in the generation: %+v", g.other)
	}
}

func TestTextQueuedBeforeAuthCompletes(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	// Everything at once: config, text and flush are in flight before the
	// ack (and before authentication) has happened.
	c.send(msg{"type": "config", "api_key": h.key})
	c.sendTokens(sentence, 5)
	c.send(msg{"type": "flush"})
	c.expect(protocol.TypeConfigAck)
	checkAudio(t, c.collect(), sentence)
}

func TestSeveralGenerationsOnOneSocket(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	texts := []string{"First, a short one.", "Second: a slightly longer sentence, with a clause.", "Third and last."}
	for _, text := range texts {
		checkAudio(t, c.speak(text), text)
	}
}

func TestBinaryMode(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.send(msg{"type": "binary_mode"})
	ack := c.expect(protocol.TypeBinaryModeAck)
	if ack.SampleRate != 24000 || ack.Format != "pcm_s16le" {
		t.Fatalf("binary_mode_ack = %+v", ack)
	}
	c.sendTokens(sentence, 3)
	c.send(msg{"type": "flush"})
	var g generation
	for {
		f := c.next()
		if f.binary != nil {
			g.pcm = append(g.pcm, f.binary...)
			g.chunks++
			continue
		}
		if f.m.Type == protocol.TypeAudio {
			t.Fatal("JSON audio in binary mode")
		}
		if f.m.Type == protocol.TypeDone { // done stays a JSON text frame
			g.done = f.m.Done()
			break
		}
		t.Fatalf("unexpected %+v", f.m)
	}
	checkAudio(t, g, sentence)
}

func TestJSONAndBinaryCarryTheSameAudio(t *testing.T) {
	h := newHarness(t)
	a := h.dial(t)
	a.config(h.key, nil)
	ga := a.speak(sentence)
	b := h.dial(t)
	b.config(h.key, nil)
	b.send(msg{"type": "binary_mode"})
	b.expect(protocol.TypeBinaryModeAck)
	gb := b.speak(sentence)
	if !bytes.Equal(ga.pcm, gb.pcm) {
		t.Fatalf("JSON mode gave %d bytes, binary mode %d bytes; want identical PCM", len(ga.pcm), len(gb.pcm))
	}
}

func TestAudioFlowsBeforeFlush(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	// Over 50 characters and a sentence end followed by a space: the
	// first sentence must be spoken without a flush.
	c.sendTokens("This first sentence is long enough to be spoken at once. And this one waits", 4)
	f := c.next()
	if f.m.Type != protocol.TypeAudio {
		t.Fatalf("got %+v before flush, want audio", f.m)
	}
	c.send(msg{"type": "flush"})
	g := c.collect()
	if g.done.Characters != len("This first sentence is long enough to be spoken at once. And this one waits") {
		t.Fatalf("done.characters = %d", g.done.Characters)
	}
}

func TestFlushWithoutTextGetsDone(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.send(msg{"type": "flush"})
	d := c.expect(protocol.TypeDone).Done()
	if d.TotalChunks != 0 || d.AudioDurationMS != 0 || d.Characters != 0 {
		t.Fatalf("done for an empty flush = %+v", d)
	}
	checkAudio(t, c.speak(sentence), sentence)
}

func TestPing(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.send(msg{"type": "ping"})
	c.expect(protocol.TypePong)
}

func TestClearMidGeneration(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	long := strings.Repeat("This is a long passage that keeps the engine busy for a while. ", 12)
	c.sendTokens(long, 40)
	c.send(msg{"type": "flush"})
	if f := c.next(); f.m.Type != protocol.TypeAudio {
		t.Fatalf("want audio first, got %+v", f.m)
	}
	c.send(msg{"type": "clear"})
	var audioAfter int
	for {
		f := c.next()
		if f.m.Type == protocol.TypeAudio {
			audioAfter++
			continue
		}
		if f.m.Type == protocol.TypeCleared {
			break
		}
		t.Fatalf("got %+v before cleared (a cleared generation has no done)", f.m)
	}
	// The whole passage is over 40 s of speech; a clear must cut it short.
	if audioAfter > 100 {
		t.Fatalf("%d chunks arrived after clear", audioAfter)
	}
	// The socket goes on: a new generation works, with nothing of the old.
	g := c.speak(sentence)
	checkAudio(t, g, sentence)
}

func TestClearWithNothingInProgress(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.send(msg{"type": "text", "text": "Dropped text"})
	c.send(msg{"type": "clear"})
	c.expect(protocol.TypeCleared)
	g := c.speak(sentence)
	if g.done.Characters != len(sentence) {
		t.Fatalf("text before clear leaked into the next generation: characters = %d", g.done.Characters)
	}
}

func TestBufferOverflowKeepsEarlierText(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	keep := "Keep this"
	c.send(msg{"type": "text", "text": keep})
	c.send(msg{"type": "text", "text": strings.Repeat("x", protocol.MaxBufferChars)})
	e := c.expect(protocol.TypeError)
	if e.Code != 4003 || e.Message != "buffer overflow" {
		t.Fatalf("error = %+v, want buffer overflow 4003", e)
	}
	c.send(msg{"type": "flush"})
	g := c.collect()
	if g.done.Characters != len(keep) || g.chunks == 0 {
		t.Fatalf("after overflow: done %+v, %d chunks; want the earlier text spoken", g.done, g.chunks)
	}
}

func TestSecondConfig(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.send(msg{"type": "config", "api_key": h.key})
	frames := c.expectClose(protocol.CloseInvalid)
	if len(frames) == 0 || frames[len(frames)-1].m.Type != protocol.TypeError || frames[len(frames)-1].m.Code != 4003 {
		t.Fatalf("want an error message before the close, got %+v", frames)
	}
}

func TestInvalidMessagesClose4003(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name     string
		typ      websocket.MessageType
		frame    []byte
		preamble bool // send a valid config first
	}{
		{"not JSON", websocket.MessageText, []byte("hello"), true},
		{"unknown type", websocket.MessageText, []byte(`{"type":"shout"}`), true},
		{"missing field", websocket.MessageText, []byte(`{"type":"text"}`), true},
		{"wrong-typed field", websocket.MessageText, []byte(`{"type":"text","text":42}`), true},
		{"invalid UTF-8", websocket.MessageText, []byte("{\"type\":\"text\",\"text\":\"\xc3\x28\"}"), true},
		{"binary frame", websocket.MessageBinary, []byte{1, 2, 3, 4}, true},
		{"frame over 64 KiB", websocket.MessageText, []byte(`{"type":"text","text":"` + strings.Repeat("a", 70000) + `"}`), true},
		{"deep JSON", websocket.MessageText, []byte(`{"type":"text","text":"hi","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), true},
		{"text before config", websocket.MessageText, []byte(`{"type":"text","text":"hi"}`), false},
		{"unsupported language", websocket.MessageText, []byte(`{"type":"config","api_key":"x","language":"Klingon"}`), false},
		{"config without key", websocket.MessageText, []byte(`{"type":"config"}`), false},
		{"voice description over 500", websocket.MessageText, []byte(`{"type":"config","api_key":"x","voice_description":"` + strings.Repeat("a", 501) + `"}`), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.dial(t)
			if tc.preamble {
				c.config(h.key, nil)
			}
			c.sendRaw(tc.typ, tc.frame)
			c.expectClose(protocol.CloseInvalid)
		})
	}
}

func TestAuthTimeout4001(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Realtime.ConfigTimeout = 200 * time.Millisecond })
	c := h.dial(t)
	c.expectClose(protocol.CloseAuthTimeout)
}

func TestAuthFailure4002(t *testing.T) {
	h := newHarness(t)
	t.Run("unknown key", func(t *testing.T) {
		c := h.dial(t)
		c.config("pk_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", nil)
		c.expectClose(protocol.CloseAuthFailed)
	})
	t.Run("text queued before the failure is dropped", func(t *testing.T) {
		c := h.dial(t)
		c.send(msg{"type": "config", "api_key": "wrong"})
		c.send(msg{"type": "text", "text": sentence})
		c.send(msg{"type": "flush"})
		for _, f := range c.expectClose(protocol.CloseAuthFailed) {
			if f.binary != nil || f.m.Type == protocol.TypeAudio || f.m.Type == protocol.TypeDone {
				t.Fatalf("unauthenticated text was spoken: %+v", f.m)
			}
		}
	})
	t.Run("plan without WebSocket access", func(t *testing.T) {
		c := h.dial(t)
		c.config(h.freeKey, nil)
		c.expectClose(protocol.CloseAuthFailed)
	})
	t.Run("revoked key", func(t *testing.T) {
		ctx := context.Background()
		secret, k, err := h.srv.Store().CreateKey(ctx, "to revoke", "realtime")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.srv.Store().RevokeKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		c := h.dial(t)
		c.config(secret, nil)
		c.expectClose(protocol.CloseAuthFailed)
	})
}

func TestBearerHeaderExtension(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, h.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + h.key}}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	c := &client{t: t, c: conn, ctx: ctx, stop: cancel}
	defer conn.CloseNow()
	c.send(msg{"type": "config"})
	c.expect(protocol.TypeConfigAck)
	checkAudio(t, c.speak(sentence), sentence)
}

func TestTooManyConnectionsPerKey4004(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Limits.MaxConnsPerKey = 1 })
	a := h.dial(t)
	a.config(h.key, nil)
	a.speak("Hi.") // speaking waits for authentication: a holds the key's slot
	b := h.dial(t)
	b.config(h.key, nil)
	b.expectClose(protocol.CloseRateLimited)
	// a is unaffected.
	checkAudio(t, a.speak(sentence), sentence)
}

func TestGenerationRate4004(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Limits.GenerationsPerMin = 2 })
	c := h.dial(t)
	c.config(h.key, nil)
	c.speak("One.")
	c.speak("Two.")
	c.sendTokens("Three.", 10)
	c.send(msg{"type": "flush"})
	c.expectClose(protocol.CloseRateLimited)
}

func TestQuotaExhausted4004(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	secret, k, err := h.srv.Store().CreateKey(ctx, "nearly spent", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Store().AddUsage(ctx, k.ID, store.Month(time.Now()), 3_000_000-10); err != nil {
		t.Fatal(err)
	}
	c := h.dial(t)
	c.config(secret, nil)
	c.speak("Short.") // 6 characters fit
	c.sendTokens(sentence, 10)
	c.send(msg{"type": "flush"})
	frames := c.expectClose(protocol.CloseRateLimited)
	if len(frames) == 0 || frames[len(frames)-1].m.Type != protocol.TypeError {
		t.Fatalf("want an error before the close, got %+v", frames)
	}
}

func TestServerSlots4006(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Limits.MaxConns = 1 })
	a := h.dial(t)
	a.config(h.key, nil)
	b := h.dial(t)
	b.expectClose(protocol.CloseSlotsOccupied)
	checkAudio(t, a.speak(sentence), sentence)
}

func TestClientCloseNormal(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.speak("Bye.")
	if err := c.c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
	waitFor(t, func() bool { return h.srv.Sessions() == 0 })
}

func TestSlowClient4005(t *testing.T) {
	h := newHarness(t, func(c *server.Config) {
		c.Realtime.MaxQueuedAudio = 2 * time.Second
		c.Realtime.WriteTimeout = time.Second
	})
	start := time.Now()
	// A small receive window: the kernel's buffers, which can hold minutes
	// of audio on loopback, fill at once.
	slow := dialURL(t, h.url, dialConfig{rcvBuf: 4096})
	slow.config(h.key, nil)
	slow.send(msg{"type": "binary_mode"})
	slow.expect(protocol.TypeBinaryModeAck)
	// Far more audio than the queue and the socket buffers hold, and no
	// reading: the server must give up on this client, not wait for it.
	for i := 0; i < 3; i++ {
		slow.send(msg{"type": "text", "text": strings.Repeat("Nobody is reading any of this audio at all. ", 30)})
	}
	slow.send(msg{"type": "flush"})
	fast := h.dial(t)
	fast.config(h.key, nil)
	checkAudio(t, fast.speak(sentence), sentence)
	waitFor(t, func() bool { return h.srv.Sessions() == 1 })
	t.Logf("slow session ended %v after it connected", time.Since(start).Round(time.Millisecond))
	// The slow client, reading at last, finds the close code (after
	// whatever audio was in its socket buffer).
	var frames []frame
	for {
		f, err := slow.read()
		if err != nil {
			if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusCode(protocol.CloseServerError) {
				t.Fatalf("slow client closed with %d, want 4005", st)
			}
			break
		}
		frames = append(frames, f)
	}
	if len(frames) > 0 && frames[len(frames)-1].m.Type == protocol.TypeDone {
		t.Fatal("slow client got its whole generation; the test did not overflow the queue")
	}
}

func TestBadInputDoesNotAffectOtherSessions(t *testing.T) {
	h := newHarness(t)
	good := h.dial(t)
	good.config(h.key, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, h.url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.CloseNow()
			junk := [][]byte{[]byte("{"), []byte("\xff\xfe"), bytes.Repeat([]byte("["), 70000), []byte(`{"type":"config","api_key":1}`)}
			_ = c.Write(ctx, websocket.MessageText, junk[i%len(junk)])
			_, _, _ = c.Read(ctx)
		}(i)
	}
	g := good.speak(sentence)
	wg.Wait()
	checkAudio(t, g, sentence)
	checkAudio(t, good.speak("Still here."), "Still here.")
}

func TestShutdownDrains1001(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, nil)
	c.sendTokens("Finish this sentence before you go", 6) // no flush
	// Wait until the server holds the text, then shut down.
	time.Sleep(100 * time.Millisecond)
	errc := make(chan error, 1)
	go func() { errc <- h.shutdown() }()
	frames := c.expectClose(protocol.CloseGoingAway)
	var audio, done int
	for _, f := range frames {
		if f.m.Type == protocol.TypeAudio {
			audio++
		}
		if f.m.Type == protocol.TypeDone {
			done++
		}
	}
	if audio == 0 || done != 1 {
		t.Fatalf("drain delivered %d audio chunks and %d done, want the buffered text spoken and one done", audio, done)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The listener is closed: new connections are refused.
	if c, _, err := websocket.Dial(context.Background(), h.url, nil); err == nil {
		c.CloseNow()
		t.Fatal("dial after shutdown succeeded")
	}
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
