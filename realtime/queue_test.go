package realtime

import (
	"context"
	"testing"
	"time"
)

// TestSendQueueBounds checks both bounds of the send queue: audio in bytes,
// control messages in number, and that the reader's wait for room ends
// when the writer takes one, or fails when it does not.
func TestSendQueueBounds(t *testing.T) {
	q := newSendQueue(1000)
	if !q.push(outItem{kind: outAudio, data: make([]byte, 600)}) {
		t.Fatal("audio within the bound refused")
	}
	if q.push(outItem{kind: outAudio, data: make([]byte, 600)}) {
		t.Fatal("audio beyond the bound accepted")
	}
	pushed := 0
	for i := 0; i < 10*maxControl; i++ {
		if !q.push(outItem{kind: outJSON, data: []byte(`{"type":"pong"}`)}) {
			break
		}
		pushed++
	}
	if pushed != 2*maxControl {
		t.Fatalf("%d control messages queued for a client that reads none, want the bound %d", pushed, 2*maxControl)
	}
	if q.push(outItem{kind: outDone}) {
		t.Fatal("done beyond the control bound accepted")
	}

	ctx := context.Background()
	start := time.Now()
	if q.waitRoom(ctx, 50*time.Millisecond) {
		t.Fatal("room reported in a full queue")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("waitRoom gave up after %v, before its timeout", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if q.waitRoom(cctx, time.Hour) {
		t.Fatal("room reported after ctx ended")
	}

	// The writer takes items: room comes back once fewer than maxControl
	// control messages remain, and waitRoom sees it.
	room := make(chan bool, 1)
	go func() { room <- q.waitRoom(ctx, 10*time.Second) }()
	taken := 0
	for {
		it, _, ok := q.pop()
		if !ok {
			t.Fatal("queue ran dry")
		}
		if it.kind != outAudio {
			taken++
		}
		if taken == maxControl+1 {
			break
		}
	}
	if !<-room {
		t.Fatal("waitRoom did not see the room the writer made")
	}
	q.takeControl()
	if !q.waitRoom(ctx, time.Millisecond) {
		t.Fatal("no room after takeControl emptied the queue")
	}
	if !q.push(outItem{kind: outAudio, data: make([]byte, 1000)}) {
		t.Fatal("audio refused in an empty queue")
	}
}
