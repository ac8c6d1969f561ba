package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"
)

// Bounds of what the HTTP targets read.
const (
	// maxPCMBody bounds a batch response: 4,096 characters are a few
	// minutes of speech, about 10 MB of 24 kHz PCM.
	maxPCMBody = 64 << 20
	// maxErrorBody bounds the body of an error response read for its
	// message.
	maxErrorBody = 64 << 10
	// bodyReadSize is the buffer of one body read; a chunk of audio is a few
	// kilobytes.
	bodyReadSize = 32 << 10
)

// newHTTPClient returns the client of one run, for the HTTP targets and the
// metrics scrapes; the run closes its idle connections at the end. It keeps
// a connection per session, so that sessions reuse theirs as an HTTP client
// of the API would.
func newHTTPClient(cfg Config) (*http.Client, *http.Transport) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = cfg.ConnectTimeout
	tr.MaxIdleConns = cfg.Sessions + 1
	tr.MaxIdleConnsPerHost = cfg.Sessions + 1
	return &http.Client{Transport: tr}, tr
}

// httpTarget drives POST /v1/audio/speech (raw pcm body) or
// /v1/audio/speech/stream (SSE), PROTOCOL.md section 2. A session is a
// client sending one request after another; it has nothing to open.
type httpTarget struct {
	cfg    Config
	url    string
	client *http.Client
	sse    bool
}

func (t *httpTarget) open(context.Context) (conn, error) {
	return &httpConn{t: t, buf: make([]byte, bodyReadSize)}, nil
}

// httpConn is one HTTP session.
type httpConn struct {
	t   *httpTarget
	buf []byte // body reads of the batch target
}

func (c *httpConn) close() {}

// speechBody is the request body: the murmr form of PROTOCOL.md section 2.
type speechBody struct {
	Text             string `json:"text"`
	VoiceDescription string `json:"voice_description,omitempty"`
	Language         string `json:"language,omitempty"`
	ResponseFormat   string `json:"response_format"`
}

func (c *httpConn) generate(ctx context.Context, w *work) (*genRecord, error) {
	cfg := c.t.cfg
	body, err := json.Marshal(speechBody{Text: w.text, VoiceDescription: cfg.VoiceDescription, Language: cfg.Language, ResponseFormat: "pcm"})
	if err != nil {
		return nil, err
	}
	gctx, cancel := context.WithTimeout(ctx, cfg.GenerationTimeout)
	defer cancel()
	// The request is stamped when it has a connection, just before it is
	// written: setting up a connection is not time to first audio, as the
	// WebSocket dial is not.
	var sent time.Time
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { sent = time.Now() }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(gctx, trace), http.MethodPost, c.t.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.APIKey)
	req.Header.Set("Content-Type", "application/json")
	if c.t.sse {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := c.t.client.Do(req)
	if err != nil {
		return nil, c.failed(ctx, gctx, !sent.IsZero(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusFailure(resp)
	}
	g := &genRecord{firstText: sent, flush: sent}
	if c.t.sse {
		err = c.readSSE(resp, g)
	} else {
		err = c.readPCM(resp, g)
	}
	if err != nil {
		var f *failure
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, c.failed(ctx, gctx, true, err)
	}
	return g, nil
}

// failed turns an error of the request under opCtx (derived from the
// session's ctx) into the reason the session ends.
func (c *httpConn) failed(ctx, opCtx context.Context, connected bool, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case opCtx.Err() != nil:
		return &failure{kind: failTimeout, message: "the response did not end in time"}
	case !connected:
		return &failure{kind: failDial, message: err.Error()}
	}
	return &failure{kind: failReset, message: err.Error()}
}

// statusFailure reads an error response's {"error": "..."} message.
func statusFailure(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var e struct {
		Error string `json:"error"`
	}
	msg := http.StatusText(resp.StatusCode)
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	return &failure{kind: failHTTP, code: resp.StatusCode, message: msg}
}

// readPCM reads a raw pcm body. Every read that returns bytes is a frame:
// there is no framing in a body, and what one read returns is what arrived
// together.
func (c *httpConn) readPCM(resp *http.Response, g *genRecord) error {
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" || strings.Contains(mt, "wav") {
		return &failure{kind: failProtocol, message: fmt.Sprintf("the body is %s, not raw pcm", mt)}
	}
	var total int64
	for {
		n, err := resp.Body.Read(c.buf)
		if n > 0 {
			at := time.Now()
			// A read may end inside a sample; the sample counts where it
			// ends.
			before := total / 2
			total += int64(n)
			g.frames = append(g.frames, frameArrival{at: at, samples: int(total/2 - before)})
			if total > maxPCMBody {
				return &failure{kind: failProtocol, message: fmt.Sprintf("the body exceeds %d bytes", maxPCMBody)}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	g.done = time.Now()
	if total%2 != 0 {
		return &failure{kind: failProtocol, message: fmt.Sprintf("the body has %d bytes, not whole 16-bit samples", total)}
	}
	return nil
}
