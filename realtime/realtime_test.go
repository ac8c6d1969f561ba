//go:build e2e

package realtime_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

const sentence = "The quick brown fox jumps over the lazy dog."

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
