package piper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/parley-voice/parley/internal/onnxrun"
)

// Contract is Piper's ONNX interface (piper_train.export_onnx): "sid"
// only for multi-speaker voices, which Load checks against the config.
var Contract = onnxrun.Contract{
	Inputs: []onnxrun.Port{
		{Name: "input", Type: onnxrun.Int64, Ranks: []int{2}},
		{Name: "input_lengths", Type: onnxrun.Int64, Ranks: []int{1}},
		{Name: "scales", Type: onnxrun.Float32, Ranks: []int{1}},
		{Name: "sid", Type: onnxrun.Int64, Ranks: []int{1}, Optional: true},
	},
	Outputs: []onnxrun.Port{{Name: "output", Type: onnxrun.Float32, Ranks: []int{3}}},
}

// Voice is a loaded Piper voice. It is safe for concurrent use.
type Voice struct {
	name, path string
	cfg        *Config
	opts       Options
	model      *onnxrun.Model
}

// Load opens the voice whose model is at modelPath, with its config at
// ConfigPath(modelPath), and checks it: the config parses (ParseConfig),
// the model loads, its inputs and outputs are Piper's by name, element
// type and rank (input int64 [1, N], input_lengths int64 [1], scales
// float32 [3], sid int64 [1] exactly when the voice has more than one
// speaker; output float32 [1, 1, T]), and a run of the empty sentence
// gives audio of that shape. The caller must hold an ortenv.Env while the
// voice is open.
func Load(modelPath string, opts Options) (*Voice, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	cfg, err := readConfig(modelPath)
	if err != nil {
		return nil, err
	}
	m, err := onnxrun.Open(modelPath, Contract, onnxrun.Options{Sessions: opts.Sessions, Threads: opts.Threads})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	v := &Voice{name: VoiceName(modelPath), path: modelPath, cfg: cfg, opts: opts, model: m}
	hasSID := slices.Contains(m.Inputs(), "sid")
	switch {
	case hasSID && cfg.NumSpeakers == 1:
		err = errors.New(`the model takes a speaker id ("sid") but the config has one speaker`)
	case !hasSID && cfg.NumSpeakers > 1:
		err = fmt.Errorf(`input "sid" is missing: the config has %d speakers`, cfg.NumSpeakers)
	}
	if err == nil {
		// The empty sentence: ^ _ $.
		ids, _ := cfg.IDs(nil)
		if _, rerr := v.run(context.Background(), ids, 0, cfg.scales); rerr != nil {
			err = fmt.Errorf("a test run failed: %v", rerr)
		}
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrModel, modelPath, err)
	}
	return v, nil
}

// Name is the voice's name, e.g. "en_US-amy-low".
func (v *Voice) Name() string { return v.name }

// Config is the voice's config.
func (v *Voice) Config() *Config { return v.cfg }

// SampleRate is the rate of the PCM that Synthesize emits.
func (v *Voice) SampleRate() int { return v.cfg.Audio.SampleRate }

// MemoryBytes is the resident memory that loading the model's sessions
// added to the process.
func (v *Voice) MemoryBytes() int64 { return v.model.MemoryBytes() }

// Synthesize speaks text with p, calling emit with mono 16-bit PCM at
// SampleRate, one model run at a time (see the package documentation for
// how text becomes runs). A segment needed now (sched.Due) has a short
// first run. When ctx ends, the run under way is terminated (onnxruntime
// checks before each node) and Synthesize returns ctx.Err(); an error from
// emit stops it too. After Close it returns ErrClosed.
func (v *Voice) Synthesize(ctx context.Context, ph Phonemizer, text string, p Params, emit func(pcm []int16) error) error {
	if p.Speaker < 0 || p.Speaker >= int64(v.cfg.NumSpeakers) {
		return fmt.Errorf("%w %d (the voice has %d)", ErrSpeaker, p.Speaker, v.cfg.NumSpeakers)
	}
	scales, err := v.cfg.scalesFor(p)
	if err != nil {
		return err
	}
	sents, spans, err := v.cfg.sentencesSpans(ctx, ph, text)
	if err != nil {
		return err
	}
	first := 0
	if onnxrun.Urgent(ctx) {
		first = v.opts.FirstPhonemes
	}
	owned, words := onnxrun.Own(text, sents, spans)
	samples := 0
	for _, piece := range onnxrun.PiecesOf(owned, first, v.opts.MaxPhonemes, onnxrun.IsSpace) {
		runes := make([]rune, len(piece))
		for i, pr := range piece {
			runes[i] = pr.R
		}
		ids, _ := v.cfg.IDs(runes)
		pcm, err := v.run(ctx, ids, p.Speaker, scales)
		if err != nil {
			return err
		}
		if p.Words != nil {
			if ws := onnxrun.Estimate(pcm, v.SampleRate(), piece, words, samples); len(ws) > 0 {
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

// Run feeds ids to the model as Synthesize does, without phonemising: the
// bare model run, for benchmarks.
func (v *Voice) Run(ctx context.Context, ids []int64, p Params) ([]int16, error) {
	scales, err := v.cfg.scalesFor(p)
	if err != nil {
		return nil, err
	}
	return v.run(ctx, ids, p.Speaker, scales)
}

// run feeds ids to the model through the gate and returns its audio.
func (v *Voice) run(ctx context.Context, ids []int64, speaker int64, scales [3]float32) ([]int16, error) {
	n := int64(len(ids))
	in := []onnxrun.Input{
		{Int64: ids, Shape: []int64{1, n}},
		{Int64: []int64{n}, Shape: []int64{1}},
		{Float32: scales[:], Shape: []int64{3}},
	}
	if v.cfg.NumSpeakers > 1 {
		in = append(in, onnxrun.Input{Int64: []int64{speaker}, Shape: []int64{1}})
	}
	out, shape, err := v.model.Run(ctx, v.opts.Gate, in)
	switch {
	case errors.Is(err, onnxrun.ErrClosed):
		return nil, ErrClosed
	case errors.Is(err, onnxrun.ErrInference):
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	case err != nil:
		return nil, err
	}
	if len(shape) != 3 || shape[0] != 1 || shape[1] != 1 {
		return nil, fmt.Errorf("%w: output shape %v, want [1 1 T]", ErrInference, shape)
	}
	return toPCM(out), nil
}

// toPCM converts the model's float audio to 16-bit PCM, clipping at full
// scale. Piper also peak-normalises each sentence; Parley does not, so
// that the level of a sentence does not depend on how it was cut into
// runs.
func toPCM(f []float32) []int16 {
	pcm := make([]int16, len(f))
	for i, x := range f {
		y := math.Round(float64(x) * 32767)
		pcm[i] = int16(max(-32768, min(32767, y)))
	}
	return pcm
}

// Close terminates the runs under way, waits for them to return and
// releases the model. Synthesize then fails with ErrClosed. Close is
// idempotent.
func (v *Voice) Close() error { return v.model.Close() }
