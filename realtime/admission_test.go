//go:build !e2e

package realtime_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// The admission tests: limits, quotas and slow clients (close codes 4002
// for a revoked key, 4004, 4005 and 4006), against a node with fakes.

func TestTooManyConnectionsPerKey4004(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) { nc.limits.MaxConnsPerKey = 1 })
	a := n.dial(t)
	a.config(n.key, nil)
	a.speak("Hi.") // speaking waits for authentication: a holds the key's slot
	b := n.dial(t)
	b.config(n.key, nil)
	if frames := b.expectClose(protocol.CloseRateLimited); frames[len(frames)-1].m.Message != protocol.ErrTooManyConns.Message {
		t.Fatalf("frames before the close: %+v", frames)
	}
	// a is unaffected, and its slot is freed when it closes.
	from := len(n.eng.Calls())
	checkExact(t, a.speak(sentence), n.eng, from, sentence)
	a.c.Close(websocket.StatusNormalClosure, "")
	waitFor(t, func() bool { return n.rt.Sessions() == 0 })
	c := n.dial(t)
	c.config(n.key, nil)
	c.speak("Hi again.")
}

func TestGenerationRate4004(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) { nc.limits.GenerationsPerMin = 2 })
	c := n.dial(t)
	c.config(n.key, nil)
	c.speak("One.")
	c.send(msg{"type": "flush"}) // an empty flush is no generation
	c.expect(protocol.TypeDone)
	c.speak("Two.")
	c.sendTokens("Three.", 10)
	c.send(msg{"type": "flush"})
	frames := c.expectClose(protocol.CloseRateLimited)
	if len(frames) != 1 || frames[0].m.Message != protocol.ErrTooManyGens.Message {
		t.Fatalf("frames before the close: %+v", frames)
	}
	if got := spoken(n.eng, 0); len(got) != 2 {
		t.Fatalf("spoken %q: the third generation must not be", got)
	}
}

// TestQuota: segments are reserved before they are spoken and charged as
// they are, so a key speaks up to its quota and no further (4004), and is
// charged exactly what was spoken.
func TestQuota(t *testing.T) {
	t.Run("exhausted", func(t *testing.T) {
		n := newNode(t)
		n.usage.spend(t, n.keyID, 10)
		c := n.dial(t)
		c.config(n.key, nil)
		checkExact(t, c.speak("Short."), n.eng, 0, "Short.") // 6 characters fit
		c.sendTokens(sentence, 10)
		c.send(msg{"type": "flush"})
		frames := c.expectClose(protocol.CloseRateLimited)
		if len(frames) != 1 || frames[0].m.Message != protocol.ErrQuotaExceeded.Message {
			t.Fatalf("frames before the close: %+v", frames)
		}
		if got := n.usage.used(n.keyID); got != 3_000_000-10+6 {
			t.Fatalf("usage %d, want 6 characters charged", got)
		}
	})
	t.Run("charged as spoken", func(t *testing.T) {
		n := newNode(t)
		c := n.dial(t)
		c.config(n.key, nil)
		first := "The first sentence is spoken before the generation ends. "
		c.send(msg{"type": "text", "text": first + "And the text goes on"})
		c.expect(protocol.TypeAudio)
		// The space after the first sentence is paid for by the segment
		// after it.
		waitFor(t, func() bool { return n.usage.used(n.keyID) == int64(len(first)-1) })
		c.send(msg{"type": "flush"})
		g := c.collect()
		if got := n.usage.used(n.keyID); got != int64(g.done.Characters) || g.done.Characters != len(first)+len("And the text goes on") {
			t.Fatalf("usage %d after done %+v", got, g.done)
		}
	})
	t.Run("a generation never flushed stops at the quota", func(t *testing.T) {
		n := newNode(t)
		n.usage.spend(t, n.keyID, 300)
		c := n.dial(t)
		c.config(n.key, nil)
		s := "Every morning the baker opens the shop and sells fresh bread to the neighbours. "
		c.sendTokens(strings.Repeat(s, 40), 200) // 3,240 characters, no flush
		frames := c.expectClose(protocol.CloseRateLimited)
		if last := frames[len(frames)-1]; last.m.Type != protocol.TypeError || last.m.Code != 4004 {
			t.Fatalf("want a quota error before the close, got %+v", last.m)
		}
		waitFor(t, func() bool { return n.rt.Sessions() == 0 })
		// Three sentences fit in 300 characters; the fourth is refused.
		if got := spoken(n.eng, 0); len(got) != 3 {
			t.Fatalf("spoken %d segments with 300 characters of quota left", len(got))
		}
		if used := n.usage.used(n.keyID); used != 3_000_000-300+3*int64(len(s))-1 {
			t.Fatalf("usage %d, want the three sentences spoken", used)
		}
	})
	t.Run("text that expands is billed as spoken", func(t *testing.T) {
		n := newNode(t)
		c := n.dial(t)
		c.config(n.key, nil)
		c.send(msg{"type": "text", "text": strings.Repeat("%", 60)}) // 479 characters spoken
		c.send(msg{"type": "flush"})
		c.collect()
		if got := n.usage.used(n.keyID); got != 160 {
			t.Fatalf("60 %% billed %d characters, want 160", got)
		}
	})
}

// TestConnectionsPerAddress4004: a connection beyond the address's limit
// is closed with 4004 before it has sent anything; counted per address
// before authentication, and free again when a connection closes.
func TestConnectionsPerAddress4004(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) { nc.limits.MaxConnsPerIP = 2 })
	a := n.dial(t)
	b := n.dial(t)
	waitFor(t, func() bool { return n.rt.Sessions() == 2 })
	c := n.dial(t)
	if frames := c.expectClose(protocol.CloseRateLimited); len(frames) != 0 {
		t.Fatalf("frames before the close: %+v", frames)
	}
	b.config(n.key, nil)
	checkExact(t, b.speak(sentence), n.eng, 0, sentence)
	if err := a.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return n.rt.Sessions() == 1 })
	// The slot is released just after the session: retry briefly.
	for deadline := time.Now().Add(5 * time.Second); ; {
		d := n.dial(t)
		d.send(msg{"type": "config", "api_key": n.key})
		f, err := d.read()
		if err == nil && f.m.Type == protocol.TypeConfigAck {
			break
		}
		if st := websocket.CloseStatus(err); st != websocket.StatusCode(protocol.CloseRateLimited) || time.Now().After(deadline) {
			t.Fatalf("after a connection closed: %+v %v", f.m, err)
		}
	}
	if got := counter(t, n.metrics, "parley_realtime_closes_total", "4004"); got != 1 {
		t.Fatalf("closes with 4004 counted: %v", got)
	}
}

func TestServerSlots4006(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) { nc.limits.MaxConns = 1 })
	a := n.dial(t)
	a.config(n.key, nil)
	b := n.dial(t)
	if frames := b.expectClose(protocol.CloseSlotsOccupied); len(frames) != 0 {
		t.Fatalf("frames before the close: %+v", frames)
	}
	checkExact(t, a.speak(sentence), n.eng, 0, sentence)
}

// TestRevokedKeyClosesOpenSession: a key revoked while its session is open
// is refused at its next generation once the server's answer for it has
// expired: 4002, nothing of it spoken; another key's session goes on.
func TestRevokedKeyClosesOpenSession(t *testing.T) {
	const recheck = 100 * time.Millisecond
	n := newNode(t, func(nc *nodeConfig) { nc.realtime.KeyRecheck = recheck })
	secret, id := n.keys.create(t, "realtime")
	c := n.dial(t)
	c.config(secret, nil)
	c.speak("Spoken before the revocation.")
	other := n.dial(t)
	other.config(n.key, nil)
	n.keys.revoke(id)
	time.Sleep(2 * recheck)
	from := len(n.eng.Calls())
	c.send(msg{"type": "text", "text": "Spoken after the revocation? "})
	c.send(msg{"type": "flush"})
	frames := c.expectClose(protocol.CloseAuthFailed)
	if len(frames) != 1 || frames[0].m.Type != protocol.TypeError || !strings.Contains(frames[0].m.Message, "revoked") {
		t.Fatalf("before the close: %+v, want one error saying the key was revoked", frames)
	}
	if got := spoken(n.eng, from); len(got) != 0 {
		t.Fatalf("spoken after the revocation: %q", got)
	}
	checkExact(t, other.speak(sentence), n.eng, from, sentence)
}

// TestSlowClient4005: a client that does not read is closed with 4005 once
// its queued audio passes MaxQueuedAudio; another session is not delayed.
func TestSlowClient4005(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) {
		// Above the 2.2 s of sentence, which the fake engine makes at once.
		nc.realtime.MaxQueuedAudio = 5 * time.Second
		nc.realtime.WriteTimeout = time.Second
	})
	slow := dialURL(t, n.url, dialConfig{rcvBuf: 4096})
	slow.config(n.key, nil)
	slow.send(msg{"type": "binary_mode"})
	slow.expect(protocol.TypeBinaryModeAck)
	slow.send(msg{"type": "text", "text": strings.Repeat("Nobody is reading any of this audio at all. ", 30)})
	slow.send(msg{"type": "flush"})
	waitFor(t, func() bool { return counter(t, n.metrics, "parley_realtime_closes_total", "4005") == 1 })
	fast := n.dial(t)
	fast.config(n.key, nil)
	from := len(n.eng.Calls())
	checkExact(t, fast.speak(sentence), n.eng, from, sentence)
	// The slow client, reading at last, finds the audio that was in its
	// socket buffers, no done, and then the close code, or the end of a
	// connection whose last frame was cut short.
	var frames []frame
	for {
		f, err := slow.read()
		if err != nil {
			if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusCode(protocol.CloseServerError) {
				t.Fatalf("slow client: %v, want close 4005", err)
			}
			break
		}
		frames = append(frames, f)
	}
	if len(frames) > 0 && frames[len(frames)-1].m.Type == protocol.TypeDone {
		t.Fatal("slow client got its whole generation")
	}
}

// TestControlFlood: pings and empty flushes sent as fast as the client can
// are every one answered, each kind in order.
func TestControlFlood(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	const pings, flushes = 5000, 500
	done := make(chan [2]int, 1)
	go func() {
		var got [2]int
		for got[0]+got[1] < pings+flushes {
			f, err := c.read()
			if err != nil {
				t.Errorf("read: %v", err)
				break
			}
			switch f.m.Type {
			case protocol.TypePong:
				got[0]++
			case protocol.TypeDone:
				got[1]++
			default:
				t.Errorf("unexpected %+v", f.m)
			}
		}
		done <- got
	}()
	for i := 0; i < pings; i++ {
		c.send(msg{"type": "ping"})
		if i%(pings/flushes) == 0 {
			c.send(msg{"type": "flush"})
		}
	}
	if got := <-done; got != [2]int{pings, flushes} {
		t.Fatalf("got %d pongs and %d dones, want %d and %d", got[0], got[1], pings, flushes)
	}
	checkExact(t, c.speak(sentence), n.eng, 0, sentence)
}
