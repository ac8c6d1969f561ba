package agent

import (
	"testing"

	"github.com/coder/websocket"
)

// TestOutbox: a session's end closes after what is queued; a client that
// falls more than the bound behind is closed with 4005 ahead of it.
func TestOutbox(t *testing.T) {
	o := newOutbox(10)
	o.audio(make([]byte, 6))
	o.close(websocket.StatusNormalClosure, "bye")
	if f, _, _ := o.q.Pop(); !f.binary || len(f.data) != 6 {
		t.Fatalf("first %+v, want the audio", f)
	}
	if f, _, _ := o.q.Pop(); !f.close || f.code != websocket.StatusNormalClosure {
		t.Fatalf("then %+v, want the close", f)
	}

	o = newOutbox(10)
	o.json(map[string]string{"type": "ok"}) // 15 bytes: over the bound at once
	o.audio(make([]byte, 4))
	f, closing, ok := o.q.Pop()
	if !ok || !closing || !f.close || f.code != closeServerError {
		t.Fatalf("Pop = %+v, %v, %v; want the 4005 close first", f, closing, ok)
	}
}
