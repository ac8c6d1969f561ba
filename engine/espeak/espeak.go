//go:build cgo

package espeak

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// shared is the process-wide espeak-ng state. espeak-ng keeps its state in
// C globals, so every Engine shares one worker: the first Open starts it,
// the last Close stops it. espeak-ng itself is initialised once per process
// and never terminated, so a later Open reuses the loaded data instead of
// going through espeak_Terminate and a second espeak_Initialize, and the
// process-wide setlocale that espeak_Initialize performs happens once.
var shared struct {
	mu      sync.Mutex
	refs    int
	w       *worker
	started bool  // espeak-ng has been initialised
	initErr error // a failed initialisation is not retried
	rate    int
	cat     *catalog
}

// Engine is a handle on the espeak-ng worker. It is safe for concurrent
// use; requests from all Engines are served one at a time, in order.
type Engine struct {
	w      *worker
	rate   int
	cat    *catalog
	closed atomic.Bool
}

// Open returns a handle on the espeak-ng worker, starting it (and
// initialising espeak-ng, the first time) if no other Engine is open.
func Open() (*Engine, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.initErr != nil {
		return nil, shared.initErr
	}
	if shared.w == nil {
		w := newWorker()
		ready := make(chan startup, 1)
		go w.run(!shared.started, ready)
		s := <-ready
		if s.err != nil {
			<-w.exited
			shared.initErr = s.err
			return nil, s.err
		}
		if !shared.started {
			shared.started, shared.rate, shared.cat = true, s.rate, s.cat
		}
		shared.w = w
	}
	shared.refs++
	return &Engine{w: shared.w, rate: shared.rate, cat: shared.cat}, nil
}

// Close releases the handle. Closing the last open Engine aborts the
// request in progress, fails the queued ones with ErrClosed and stops the
// worker before returning. Close is idempotent and always returns nil.
func (e *Engine) Close() error {
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.refs--
	if shared.refs == 0 {
		shared.w.stop()
		shared.w = nil
	}
	return nil
}

// SampleRate is the rate of the PCM that Synthesize emits, as reported by
// espeak_Initialize (22050 Hz for the stock voices).
func (e *Engine) SampleRate() int { return e.rate }

// QueueLen is the number of requests waiting for the worker, not counting
// the one being synthesised.
func (e *Engine) QueueLen() int { return int(e.w.queued.Load()) }

// Synthesize speaks text with p, calling emit with mono 16-bit PCM at
// SampleRate as espeak-ng produces it, about 50 ms per call. The slice is
// the caller's to keep. Empty text succeeds without calling emit. Text is
// plain UTF-8: markup is read as text, and control characters other than
// tab and line breaks are spoken as spaces.
//
// If emit returns an error, or ctx ends, espeak-ng stops at its next chunk
// and Synthesize returns that error (ctx.Err() for a context); a request
// whose context ends while it is queued is never synthesised.
//
// emit runs on the worker's thread, so every other request waits while it
// runs: it must not block for long, must not call into this package, and
// must not call runtime.Goexit (testing's FailNow does). A panic in emit
// aborts the request and is re-raised in the caller.
func (e *Engine) Synthesize(ctx context.Context, text string, p Params, emit func(pcm []int16) error) error {
	return e.SynthesizeWords(ctx, text, p, nil, emit)
}

// SynthesizeWords is Synthesize that also calls words, when not nil, with
// the words that start in each chunk before emit gets the chunk. words
// runs like emit. In a text with phoneme input (Params.Phonemes) the
// words' bytes are those of the phoneme text.
func (e *Engine) SynthesizeWords(ctx context.Context, text string, p Params, words func([]Word), emit func(pcm []int16) error) error {
	if emit == nil {
		return errors.New("espeak-ng: nil emit")
	}
	if e.closed.Load() {
		return ErrClosed
	}
	req, err := e.cat.resolve(p)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if text == "" {
		return nil
	}
	j := &job{
		ctx:  ctx,
		text: cleanText(text),
		req:  req,
		emit: emit,
		w:    e.w,
		done: make(chan struct{}),
	}
	if words != nil {
		j.onWords, j.offsets, j.rate = words, runeOffsets(text, j.text), e.rate
	}
	return e.w.do(j)
}

// Phonemize reads text with voice (a name as Params.Voice takes) and
// returns its clauses with their IPA phonemes, as espeak-ng would speak
// them; see Clause for how each clause's punctuation is found. It runs on
// the worker thread like Synthesize, waiting its turn, and sets the voice
// afresh, so it changes nothing for later requests. Control characters
// are read as spaces, and text that is then blank gives no clauses.
func (e *Engine) Phonemize(ctx context.Context, text, voice string) ([]Clause, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	req, err := e.cat.resolve(Params{Voice: voice})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if text = cleanText(text); strings.TrimSpace(text) == "" {
		return nil, nil
	}
	j := &job{
		ctx:       ctx,
		text:      text,
		req:       req,
		w:         e.w,
		done:      make(chan struct{}),
		phonemize: true,
	}
	if err := e.w.do(j); err != nil {
		return nil, err
	}
	return j.clauses, nil
}

// validate reports what Synthesize would reject in p, without queueing.
func (e *Engine) validate(p Params) error {
	if e.closed.Load() {
		return ErrClosed
	}
	_, err := e.cat.resolve(p)
	return err
}

// Voices lists the installed espeak-ng voices, sorted by Name.
func Voices() ([]VoiceInfo, error) {
	c, err := installed()
	if err != nil {
		return nil, err
	}
	voices := make([]VoiceInfo, len(c.voices))
	for i, v := range c.voices {
		v.Languages = slices.Clone(v.Languages)
		voices[i] = v
	}
	return voices, nil
}

// Variants lists the installed voice variants (espeak-ng-data/voices/!v),
// sorted; nil if espeak-ng cannot be started.
func Variants() []string {
	c, err := installed()
	if err != nil {
		return nil
	}
	return slices.Clone(c.variants)
}

// installed returns the catalog, starting espeak-ng briefly if it has not
// been started yet.
func installed() (*catalog, error) {
	shared.mu.Lock()
	c := shared.cat
	shared.mu.Unlock()
	if c != nil {
		return c, nil
	}
	e, err := Open()
	if err != nil {
		return nil, err
	}
	defer e.Close()
	return e.cat, nil
}
