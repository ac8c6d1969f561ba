package bench

import (
	"context"
	"fmt"
	"time"
)

// target is one kind of endpoint. Adding the HTTP batch or SSE endpoint is
// a new target: everything else (workload, pacing policy, statistics,
// report) is shared.
type target interface {
	// open connects and configures one session. Errors are *failure, or
	// ctx's error.
	open(ctx context.Context) (conn, error)
}

// conn is one open session of a target. One goroutine uses it.
type conn interface {
	// generate runs one generation and returns what the client saw. Errors
	// are *failure, after which the conn is unusable, or ctx's error.
	generate(ctx context.Context, w *work) (*genRecord, error)
	// close ends the session normally and releases everything. It is
	// idempotent and may follow a failure.
	close()
}

// errorSink counts a server's non-fatal `error` message; it is safe for
// concurrent use.
type errorSink func(code int, message string)

// work is one generation to run.
type work struct {
	text string
	// tokens are sent in order, token i at i*interval after the first.
	tokens   []string
	interval time.Duration
	// boundary is the index of the token that completes the first sentence
	// end, or -1.
	boundary int
	// firstSegment is what the server speaks first (for the engine
	// baseline; empty without one).
	firstSegment firstSeg
}

// genRecord is one completed generation as the client saw it.
type genRecord struct {
	firstText, boundary, flush time.Time // sends; boundary is zero without one
	done                       time.Time // arrival of done
	frames                     []frameArrival
	doneMsg                    doneInfo
}

// frameArrival is one audio frame: when its header arrived and how many
// samples it carried.
type frameArrival struct {
	at      time.Time
	samples int
}

// doneInfo is what a target's end-of-generation message reported.
type doneInfo struct {
	totalChunks     int
	audioDurationMS int64
}

// Failure kinds.
const (
	failClose    = "close"    // the server closed the connection (code set)
	failDial     = "dial"     // no connection
	failTimeout  = "timeout"  // an acknowledgement or done did not come in time
	failProtocol = "protocol" // the server sent something unusable
)

// failure is why a session ended early.
type failure struct {
	kind    string
	code    int // close code for failClose
	message string
}

func (f *failure) Error() string {
	if f.kind == failClose {
		return fmt.Sprintf("close %d: %s", f.code, f.message)
	}
	return f.kind + ": " + f.message
}

// closeAbnormal is the close code reported for a connection that ended
// without a close frame (RFC 6455 section 7.1.5 reserves 1006 for this).
const closeAbnormal = 1006
