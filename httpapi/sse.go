package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/protocol"
)

// startSSE sends the headers of an event stream.
func startSSE(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
}

// sseKeepalive is written while an event stream has nothing else to say.
var sseKeepalive = []byte(": keepalive\n\n")

// sseEvent is one "data:" event with v as JSON.
func sseEvent(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own event types are marshalled
	}
	msg := make([]byte, 0, len(b)+8)
	msg = append(msg, "data: "...)
	msg = append(msg, b...)
	return append(msg, "\n\n"...)
}

// sseChunk and sseDone are the events of PROTOCOL.md's SSE endpoint.
type sseChunk struct {
	Chunk               string `json:"chunk"`
	ChunkIndex          int    `json:"chunk_index"`
	SampleRate          int    `json:"sample_rate"`
	Format              string `json:"format"`
	FirstChunkLatencyMS int64  `json:"first_chunk_latency_ms"`
}

type sseDone struct {
	Done            bool  `json:"done"`
	TotalChunks     int   `json:"total_chunks"`
	TotalTimeMS     int64 `json:"total_time_ms"`
	AudioDurationMS int64 `json:"audio_duration_ms"`
}

type sseError struct {
	Error string `json:"error"`
	Done  bool   `json:"done"`
}

// speechStream serves POST /v1/audio/speech/stream.
func (a *API) speechStream(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req speechRequest
	if err := decodeJSON(r, a.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.ResponseFormat == "" {
		req.ResponseFormat = "pcm"
	}
	if req.ResponseFormat != "pcm" {
		return errorf(http.StatusBadRequest, `the SSE stream carries pcm_s16le chunks: response_format must be "pcm" or absent`)
	}
	if req.WebhookURL != "" {
		return errorf(http.StatusBadRequest, "webhook_url is for POST /v1/audio/speech")
	}
	s, err := a.parseSpeech(r.Context(), p, req)
	if err != nil {
		return err
	}
	g, err := a.admit(r.Context(), w, p, s)
	if err != nil {
		return err
	}
	defer g.end()
	return a.streamPCM(w, r, p, s, g.hold)
}

// streamPCM speaks s as SSE chunk events, then done; on failure an error
// event ends the stream.
func (a *API) streamPCM(w http.ResponseWriter, r *http.Request, p auth.Principal, s synthesis, hold auth.Hold) error {
	start := time.Now()
	startSSE(w)
	return a.streamOut(r.Context(), w, sseKeepalive, func(ctx context.Context, out *pipe) error {
		var n int
		var samples int64
		var first int64
		var buf []byte
		var words func([]protocol.Word)
		if s.timestamps {
			words = func(ws []protocol.Word) {
				out.push(sseEvent(protocol.Timestamps{Type: protocol.TypeTimestamps, Words: ws}))
			}
		}
		err := a.speak(ctx, p, s, hold, a.waitForClient(out), func(pcm []int16) error {
			if n == 0 {
				first = time.Since(start).Milliseconds()
			}
			buf = audio.PCMToBytes(buf[:0], pcm)
			out.push(sseEvent(sseChunk{Chunk: base64.StdEncoding.EncodeToString(buf), ChunkIndex: n,
				SampleRate: protocol.SampleRate, Format: protocol.Format, FirstChunkLatencyMS: first}))
			n++
			samples += int64(len(pcm))
			return nil
		}, words)
		if err != nil {
			if errors.Is(context.Cause(ctx), ErrShuttingDown) {
				out.push(sseEvent(sseError{Error: ErrShuttingDown.Error(), Done: true}))
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err() // the client went away or fell behind; nobody to tell
			}
			a.log.Error("SSE synthesis failed", "key", p.KeyID, "err", err)
			out.push(sseEvent(sseError{Error: "synthesis failed", Done: true}))
			return nil
		}
		out.push(sseEvent(sseDone{Done: true, TotalChunks: n, TotalTimeMS: time.Since(start).Milliseconds(),
			AudioDurationMS: samples * 1000 / protocol.SampleRate}))
		return nil
	})
}
