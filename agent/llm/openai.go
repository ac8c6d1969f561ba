package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"strings"
	"time"

	"github.com/parley-voice/parley/internal/oaicompat"
)

const (
	// maxAnswerBytes bounds the answer Stream accumulates: far more than
	// anyone listens to, small enough that a runaway server cannot exhaust
	// memory.
	maxAnswerBytes = 1 << 20
	// maxErrorBody bounds the error body read from a failed response.
	maxErrorBody = 64 << 10
	// drainTimeout and maxDrain bound reading the end of a body after
	// [DONE], which lets an HTTP/1.1 connection be reused by the next turn
	// instead of paying for a new (TLS) handshake.
	drainTimeout = 100 * time.Millisecond
	maxDrain     = 64 << 10
)

// OpenAI streams answers from an OpenAI-compatible /chat/completions
// endpoint. It is safe for concurrent use.
type OpenAI struct {
	cfg OpenAIConfig
	ep  oaicompat.Endpoint
}

// NewOpenAI returns a client for the server cfg describes. It makes no
// request: a bad key or model shows up as an *APIError from Stream.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &OpenAI{cfg: cfg, ep: oaicompat.NewEndpoint(cfg.BaseURL, "/chat/completions", cfg.APIKey, cfg.HTTPClient)}, nil
}

// Name returns the model name.
func (o *OpenAI) Name() string { return o.cfg.Model }

type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Stream      bool      `json:"stream"`
	Temperature *float64  `json:"temperature,omitempty"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
}

// chatChunk is one event of a streamed completion. Fields servers leave
// null or out ("content": null from Ollama and llama.cpp, usage-only
// chunks with no choices) decode to zero values and are skipped.
type chatChunk struct {
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		// Message is where servers that ignore "stream" put the answer.
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// Stream implements Model. A request refused with 429 or 5xx is retried
// (see OpenAIConfig.MaxRetries); once a token has been delivered nothing
// is retried. If the connection drops before the stream's end ([DONE], or
// a finish_reason for servers that close without [DONE]) the error wraps
// io.ErrUnexpectedEOF and the text received so far is returned.
func (o *OpenAI) Stream(ctx context.Context, msgs []Message, onDelta func(string) error) (string, error) {
	if err := validateMessages(msgs); err != nil {
		return "", err
	}
	if onDelta == nil {
		onDelta = func(string) error { return nil }
	}
	body, err := json.Marshal(chatRequest{
		Model:       o.cfg.Model,
		Messages:    msgs,
		Stream:      true,
		Temperature: o.cfg.Temperature,
		MaxTokens:   o.cfg.MaxTokens,
	})
	if err != nil {
		return "", fmt.Errorf("llm: encoding request: %w", err)
	}
	for retry := 0; ; retry++ {
		text, err := o.attempt(ctx, body, onDelta)
		var apiErr *APIError
		// A status error comes before the body, so no token has been
		// delivered and sending the request again is safe.
		if retry >= o.cfg.MaxRetries || !errors.As(err, &apiErr) || apiErr.StatusCode == 0 || !apiErr.Retryable() {
			return text, err
		}
		wait := apiErr.RetryAfter
		if wait == 0 {
			d := o.cfg.RetryBackoff << retry
			wait = d/2 + rand.N(d/2+1) // jitter spreads sessions refused together
		}
		if wait > o.cfg.MaxRetryWait {
			return text, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// attempt sends one request and reads its answer.
func (o *OpenAI) attempt(ctx context.Context, body []byte, onDelta func(string) error) (string, error) {
	reqCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The watchdog cancels the request when the server is silent too
	// long; cancelling closes the body, which unblocks any read.
	watchdog := time.AfterFunc(o.cfg.Timeout, func() { cancel(ErrTimeout) })
	defer watchdog.Stop()

	resp, err := o.ep.Post(reqCtx, "application/json", "text/event-stream", body)
	if err != nil {
		return "", o.failure(ctx, reqCtx, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil && ctx.Err() != nil {
			return "", ctx.Err()
		}
		e := oaicompat.NewAPIError(resp.StatusCode, resp.Header.Get("Content-Type"), b)
		e.RetryAfter = retryAfter(resp.Header, time.Now())
		return "", fmt.Errorf("llm: %w", e)
	}
	s := &stream{ctx: ctx, onDelta: onDelta}
	r := &activityReader{r: resp.Body, timer: watchdog, idle: o.cfg.IdleTimeout}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		err = s.readCompletion(r)
	} else {
		err = s.readEvents(r)
	}
	switch {
	case s.cbErr != nil:
		return s.text.String(), s.cbErr
	case ctx.Err() != nil:
		return s.text.String(), ctx.Err()
	case err != nil:
		return s.text.String(), o.failure(ctx, reqCtx, err)
	}
	watchdog.Reset(drainTimeout)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	return s.text.String(), nil
}

// failure explains an error from a request: the caller's cancellation as
// ctx.Err() itself, the watchdog's as ErrTimeout, anything else wrapped.
func (o *OpenAI) failure(ctx, reqCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(context.Cause(reqCtx), ErrTimeout) {
		return fmt.Errorf("%w (%s: no data within the timeout)", ErrTimeout, o.ep.URL)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrTooLong) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("llm: %s: stream ended before the answer was complete: %w", o.ep.URL, err)
	}
	return fmt.Errorf("llm: %w", err)
}

// stream accumulates one answer and hands its pieces to onDelta.
type stream struct {
	ctx     context.Context
	onDelta func(string) error
	text    strings.Builder
	// cbErr is the error onDelta returned, which Stream returns as is.
	cbErr error
}

func (s *stream) deliver(delta string) error {
	if delta == "" {
		return nil
	}
	if s.text.Len()+len(delta) > maxAnswerBytes {
		return fmt.Errorf("%w: over %d bytes", ErrTooLong, maxAnswerBytes)
	}
	s.text.WriteString(delta)
	s.cbErr = s.onDelta(delta)
	return s.cbErr
}

// readEvents reads an event stream up to [DONE].
func (s *stream) readEvents(r io.Reader) error {
	dec := newSSEDecoder(r)
	finished := false
	var chunk chatChunk
	for {
		ev, err := dec.next()
		if err == io.EOF {
			if finished {
				return nil // servers that close without [DONE]
			}
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			if finished && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil // the answer was complete; only [DONE] was lost
			}
			return err
		}
		// Events already buffered must not reach onDelta once the caller
		// has given up.
		if err := s.ctx.Err(); err != nil {
			return err
		}
		data := bytes.TrimSpace(ev.Data)
		if ev.Type == "error" {
			return streamError(data)
		}
		if len(data) == 0 {
			continue
		}
		if string(data) == "[DONE]" {
			return nil
		}
		chunk = chatChunk{}
		if err := json.Unmarshal(data, &chunk); err != nil {
			return fmt.Errorf("%w: event is not a JSON chunk: %w", ErrMalformed, err)
		}
		if len(chunk.Error) > 0 && string(chunk.Error) != "null" {
			return streamError(data)
		}
		for _, c := range chunk.Choices {
			if c.Index != 0 {
				continue
			}
			if c.FinishReason != "" {
				finished = true
			}
			if err := s.deliver(c.Delta.Content); err != nil {
				return err
			}
		}
	}
}

// readCompletion reads the plain JSON answer of a server that ignored
// "stream": true, delivering it as one delta.
func (s *stream) readCompletion(r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, maxAnswerBytes+maxErrorBody))
	if err != nil {
		return unexpectedEnd(err)
	}
	var c chatChunk
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("%w: response is not a JSON completion: %w", ErrMalformed, err)
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		return streamError(b)
	}
	for _, ch := range c.Choices {
		if ch.Index == 0 {
			return s.deliver(ch.Message.Content)
		}
	}
	return fmt.Errorf("%w: completion has no choices", ErrMalformed)
}

// streamError builds the APIError for an error reported inside a 200
// response.
func streamError(data []byte) error {
	e := &APIError{}
	e.Message, e.Type, e.Code = oaicompat.FromJSON(data)
	if e.Message == "" {
		// Not JSON: the text, bounded, as a non-2xx body would be read.
		e.Message, _, _ = oaicompat.ErrorDetails(0, "", data)
	}
	return fmt.Errorf("llm: %w", e)
}

// activityReader re-arms the idle watchdog whenever bytes arrive.
type activityReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.timer.Reset(a.idle)
	}
	return n, err
}
