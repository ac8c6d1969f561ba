package kokoro

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/internal/onnxrun"
)

// SampleRate is Kokoro's output rate.
const SampleRate = 24000

// Contract is onnx-community/Kokoro-82M-v1.0-ONNX's interface: the
// quantized variants have the same.
var Contract = onnxrun.Contract{
	Inputs: []onnxrun.Port{
		{Name: "input_ids", Type: onnxrun.Int64, Ranks: []int{2}},
		{Name: "style", Type: onnxrun.Float32, Ranks: []int{2}},
		{Name: "speed", Type: onnxrun.Float32, Ranks: []int{1}},
	},
	Outputs: []onnxrun.Port{{Name: "waveform", Type: onnxrun.Float32, Ranks: []int{1, 2}}},
}

// Defaults of Options.
const (
	// DefaultMaxTokens bounds one run (about 20 s of speech); the model
	// takes up to 510.
	DefaultMaxTokens = 250
	// DefaultFirstTokens bounds the first run of a segment needed now.
	DefaultFirstTokens = 40
)

// Options tune the model's runs, as piper.Options do a Piper voice's:
// Sessions and Threads size the onnxruntime sessions (0: one, one thread),
// Gate admits runs (nil: one run per CPU), MaxTokens and FirstTokens bound a run and
// the first run of a segment needed now (0: the defaults; FirstTokens -1:
// no shorter first run).
type Options struct {
	Sessions, Threads      int
	Gate                   onnxrun.Gate
	MaxTokens, FirstTokens int
}

// Params are one synthesis's voice and speed.
type Params struct {
	Blend Blend
	// Speed divides the durations: 2 is twice as fast; 0 means 1.
	Speed float64
	// Words, when not nil, takes each run's words, estimated (see
	// onnxrun.Estimate), before the run's audio.
	Words func([]onnxrun.Word)
}

// Model is Kokoro loaded from a directory: model.onnx, config.json and
// voices/*.bin. It is safe for concurrent use.
type Model struct {
	dir   string
	cfg   *Config
	opts  Options
	model *onnxrun.Model
	packs map[string]Pack
}

// Load opens Kokoro in dir and checks it: config.json parses with a
// vocabulary (ParseConfig), model.onnx loads and has Kokoro's interface
// (input_ids int64 [1, N], style float32 [1, 256], speed float32 [1];
// output waveform float32 [1, T] or [T]), and a run of the empty input
// gives audio. Each voice file that is not a voice is left out, its
// problem in the returned list; no voice at all is an error. The caller
// holds an ortenv.Env while the model is open.
func Load(dir string, opts Options) (*Model, []error, error) {
	if opts.Gate == nil {
		opts.Gate = sched.NewSlots(runtime.GOMAXPROCS(0))
	}
	if opts.MaxTokens == 0 {
		opts.MaxTokens = DefaultMaxTokens
	}
	switch opts.FirstTokens {
	case 0:
		opts.FirstTokens = DefaultFirstTokens
	case -1:
		opts.FirstTokens = 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	opts.MaxTokens = min(opts.MaxTokens, cfg.MaxTokens())
	files, _ := filepath.Glob(filepath.Join(dir, "voices", "*.bin"))
	sort.Strings(files)
	m := &Model{dir: dir, cfg: cfg, opts: opts, packs: map[string]Pack{}}
	var problems []error
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bin")
		if !voiceName.MatchString(name) {
			problems = append(problems, fmt.Errorf("%w: %s: %q is not a Kokoro voice name", ErrVoice, f, name))
			continue
		}
		if _, ok := LanguageOf(name); !ok {
			problems = append(problems, fmt.Errorf("%w: %s: no Kokoro language starts with %q", ErrVoice, f, name[:1]))
			continue
		}
		p, err := ReadPack(f)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		m.packs[name] = p
	}
	if len(m.packs) == 0 {
		return nil, problems, fmt.Errorf("%w: %s: no voices", ErrVoice, filepath.Join(dir, "voices"))
	}
	om, err := onnxrun.Open(filepath.Join(dir, "model.onnx"), Contract, onnxrun.Options{Sessions: opts.Sessions, Threads: opts.Threads})
	if err != nil {
		return nil, problems, fmt.Errorf("%w: %w", ErrModel, err)
	}
	m.model = om
	if _, err := m.run(context.Background(), nil, make([]float32, StyleDim), 1); err != nil {
		om.Close()
		return nil, problems, fmt.Errorf("%w: %s: a test run failed: %v", ErrModel, filepath.Join(dir, "model.onnx"), err)
	}
	return m, problems, nil
}

// Voices lists the loaded voices, sorted.
func (m *Model) Voices() []string {
	names := make([]string, 0, len(m.packs))
	for n := range m.packs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Check reports whether every voice of b is loaded.
func (m *Model) Check(b Blend) error {
	for _, p := range b {
		if _, ok := m.packs[p.Voice]; !ok {
			return fmt.Errorf("%w: no voice %q in %s", ErrVoice, p.Voice, filepath.Join(m.dir, "voices"))
		}
	}
	return nil
}

// Config is the model's config.
func (m *Model) Config() *Config { return m.cfg }

// MemoryBytes is the resident memory the model's sessions added.
func (m *Model) MemoryBytes() int64 { return m.model.MemoryBytes() }

// Tokens returns the token ids of each run text would take with the
// espeak-ng voice (pads not included), as Synthesize cuts it for a segment
// not needed now.
func (m *Model) Tokens(ctx context.Context, ph Phonemizer, text, espeakVoice string) ([][]int64, error) {
	sents, err := sentences(ctx, ph, text, espeakVoice)
	if err != nil {
		return nil, err
	}
	var out [][]int64
	for _, piece := range onnxrun.Pieces(sents, 0, m.opts.MaxTokens) {
		ids, _ := m.cfg.Tokens(trimSpace(piece))
		out = append(out, ids)
	}
	return out, nil
}

// Synthesize speaks text phonemised with the espeak-ng voice (see
// Language.Espeak) in the blend p.Blend, calling emit with 24 kHz PCM one
// run at a time. Each run is a sentence (cut at clauses, then words, when
// longer than MaxTokens; and at a clause past FirstTokens for the first
// run of a segment needed now), fed as [0, tokens…, 0] with the blend's
// style for its token count. Cancellation and errors as piper's.
func (m *Model) Synthesize(ctx context.Context, ph Phonemizer, text, espeakVoice string, p Params, emit func(pcm []int16) error) error {
	if err := m.Check(p.Blend); err != nil {
		return err
	}
	if len(p.Blend) == 0 {
		return fmt.Errorf("%w: no voice", ErrVoice)
	}
	speed := p.Speed
	if speed == 0 {
		speed = 1
	}
	if !(speed > 0.1 && speed < 10) {
		return fmt.Errorf("kokoro: speed %v out of range", speed)
	}
	sents, spans, err := sentencesSpans(ctx, ph, text, espeakVoice)
	if err != nil {
		return err
	}
	first := 0
	if onnxrun.Urgent(ctx) {
		first = m.opts.FirstTokens
	}
	owned, words := onnxrun.Own(text, sents, spans)
	samples := 0
	for _, piece := range onnxrun.PiecesOf(owned, first, m.opts.MaxTokens, onnxrun.IsSpace) {
		runes := make([]rune, len(piece))
		for i, pr := range piece {
			runes[i] = pr.R
		}
		ids, _ := m.cfg.Tokens(trimSpace(runes))
		if len(ids) == 0 {
			continue
		}
		pcm, err := m.run(ctx, ids, style(m.packs, p.Blend, len(ids)), float32(speed))
		if err != nil {
			return err
		}
		if p.Words != nil {
			if ws := onnxrun.Estimate(pcm, SampleRate, piece, words, samples); len(ws) > 0 {
				p.Words(ws)
			}
		}
		samples += len(pcm)
		if err := emit(pcm); err != nil {
			return err
		}
	}
	return nil
}

// Run feeds tokens (without pads) to the model with the blend's style, as
// Synthesize does, without phonemising: the bare model run, for
// benchmarks.
func (m *Model) Run(ctx context.Context, ids []int64, p Params) ([]int16, error) {
	if err := m.Check(p.Blend); err != nil {
		return nil, err
	}
	speed := p.Speed
	if speed == 0 {
		speed = 1
	}
	return m.run(ctx, ids, style(m.packs, p.Blend, len(ids)), float32(speed))
}

func (m *Model) run(ctx context.Context, ids []int64, style []float32, speed float32) ([]int16, error) {
	padded := make([]int64, 0, len(ids)+2)
	padded = append(padded, 0)
	padded = append(padded, ids...)
	padded = append(padded, 0)
	out, shape, err := m.model.Run(ctx, m.opts.Gate, []onnxrun.Input{
		{Int64: padded, Shape: []int64{1, int64(len(padded))}},
		{Float32: style, Shape: []int64{1, StyleDim}},
		{Float32: []float32{speed}, Shape: []int64{1}},
	})
	switch {
	case errors.Is(err, onnxrun.ErrClosed):
		return nil, ErrClosed
	case errors.Is(err, onnxrun.ErrInference):
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	case err != nil:
		return nil, err
	}
	if len(shape) == 0 || len(shape) > 2 || len(shape) == 2 && shape[0] != 1 {
		return nil, fmt.Errorf("%w: waveform shape %v, want [1 T]", ErrInference, shape)
	}
	pcm := make([]int16, len(out))
	for i, x := range out {
		pcm[i] = int16(max(-32768, min(32767, math.Round(float64(x)*32767))))
	}
	return pcm, nil
}

// Close terminates the runs under way and releases the model. It is
// idempotent.
func (m *Model) Close() error { return m.model.Close() }

// trimSpace drops the spaces at a run's ends: each clause carries one
// after it.
func trimSpace(p []rune) []rune {
	for len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	for len(p) > 0 && p[len(p)-1] == ' ' {
		p = p[:len(p)-1]
	}
	return p
}
