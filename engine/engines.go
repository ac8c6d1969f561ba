package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/flite"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

// Engine names as used in Voice.Engine.
const (
	Espeak = "espeak"
	Flite  = "flite"
)

// Config selects and tunes the engines.
type Config struct {
	DisableEspeak bool
	DisableFlite  bool
	// FliteConcurrency bounds simultaneous flite syntheses; 0 means one per
	// CPU.
	FliteConcurrency int
	// EspeakProcesses is the number of espeak-ng worker processes beside
	// the in-process worker (espeak-ng is single-threaded, so each process
	// adds one synthesis at a time, and a crash in one fails only its
	// request); 0 means in-process only. DefaultConfig runs one per CPU.
	EspeakProcesses int
	// EspeakIsolated sends every espeak-ng request to a worker process,
	// none to the in-process worker, so that text from clients never
	// reaches espeak-ng inside this process (see espeak.PoolConfig). It
	// needs EspeakProcesses >= 1. It covers the neural voices' phonemes
	// too, with espeak-ng's own voices disabled or not. DefaultConfig sets
	// it.
	EspeakIsolated bool
	// EspeakWorkerCommand starts one espeak-ng worker process; empty means
	// this executable with espeak.WorkerSubcommand, which parley serves.
	EspeakWorkerCommand []string
	// Edge is the fade applied at both ends of every segment so that joins
	// never click; 0 means 5 ms.
	Edge time.Duration
	// LeadGap caps the silence an engine puts before a segment's speech;
	// 0 means 80 ms.
	LeadGap time.Duration
	// ChunkMin and ChunkMax bound emitted chunks after the first one of a
	// segment, which is emitted as soon as it exists; 0 means 40 and 80 ms.
	ChunkMin, ChunkMax time.Duration

	// ModelsDir holds the neural voices (see the package documentation);
	// "" or a missing directory means none.
	ModelsDir string
	// ORTLibrary is the onnxruntime shared library; "" means
	// ortenv.FindLibrary.
	ORTLibrary string
	// NeuralConcurrency bounds the neural model runs under way, all voices
	// together; 0 means one per CPU.
	NeuralConcurrency int
	// NeuralSessions is the onnxruntime sessions per model, each a copy of
	// its weights; 0 means 1 (a session takes concurrent runs).
	NeuralSessions int
	// NeuralThreads is each session's intra-op threads; 0 means the CPUs
	// divided by NeuralConcurrency, at least 1.
	NeuralThreads int
	// NeuralFirstPhonemes bounds the first model run of a segment needed
	// now (see piper.Options.FirstPhonemes); 0 means the engine's default,
	// -1 no shorter first run.
	NeuralFirstPhonemes int
}

// DefaultConfig is a server's configuration: every engine, espeak-ng in
// one worker process per CPU and never in this process. Fields whose
// default depends on others (FliteConcurrency, NeuralConcurrency,
// NeuralSessions, NeuralThreads) are left zero, to be worked out when the
// engines open. The zero Config differs only in running espeak-ng in
// process, which suits tools that synthesise their own text.
func DefaultConfig() Config {
	return Config{
		EspeakProcesses: runtime.GOMAXPROCS(0),
		EspeakIsolated:  true,
		Edge:            defaultEdge,
		LeadGap:         defaultLeadGap,
		ChunkMin:        defaultChunkMin,
		ChunkMax:        defaultChunkMax,
	}
}

const (
	defaultEdge     = 5 * time.Millisecond
	defaultLeadGap  = 80 * time.Millisecond
	defaultChunkMin = 40 * time.Millisecond
	defaultChunkMax = 80 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.FliteConcurrency == 0 {
		c.FliteConcurrency = runtime.GOMAXPROCS(0)
	}
	if c.Edge == 0 {
		c.Edge = defaultEdge
	}
	if c.LeadGap == 0 {
		c.LeadGap = defaultLeadGap
	}
	if c.ChunkMin == 0 {
		c.ChunkMin = defaultChunkMin
	}
	if c.ChunkMax == 0 {
		c.ChunkMax = defaultChunkMax
	}
	if c.NeuralConcurrency == 0 {
		c.NeuralConcurrency = runtime.GOMAXPROCS(0)
	}
	if c.NeuralThreads == 0 {
		c.NeuralThreads = max(1, runtime.GOMAXPROCS(0)/c.NeuralConcurrency)
	}
	return c
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.DisableEspeak && c.DisableFlite {
		return errors.New("engine: every engine is disabled")
	}
	if c.EspeakProcesses < 0 {
		return errors.New("engine: negative espeak-ng worker processes")
	}
	if c.EspeakIsolated && c.EspeakProcesses == 0 && !c.DisableEspeak {
		return errors.New("engine: espeak-ng is isolated in worker processes, but there are none")
	}
	if c.FliteConcurrency < 0 || c.Edge < 0 || c.LeadGap < 0 || c.ChunkMin < 0 || c.ChunkMax < c.ChunkMin {
		return errors.New("engine: invalid concurrency, edge or chunk sizes")
	}
	if c.NeuralConcurrency < 0 || c.NeuralSessions < 0 || c.NeuralThreads < 0 || c.NeuralFirstPhonemes < -1 {
		return errors.New("engine: invalid neural concurrency, sessions, threads or first run")
	}
	return nil
}

// Errors.
var (
	ErrUnknownEngine = errors.New("engine: unknown or unavailable engine")
	ErrLanguage      = errors.New("engine: voice does not speak this language")
)

// Engines is the set of installed engines behind one Synthesizer. It is safe
// for concurrent use.
type Engines struct {
	cfg      Config
	espeak   *espeak.Pool
	flite    *sched.Slots // FliteConcurrency slots, urgent syntheses first
	neural   *neural      // nil without neural voices
	problems []error
}

// Open starts the engines that cfg enables. An enabled engine that cannot
// start is an error, so that a misinstalled host fails at start-up rather
// than on the first request. Neural voices are the exception: each voice
// in cfg.ModelsDir that cannot be loaded is left out, and Problems says
// why, so that one bad download does not stop the server.
func Open(cfg Config) (*Engines, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	e := &Engines{cfg: cfg}
	if !cfg.DisableEspeak {
		es, err := espeak.OpenPool(espeak.PoolConfig{
			Processes:     cfg.EspeakProcesses,
			Isolated:      cfg.EspeakIsolated,
			WorkerCommand: cfg.EspeakWorkerCommand,
		})
		if err != nil {
			return nil, fmt.Errorf("engine: espeak-ng: %w", err)
		}
		e.espeak = es
	}
	if !cfg.DisableFlite {
		if _, err := flite.SampleRate("slt"); err != nil {
			e.Close()
			return nil, fmt.Errorf("engine: flite: %w", err)
		}
		e.flite = sched.NewSlots(cfg.FliteConcurrency)
	}
	e.neural, e.problems = openNeural(cfg, e.espeak)
	return e, nil
}

// Problems lists the neural voices Open refused, each error naming the
// file and what was wrong with it, for the caller to log.
func (e *Engines) Problems() []error { return e.problems }

// Close stops the engines. It is idempotent.
func (e *Engines) Close() error {
	var errs []error
	if e.neural != nil {
		errs = append(errs, e.neural.close())
		e.neural = nil
	}
	if e.espeak != nil {
		errs = append(errs, e.espeak.Close())
	}
	return errors.Join(errs...)
}

// NeuralVoices lists the installed neural voices, by engine and name; a
// multi-speaker voice once, with its speakers.
func (e *Engines) NeuralVoices() []NeuralVoice {
	if e.neural == nil {
		return nil
	}
	return slices.Clone(e.neural.voices)
}

// LookupVoice resolves a neural voice name as clients give it
// ("piper:en_US-amy-low", "kokoro:af_heart:0.7+bf_emma:0.3", or a bare name
// only one engine has) to the voice, its ID canonical. It fails with
// ErrUnknownVoice for anything else.
func (e *Engines) LookupVoice(name string) (NeuralVoice, error) {
	if e.neural == nil {
		return NeuralVoice{}, fmt.Errorf("%w %q: no neural voices are installed", ErrUnknownVoice, name)
	}
	return e.neural.lookup(name)
}

// Models reports each loaded neural model's memory.
func (e *Engines) Models() []ModelStat {
	if e.neural == nil {
		return nil
	}
	return e.neural.models()
}

// Has reports whether the named engine is running.
func (e *Engines) Has(name string) bool {
	switch name {
	case Espeak:
		return e.espeak != nil
	case Flite:
		return e.flite != nil
	case Piper:
		return e.neural != nil && len(e.neural.piper) > 0
	case Kokoro:
		return e.neural != nil && e.neural.kokoro != nil
	}
	return false
}

// Stat is one engine's load.
type Stat struct {
	Engine       string
	Queued, Busy int
}

// Stats reports each running engine's queue and busy count; espeak-ng's
// count every worker, in-process and worker processes.
func (e *Engines) Stats() []Stat {
	var s []Stat
	if e.espeak != nil {
		st := e.espeak.Stats()
		s = append(s, Stat{Engine: Espeak, Queued: st.Queued, Busy: st.Busy})
	}
	if e.flite != nil {
		busy, queued := e.flite.Stats()
		s = append(s, Stat{Engine: Flite, Queued: queued, Busy: busy})
	}
	if e.neural != nil {
		s = append(s, e.neural.stats()...)
	}
	return s
}

// Synthesize implements Synthesizer.
func (e *Engines) Synthesize(ctx context.Context, seg Segment, v Voice, emit func(pcm []int16) error) error {
	switch {
	case v.Engine == Flite && e.flite != nil:
		if seg.Language != protocol.English {
			return fmt.Errorf("%w: flite speaks English, not %s", ErrLanguage, seg.Language)
		}
		p := fliteParams(v)
		rate, err := flite.SampleRate(p.Voice)
		if err != nil {
			return err
		}
		if err := e.flite.Acquire(ctx); err != nil {
			return err
		}
		defer e.flite.Release()
		st, err := newTimedStream(rate, e.cfg, seg, emit)
		if err != nil {
			return err
		}
		var words func([]flite.Word)
		if st.timed() {
			words = func(ws []flite.Word) {
				for _, w := range ws {
					st.word(w.Start, w.End, w.TextStart, w.TextEnd)
				}
			}
		}
		if err := flite.SynthesizeWords(ctx, seg.Text, p, words, st.write); err != nil {
			return err
		}
		return st.finish()
	case v.Engine == Espeak && e.espeak != nil:
		p := espeakParams(v, seg.Language)
		text := seg.Text
		if seg.HasIPA() {
			text, p.Phonemes = espeakPhonemes(seg, p.Voice)
		}
		st, err := newTimedStream(e.espeak.SampleRate(), e.cfg, seg, emit)
		if err != nil {
			return err
		}
		var words func([]espeak.Word)
		if st.timed() {
			words = func(ws []espeak.Word) {
				for _, w := range ws {
					// Phoneme input is not the segment's text: its words
					// are the segment's as a whole.
					if seg.HasIPA() {
						w.TextStart, w.TextEnd = 0, len(seg.Text)
					}
					st.word(w.Sample, -1, w.TextStart, w.TextEnd)
				}
			}
		}
		if err := e.espeak.SynthesizeWords(ctx, text, p, words, st.write); err != nil {
			return err
		}
		return st.finish()
	case v.Engine == Piper && e.neural != nil:
		return e.neural.synthesizePiper(ctx, seg, v, e.cfg, emit)
	case v.Engine == Kokoro && e.neural != nil:
		return e.neural.synthesizeKokoro(ctx, seg, v, e.cfg, emit)
	}
	return fmt.Errorf("%w: %q", ErrUnknownEngine, v.Engine)
}

// semitones converts a pitch shift to a frequency ratio.
func semitones(st float64) float64 { return math.Pow(2, st/12) }

func fliteParams(v Voice) flite.Params {
	p := flite.Params{Voice: v.Name, Rate: v.Rate, Volume: v.Volume}
	if v.Pitch != 0 || (v.Range != 0 && v.Range != 1) {
		mean, sd, err := flite.DefaultPitch(v.Name)
		if err == nil {
			r := semitones(v.Pitch)
			p.PitchMean = mean * r
			rng := v.Range
			if rng == 0 {
				rng = 1
			}
			// Pitch movement scales with the pitch itself (it is perceived
			// in semitones), and then by Range; flite needs a positive
			// deviation, so monotone is "almost none".
			p.PitchStddev = math.Max(sd*r*rng, 0.5)
		}
	}
	return p
}

func espeakParams(v Voice, lang protocol.Language) espeak.Params {
	name := v.Name
	if name == "" {
		name = espeak.VoiceFor(string(lang))
	}
	// The helpers return 0 (the default) for neutral values and apply
	// espeak-ng's measured response curves, so that a semitone or a rate
	// multiplier means the same on both engines.
	p := espeak.Params{Voice: name, Variant: v.Variant, Pitch: espeak.PitchForSemitones(v.Pitch)}
	if v.Rate != 0 {
		p.Rate = espeak.RateForScale(v.Rate)
	}
	if v.Range != 0 {
		p.Range = espeak.RangeForScale(v.Range)
	}
	if v.Volume != 0 {
		p.Volume = espeak.VolumeForScale(v.Volume)
	}
	return p
}

// espeakPhonemes writes a segment with words in IPA for espeak-ng: each
// IPA piece as phoneme input where espeak.Mnemonics can map it for the
// voice, else its text. It reports whether any phoneme input is in it.
func espeakPhonemes(seg Segment, voice string) (string, bool) {
	words := make([]string, 0, 2*len(seg.Pieces))
	any := false
	for _, pc := range seg.Pieces {
		if pc.IPA == "" {
			words = append(words, pc.Text, "")
			continue
		}
		if m, ok := espeak.Mnemonics(pc.IPA, voice); ok {
			words = append(words, "", m)
			any = true
		} else {
			words = append(words, pc.Text, "")
		}
	}
	return espeak.PhonemeText(words...), any
}
