package main

import (
	"context"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

// TestSIGTERMDrains sends SIGTERM to a real `parley serve` while one
// session is in the middle of a generation, with more text buffered, and
// another is idle: the server stops accepting connections, the generation
// is spoken to the end (buffered text included) and done, both sockets are
// closed with 1001, and the process exits 0, all within the grace period.
func TestSIGTERMDrains(t *testing.T) {
	const grace = 15 * time.Second // serve's default
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := db.CreateKey(context.Background(), "sigterm", "realtime")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd, base := startServe(t, dir)
	var waitErr error
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		waitErr = cmd.Wait()
	}()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	}()
	addr := strings.TrimPrefix(base, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 2*grace)
	defer cancel()
	dial := func() *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, "ws://"+addr+"/v1/realtime", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadLimit(1 << 20)
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	send := func(c *websocket.Conn, m string) {
		t.Helper()
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(c *websocket.Conn, typ string) {
		t.Helper()
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := protocol.DecodeServer(b); err != nil || m.Type != typ {
			t.Fatalf("got %s, want %s", b, typ)
		}
	}

	idle := dial()
	send(idle, `{"type":"config","api_key":"`+key+`"}`)
	expect(idle, protocol.TypeConfigAck)
	busy := dial()
	send(busy, `{"type":"config","api_key":"`+key+`","language":"English"}`)
	expect(busy, protocol.TypeConfigAck)
	send(busy, `{"type":"binary_mode"}`)
	expect(busy, protocol.TypeBinaryModeAck)
	// Sentences that are spoken at once, and a last clause that waits in
	// the buffer for a flush that never comes.
	text := strings.Repeat("The shutdown must let this sentence finish. ", 12) + "and this clause was still buffered"
	send(busy, `{"type":"text","text":"`+text+`"}`)
	typ, first, err := busy.Read(ctx)
	if err != nil || typ != websocket.MessageBinary {
		t.Fatalf("want audio before the signal: %v %v", typ, err)
	}
	pcm := len(first)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	// New connections are refused while the generation drains.
	refused := make(chan time.Duration, 1)
	go func() {
		for time.Since(signalled) < grace {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				refused <- time.Since(signalled)
				return
			}
			c.Close()
			time.Sleep(10 * time.Millisecond)
		}
		refused <- -1
	}()

	var done *protocol.Done
	var closeErr error
	for {
		typ, b, err := busy.Read(ctx)
		if err != nil {
			closeErr = err
			break
		}
		if typ == websocket.MessageBinary {
			pcm += len(b)
			continue
		}
		m, err := protocol.DecodeServer(b)
		if err != nil || m.Type != protocol.TypeDone || done != nil {
			t.Fatalf("unexpected message %s during the drain", b)
		}
		d := m.Done()
		done = &d
	}
	drained := time.Since(signalled)
	if websocket.CloseStatus(closeErr) != websocket.StatusGoingAway {
		t.Fatalf("busy session ended with %v, want close 1001", closeErr)
	}
	if done == nil || done.Characters != len(text) {
		t.Fatalf("done before the close: %+v, want one for all %d characters", done, len(text))
	}
	words := len(strings.Fields(text))
	if ms := int64(pcm) * 1000 / (2 * protocol.SampleRate); ms < int64(words)*150 || abs(ms-done.AudioDurationMS) > 1 {
		t.Fatalf("%d ms of audio for %d words (done says %d ms)", ms, words, done.AudioDurationMS)
	}
	if _, _, err := idle.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("idle session ended with %v, want close 1001", err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("parley serve exited with %v, want status 0", waitErr)
		}
	case <-time.After(grace - time.Since(signalled)):
		t.Fatalf("parley serve still running %v after SIGTERM", grace)
	}
	exitedAfter := time.Since(signalled)
	r := <-refused
	if r < 0 || r > exitedAfter {
		t.Fatalf("connections were still accepted until the process exited (%v)", exitedAfter)
	}
	t.Logf("after SIGTERM: connections refused at %v, busy session drained (%d ms of audio, done, 1001) at %v, process exited 0 at %v",
		r.Round(time.Millisecond), done.AudioDurationMS, drained.Round(time.Millisecond), exitedAfter.Round(time.Millisecond))
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
