package bench

import (
	"context"
	"fmt"
	"time"
)

// target is one kind of endpoint: realtimeTarget, or httpTarget for the
// batch and SSE endpoints. Everything else (workload, pacing policy,
// statistics, report) is shared.
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

// holder is a conn that can stay open without generations: the idle
// workload's. Realtime conns are holders.
type holder interface {
	// hold keeps the session open until the time until, and returns nil
	// then; a *failure if the server ends it first, or ctx's error.
	hold(ctx context.Context, until time.Time) error
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

// genRecord is one completed generation as the client saw it. The HTTP
// targets have no text messages and no flush: firstText and flush are the
// request being sent.
type genRecord struct {
	firstText, boundary, flush time.Time // sends; boundary is zero without one
	done                       time.Time // arrival of done, or the end of the body
	frames                     []frameArrival
	doneMsg                    *doneInfo // nil: the endpoint has no end message
}

// frameArrival is one audio frame (realtime), chunk event (SSE) or body
// read (batch): when it arrived and how many samples it carried.
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
	failClose    = "close"     // the server closed the connection (code set)
	failHTTP     = "http"      // the server answered a request with an error status (code set)
	failDial     = "dial"      // no connection
	failTimeout  = "timeout"   // an acknowledgement, done or the response did not come in time
	failProtocol = "protocol"  // the server sent something unusable
	failReset    = "reset"     // an HTTP connection ended before the response did
	failSSEError = "sse_error" // the SSE stream ended with an error event
)

// failure is why a session ended early.
type failure struct {
	kind    string
	code    int // close code for failClose, status for failHTTP
	message string
}

func (f *failure) Error() string {
	switch f.kind {
	case failClose:
		return fmt.Sprintf("close %d: %s", f.code, f.message)
	case failHTTP:
		return fmt.Sprintf("http %d: %s", f.code, f.message)
	}
	return f.kind + ": " + f.message
}

// closeAbnormal is the close code reported for a connection that ended
// without a close frame (RFC 6455 section 7.1.5 reserves 1006 for this).
const closeAbnormal = 1006
