package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/protocol"
)

// sseStream writes server-sent events, with a ": keepalive" comment every
// Keepalive while nothing else is written. Writes are serialised; stop ends
// the keepalive goroutine and waits for it.
type sseStream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	mu   sync.Mutex
	err  error
	quit chan struct{}
	done chan struct{}
}

func (a *API) newSSE(w http.ResponseWriter, r *http.Request) *sseStream {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	s := &sseStream{w: w, rc: http.NewResponseController(w), quit: make(chan struct{}), done: make(chan struct{})}
	s.flush()
	go func() {
		defer close(s.done)
		t := time.NewTicker(a.cfg.Keepalive)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-r.Context().Done():
				return
			case <-t.C:
				s.write([]byte(": keepalive\n\n"))
			}
		}
	}()
	return s
}

func (s *sseStream) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.Write(b); err != nil {
		s.err = err
		return err
	}
	return s.flushLocked()
}

func (s *sseStream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.flushLocked()
}

func (s *sseStream) flushLocked() error {
	if err := s.rc.Flush(); err != nil {
		s.err = err
	}
	return s.err
}

// event writes one "data:" event with v as JSON.
func (s *sseStream) event(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	msg := make([]byte, 0, len(b)+8)
	msg = append(msg, "data: "...)
	msg = append(msg, b...)
	msg = append(msg, "\n\n"...)
	return s.write(msg)
}

func (s *sseStream) stop() {
	close(s.quit)
	<-s.done
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
	release, err := a.admit(r.Context(), w, p, s.chars)
	if err != nil {
		return err
	}
	defer release()
	return a.streamPCM(w, r, s, func() { a.charge(p, s.chars) })
}

// streamPCM speaks s as SSE chunk events, then done; on failure an error
// event ends the stream. onSuccess runs once everything was synthesised.
func (a *API) streamPCM(w http.ResponseWriter, r *http.Request, s synthesis, onSuccess func()) error {
	start := time.Now()
	sse := a.newSSE(w, r)
	defer sse.stop()
	var n int
	var samples int64
	var first int64
	var buf []byte
	_, err := a.d.Pipeline.SpeakAll(r.Context(), s.text, s.lang, s.prof, func(pcm []int16) error {
		if n == 0 {
			first = time.Since(start).Milliseconds()
		}
		buf = audio.PCMToBytes(buf[:0], pcm)
		ev := sseChunk{Chunk: base64.StdEncoding.EncodeToString(buf), ChunkIndex: n, SampleRate: protocol.SampleRate,
			Format: protocol.Format, FirstChunkLatencyMS: first}
		n++
		samples += int64(len(pcm))
		return sse.event(ev)
	})
	if err != nil {
		if errors.Is(context.Cause(r.Context()), ErrShuttingDown) {
			return sse.event(sseError{Error: ErrShuttingDown.Error(), Done: true})
		}
		if r.Context().Err() != nil {
			return nil // the client went away; nobody to tell
		}
		a.log.Error("SSE synthesis failed", "err", err)
		return sse.event(sseError{Error: "synthesis failed", Done: true})
	}
	onSuccess()
	return sse.event(sseDone{Done: true, TotalChunks: n, TotalTimeMS: time.Since(start).Milliseconds(),
		AudioDurationMS: samples * 1000 / protocol.SampleRate})
}
