package realtime

import (
	"github.com/parley-voice/parley/internal/wsqueue"
	"github.com/parley-voice/parley/protocol"
)

type outKind uint8

const (
	outJSON       outKind = iota // a pre-encoded JSON message
	outAudio                     // PCM of a generation
	outDone                      // the done message of a generation, built at write time
	outBinaryMode                // switch to binary frames, then write the ack in data
	outWords                     // a timestamps message in data, dropped with its audio
	outClose                     // close the socket with code and reason (queued: after everything before it; a close request: first)
)

// outItem is one entry of the send queue.
type outItem struct {
	kind  outKind
	data  []byte // JSON, or little-endian PCM for outAudio; for a close request, an error message to write first
	gen   *generation
	tr    *track // audio, done and timestamps: their context
	epoch uint64 // the track's: items of a cleared epoch are dropped
	code  protocol.CloseCode
	// reason is a close's reason.
	reason string
}

// maxControl is the number of queued control messages (everything but
// audio) beyond which the reader waits for the writer. Each client message
// adds at most one and each job at most one, so a queue that reaches
// twice as many is a bug or a client that does not read.
const maxControl = 256

// newSendQueue returns the queue between a session's producers and its
// writer, bounded at maxBytes of audio (package wsqueue): audio and its
// timestamps are data, everything else control.
func newSendQueue(maxBytes int) *wsqueue.Queue[outItem] {
	return wsqueue.New(maxBytes, maxControl, func(it outItem) (int, bool) {
		return len(it.data), it.kind != outAudio && it.kind != outWords
	})
}
