package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/parley-voice/parley/agent/stt/openai"
	"github.com/parley-voice/parley/agent/stt/pocketsphinx"
)

// Recognizer transcribes one utterance at a time for one session. It is
// used by the session's ear only, except Finish, which may run on its own
// goroutine while the ear goes on.
type Recognizer interface {
	// Start begins an utterance.
	Start(ctx context.Context) error
	// Write adds 16 kHz mono PCM to the utterance.
	Write(pcm []int16) error
	// Partial returns the hypothesis so far ("" if the recogniser has none
	// or cannot give one).
	Partial() string
	// Finish ends the utterance and returns its transcript.
	Finish(ctx context.Context) (string, error)
	// Cancel drops the utterance in progress, if any.
	Cancel()
}

// STT makes recognisers. Implementations are safe for concurrent use.
type STT interface {
	NewRecognizer(language string) Recognizer
	Name() string
}

// Sphinx is the offline STT: pocketsphinx decoders from a shared pool, one
// per utterance, so that idle sessions hold none. English only.
type Sphinx struct{ Pool *pocketsphinx.Pool }

// Name implements STT.
func (s Sphinx) Name() string { return "pocketsphinx" }

// NewRecognizer implements STT.
func (s Sphinx) NewRecognizer(string) Recognizer { return &sphinxRec{pool: s.Pool} }

type sphinxRec struct {
	pool *pocketsphinx.Pool
	mu   sync.Mutex // Partial and Finish may be called while the ear writes
	d    *pocketsphinx.Decoder
}

func (r *sphinxRec) Start(ctx context.Context) error {
	r.Cancel()
	d, err := r.pool.Get(ctx)
	if err != nil {
		return err
	}
	if err := d.Start(); err != nil {
		r.pool.Put(d)
		return err
	}
	r.mu.Lock()
	r.d = d
	r.mu.Unlock()
	return nil
}

func (r *sphinxRec) Write(pcm []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.d == nil {
		return errors.New("agent: recogniser not started")
	}
	return r.d.Write(pcm)
}

func (r *sphinxRec) Partial() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.d == nil {
		return ""
	}
	s, _ := r.d.Partial()
	return s
}

func (r *sphinxRec) Finish(context.Context) (string, error) {
	r.mu.Lock()
	d := r.d
	r.d = nil
	r.mu.Unlock()
	if d == nil {
		return "", errors.New("agent: recogniser not started")
	}
	defer r.pool.Put(d)
	return d.End()
}

func (r *sphinxRec) Cancel() {
	r.mu.Lock()
	d := r.d
	r.d = nil
	r.mu.Unlock()
	if d != nil {
		r.pool.Put(d) // Put resets the decoder, utterance and all
	}
}

// Whisper is an OpenAI-compatible transcription server: it gets the whole
// utterance when it ends, so it gives no partial transcripts.
type Whisper struct{ T *openai.Transcriber }

// Name implements STT.
func (w Whisper) Name() string { return "openai:" + w.T.Model() }

// NewRecognizer implements STT.
func (w Whisper) NewRecognizer(language string) Recognizer {
	return &whisperRec{t: w.T, lang: language}
}

// maxUtterance bounds the audio buffered for one utterance (60 s at 16 kHz).
const maxUtterance = 60 * 16000

type whisperRec struct {
	t    *openai.Transcriber
	lang string
	mu   sync.Mutex
	pcm  []int16
	on   bool
}

func (r *whisperRec) Start(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pcm, r.on = r.pcm[:0], true
	return nil
}

func (r *whisperRec) Write(pcm []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return errors.New("agent: recogniser not started")
	}
	if len(r.pcm)+len(pcm) > maxUtterance {
		return fmt.Errorf("agent: utterance longer than %d s", maxUtterance/16000)
	}
	r.pcm = append(r.pcm, pcm...)
	return nil
}

func (r *whisperRec) Partial() string { return "" }

func (r *whisperRec) Finish(ctx context.Context) (string, error) {
	r.mu.Lock()
	pcm := append([]int16(nil), r.pcm...)
	r.pcm, r.on = r.pcm[:0], false
	r.mu.Unlock()
	lang := r.lang
	if lang == "Auto" {
		lang = ""
	}
	return r.t.Transcribe(ctx, pcm, lang)
}

func (r *whisperRec) Cancel() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pcm, r.on = r.pcm[:0], false
}
