package wsqueue

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// item is a test item: audio (data) or a control message.
type item struct {
	audio bool
	data  []byte
}

func cost(it item) (int, bool) { return len(it.data), !it.audio }

const maxControl = 4

// TestBounds checks both bounds: audio in bytes, control messages in
// number, and that the reader's wait for room ends when the writer takes
// one, or fails when it does not.
func TestBounds(t *testing.T) {
	q := New(1000, maxControl, cost)
	if !q.Push(item{audio: true, data: make([]byte, 600)}) {
		t.Fatal("audio within the bound refused")
	}
	if q.Push(item{audio: true, data: make([]byte, 600)}) {
		t.Fatal("audio beyond the bound accepted")
	}
	pushed := 0
	for i := 0; i < 10*maxControl; i++ {
		if !q.Push(item{data: []byte(`{"type":"pong"}`)}) {
			break
		}
		pushed++
	}
	if pushed != 2*maxControl {
		t.Fatalf("%d control messages queued for a client that reads none, want the bound %d", pushed, 2*maxControl)
	}

	ctx := context.Background()
	start := time.Now()
	if q.WaitRoom(ctx, 50*time.Millisecond) {
		t.Fatal("room reported in a full queue")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("WaitRoom gave up after %v, before its timeout", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if q.WaitRoom(cctx, time.Hour) {
		t.Fatal("room reported after ctx ended")
	}

	// The writer takes items: room comes back once fewer than maxControl
	// control messages remain, and WaitRoom sees it.
	room := make(chan bool, 1)
	go func() { room <- q.WaitRoom(ctx, 10*time.Second) }()
	taken := 0
	for taken < maxControl+1 {
		it, closing, ok := q.Pop()
		if !ok || closing {
			t.Fatal("queue ran dry")
		}
		if !it.audio {
			taken++
		}
	}
	if !<-room {
		t.Fatal("WaitRoom did not see the room the writer made")
	}
	if len(q.TakeControl()) != maxControl-1 {
		t.Fatal("TakeControl did not return the control messages left")
	}
	if !q.WaitRoom(ctx, time.Millisecond) {
		t.Fatal("no room after TakeControl emptied the queue")
	}
	if !q.Push(item{audio: true, data: make([]byte, 1000)}) {
		t.Fatal("audio refused in an empty queue")
	}
}

// TestCloseJumpsTheQueue: a close request comes before what is queued,
// the first one wins, and a waiting writer is woken for it.
func TestCloseJumpsTheQueue(t *testing.T) {
	q := New(1000, maxControl, cost)
	q.Push(item{audio: true, data: []byte{1, 2}})
	q.Push(item{data: []byte("ack")})
	if !q.Close(item{data: []byte("first")}) || q.Close(item{data: []byte("second")}) {
		t.Fatal("the first close request did not win")
	}
	select {
	case <-q.Ready():
	default:
		t.Fatal("no signal for the close request")
	}
	it, closing, ok := q.Pop()
	if !ok || !closing || string(it.data) != "first" {
		t.Fatalf("Pop = %+v, %v, %v; want the close request", it, closing, ok)
	}
	if got := q.TakeControl(); len(got) != 1 || string(got[0].data) != "ack" {
		t.Fatalf("TakeControl = %+v, want the ack and not the audio", got)
	}
}
