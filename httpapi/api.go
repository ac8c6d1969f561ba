package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/pronounce"
)

// Config tunes the HTTP API. Zero fields take the values of DefaultConfig.
type Config struct {
	// Keepalive is the period of ": keepalive" comments on SSE streams.
	Keepalive time.Duration
	// MaxBodyBytes bounds the request bodies that carry reference audio;
	// every other body is bounded by maxTextBody.
	MaxBodyBytes int64
	// BodyTimeout bounds the time a client takes to send a request body,
	// so that a client trickling one cannot hold a connection open.
	BodyTimeout time.Duration
	// WriteTimeout bounds one write of an answer to its client; a client
	// that takes nothing for that long is disconnected and its synthesis
	// cancelled.
	WriteTimeout time.Duration
	// StreamBuffer bounds, in bytes, what a streamed answer keeps waiting
	// for its client before its synthesis pauses (between segments, holding
	// no engine): the answer buffers at most this plus one segment.
	StreamBuffer int
	// CORSOrigins are the origins whose pages may call the API, as
	// scheme://host[:port]; "*" (the default, when nil) is any origin. An
	// empty, non-nil list answers no cross-origin request.
	CORSOrigins []string
}

// maxTextBody bounds the bodies of requests without reference audio: 4,096
// characters of text, escaped, and a voice fit in it many times over.
const maxTextBody = 64 << 10

// DefaultConfig returns the defaults that zero fields take.
func DefaultConfig() Config {
	return Config{
		Keepalive:    15 * time.Second,
		MaxBodyBytes: 16 << 20,
		BodyTimeout:  60 * time.Second,
		WriteTimeout: 10 * time.Second,
		StreamBuffer: 1 << 20,
		CORSOrigins:  []string{"*"},
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Keepalive == 0 {
		c.Keepalive = d.Keepalive
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = d.BodyTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.StreamBuffer == 0 {
		c.StreamBuffer = d.StreamBuffer
	}
	if c.CORSOrigins == nil {
		c.CORSOrigins = d.CORSOrigins
	}
	return c
}

// Validate reports a configuration that cannot work. Zero values are valid:
// they take defaults.
func (c Config) Validate() error {
	if c.Keepalive < 0 || c.MaxBodyBytes < 0 || c.BodyTimeout < 0 || c.WriteTimeout < 0 || c.StreamBuffer < 0 {
		return errors.New("httpapi: keepalive, body size and limit, timeouts and stream buffer must not be negative")
	}
	return nil
}

// API serves section 2 of PROTOCOL.md.
type API struct {
	core
	cfg Config
}

// New returns the API. Its job manager, in d.Jobs, runs the API's Runner,
// built first from the same Deps.
func New(cfg Config, d Deps) (*API, error) {
	if d.Keys == nil || d.Accounting == nil || d.Limiter == nil {
		return nil, errors.New("httpapi: Keys, Accounting and Limiter are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newCore(d)
	if err != nil {
		return nil, err
	}
	return &API{core: c, cfg: cfg.withDefaults()}, nil
}

// Register adds the API's routes to mux, with the CORS preflight of each
// path.
func (a *API) Register(mux *http.ServeMux) {
	type route struct {
		method, path string
		h            authedHandler
		maxBody      int64
	}
	audioBody := a.cfg.MaxBodyBytes
	routes := []route{
		{"POST", "/v1/audio/speech", a.speech, maxTextBody},
		{"POST", "/v1/audio/speech/stream", a.speechStream, maxTextBody},
		{"GET", "/v1/jobs/{id}", a.getJob, maxTextBody},
		{"DELETE", "/v1/jobs/{id}", a.deleteJob, maxTextBody},
		{"GET", "/v1/jobs/{id}/audio", a.getJobAudio, maxTextBody},
		{"GET", "/v1/webhooks/secret", a.webhookSecret, maxTextBody},
		{"POST", "/v1/voices/design", a.designVoice, maxTextBody},
		{"POST", "/v1/voices/design/stream", a.designVoiceStream, maxTextBody},
		{"POST", "/v1/voices/extract-embeddings", a.extractEmbeddings, audioBody},
		{"POST", "/v1/voices", a.createVoice, audioBody},
		{"GET", "/v1/voices", a.listVoices, maxTextBody},
		{"GET", "/v1/voices/{id}", a.getVoice, maxTextBody},
		{"DELETE", "/v1/voices/{id}", a.deleteVoice, maxTextBody},
		{"GET", "/v1/usage", a.usage, maxTextBody},
	}
	if a.d.Pronunciations != nil {
		routes = append(routes, []route{
			{"POST", "/v1/pronunciations", a.createPronunciations, pronounce.MaxPLSBytes},
			{"GET", "/v1/pronunciations", a.listPronunciations, maxTextBody},
			{"GET", "/v1/pronunciations/{id}", a.getPronunciations, maxTextBody},
			{"DELETE", "/v1/pronunciations/{id}", a.deletePronunciations, maxTextBody},
		}...)
	}
	if a.d.Phone != nil {
		routes = append(routes, []route{
			{"POST", "/v1/twilio/numbers", a.createNumber, maxTextBody},
			{"GET", "/v1/twilio/numbers", a.listNumbers, maxTextBody},
			{"GET", "/v1/twilio/numbers/{id}", a.getNumber, maxTextBody},
			{"DELETE", "/v1/twilio/numbers/{id}", a.deleteNumber, maxTextBody},
			{"GET", "/v1/calls", a.listCalls, maxTextBody},
		}...)
		mux.HandleFunc("POST "+phone.VoicePath, a.twilioVoice)
	}
	var paths []string
	methods := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, a.authed(rt.h, min(rt.maxBody, audioBody)))
		if methods[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	for _, p := range paths {
		mux.Handle("OPTIONS "+p, a.preflight(strings.Join(methods[p], ", ")))
	}
}

type principalKey struct{}

// authedHandler is a handler that acts for a principal and may fail.
type authedHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// authed authenticates the Bearer key, reads the body (at most maxBody
// bytes, within BodyTimeout), runs h, maps its error, and counts the
// request.
func (a *API) authed(h authedHandler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			a.d.Metrics.HTTPRequests.WithLabelValues(r.Pattern, itoa(sw.statusCode())).Inc()
		}()
		a.setCORS(sw, r)
		rc := http.NewResponseController(w)
		if r.Body != http.NoBody {
			// Also bounds the discarding of the body of a request refused
			// before it is read.
			_ = rc.SetReadDeadline(time.Now().Add(a.cfg.BodyTimeout))
		}
		key := auth.Bearer(r)
		if key == "" {
			a.writeError(sw, r, errUnauthorized)
			return
		}
		p, err := a.d.Keys.Authenticate(r.Context(), key)
		if errors.Is(err, auth.ErrUnauthorized) {
			a.writeError(sw, r, errUnauthorized)
			return
		}
		if err != nil {
			a.writeError(sw, r, err)
			return
		}
		if r.Body != http.NoBody {
			if err := readBody(r, maxBody); err != nil {
				a.writeError(sw, r, err)
				return
			}
			// The deadline must not outlive the body: a streamed answer
			// takes longer, and the connection's read side would cancel
			// the request when it passed.
			_ = rc.SetReadDeadline(time.Time{})
		}
		if err := h(sw, r, p); err != nil {
			if sw.wrote {
				// The response is under way: all that is left is to cut
				// it short, which the client sees as a broken stream.
				a.log.Warn("request failed after the response started", "route", r.Pattern, "client", a.d.ClientIP.Host(r), "err", err)
				panic(http.ErrAbortHandler)
			}
			a.writeError(sw, r, err)
		}
	})
}

// readBody reads r's body, at most max bytes, into memory and puts it back
// for the handler to decode.
func readBody(r *http.Request, max int64) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", max)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errorf(http.StatusRequestTimeout, "request body not received in time")
	case err != nil:
		return errorf(http.StatusBadRequest, "reading the request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

// statusWriter remembers whether and what the handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if !w.wrote {
			w.status, w.wrote = http.StatusOK, true
		}
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// grant is an admitted synthesis: a concurrency slot and the quota
// reserved for it. end releases both.
type grant struct {
	hold auth.Hold
	conc func()
}

func (g *grant) end() {
	g.hold.Release()
	g.conc()
}

// admit applies the key's limits to synthesis s: those of limit, and the
// monthly quota, of which it reserves s's billed characters. The caller
// ends the grant when the synthesis ends.
func (a *API) admit(ctx context.Context, w http.ResponseWriter, p auth.Principal, s synthesis) (*grant, error) {
	rel, err := a.limit(ctx, w, p)
	if err != nil {
		return nil, err
	}
	hold, err := a.d.Accounting.Reserve(ctx, p, s.billed)
	if err != nil {
		rel()
		return nil, quotaError(err)
	}
	return &grant{hold: hold, conc: rel}, nil
}

// limit takes one of the key's concurrency slots and one generation of its
// per-minute rate, setting the rate headers on w; release gives the slot
// back.
func (a *API) limit(ctx context.Context, w http.ResponseWriter, p auth.Principal) (release func(), err error) {
	lim := a.d.Limiter
	rel, err := lim.AcquireKeyRequest(ctx, p.KeyID)
	if err != nil {
		if !errors.Is(err, limits.ErrTooManyAtOnce) {
			return nil, err
		}
		return nil, errorf(http.StatusTooManyRequests, "too many concurrent requests for this key").
			with("Retry-After", "1").
			with("X-Concurrent-Limit", itoa(lim.Config().MaxConcurrentPerKey)).
			with("X-Concurrent-Active", itoa(lim.KeyRequests(ctx, p.KeyID)))
	}
	st, err := lim.AllowGeneration(ctx, p.KeyID)
	if err != nil {
		rel()
		if !errors.Is(err, limits.ErrTooManyRequests) {
			return nil, err
		}
		e := errorf(http.StatusTooManyRequests, "too many requests per minute for this key")
		e.header = http.Header{}
		setRateHeaders(e.header, st)
		return nil, e.with("Retry-After", itoa(int(math.Ceil(st.RetryIn.Seconds()))))
	}
	setRateHeaders(w.Header(), st)
	return rel, nil
}

// quotaError maps a refused reservation to 429 until the next month.
func quotaError(err error) error {
	var qe *auth.QuotaError
	if !errors.As(err, &qe) {
		return err
	}
	next := nextMonth(time.Now())
	return errorf(http.StatusTooManyRequests, "%v", qe).
		with("Retry-After", itoa(int(math.Ceil(time.Until(next).Seconds()))))
}

// setRateHeaders sets the X-RateLimit headers; Reset is in seconds from now.
func setRateHeaders(h http.Header, st limits.RateState) {
	h.Set("X-RateLimit-Limit", itoa(st.Limit))
	h.Set("X-RateLimit-Remaining", itoa(st.Remaining))
	h.Set("X-RateLimit-Reset", itoa(int(math.Ceil(st.Reset.Seconds()))))
}

func nextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}
