//go:build cgo

package piper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/parley-voice/parley/internal/ortenv"
)

// Piper's ONNX interface (piper_train.export_onnx).
var (
	inputNames     = []string{"input", "input_lengths", "scales"}
	speakerInput   = "sid"
	outputNames    = []string{"output"}
	contractInputs = map[string]struct {
		dtype ort.TensorElementDataType
		rank  int
	}{
		"input":         {ort.TensorElementDataTypeInt64, 2},
		"input_lengths": {ort.TensorElementDataTypeInt64, 1},
		"scales":        {ort.TensorElementDataTypeFloat, 1},
		"sid":           {ort.TensorElementDataTypeInt64, 1},
	}
)

// Voice is a loaded Piper voice. It is safe for concurrent use.
type Voice struct {
	name, path string
	cfg        *Config
	opts       Options
	memory     int64

	mu       sync.Mutex
	sessions []*ort.DynamicAdvancedSession
	inUse    []int
	running  map[*run]struct{}
	closed   bool
	wg       sync.WaitGroup // runs under way
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
	if !ortenv.IsFile(modelPath) {
		return nil, fmt.Errorf("%w: %s: no such file", ErrModel, modelPath)
	}
	ins, outs, err := ort.GetInputOutputInfo(modelPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrModel, modelPath, err)
	}
	names, err := checkInterface(ins, outs, cfg.NumSpeakers > 1)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrModel, modelPath, err)
	}
	v := &Voice{name: VoiceName(modelPath), path: modelPath, cfg: cfg, opts: opts, running: make(map[*run]struct{})}
	before := ortenv.ResidentBytes()
	for range opts.Sessions {
		s, err := newSession(modelPath, names, opts.Threads)
		if err != nil {
			v.destroy()
			return nil, fmt.Errorf("%w: %s: %v", ErrModel, modelPath, err)
		}
		v.sessions = append(v.sessions, s)
		v.inUse = append(v.inUse, 0)
	}
	v.memory = max(ortenv.ResidentBytes()-before, 0)
	// The empty sentence: ^ _ $.
	ids, _ := cfg.IDs(nil)
	if _, err := v.run(context.Background(), ids, 0, cfg.scales); err != nil {
		v.destroy()
		return nil, fmt.Errorf("%w: %s: a test run failed: %v", ErrModel, modelPath, err)
	}
	return v, nil
}

// checkInterface compares a model's inputs and outputs with Piper's and
// returns the input names to bind.
func checkInterface(ins, outs []ort.InputOutputInfo, speakers bool) ([]string, error) {
	want := slices.Clone(inputNames)
	if speakers {
		want = append(want, speakerInput)
	}
	var have []string
	for _, in := range ins {
		have = append(have, in.Name)
		c, ok := contractInputs[in.Name]
		if !ok || !slices.Contains(want, in.Name) {
			if in.Name == speakerInput {
				return nil, errors.New(`the model takes a speaker id ("sid") but the config has one speaker`)
			}
			return nil, fmt.Errorf("unexpected input %q (Piper's are %q)", in.Name, want)
		}
		if in.OrtValueType != ort.ONNXTypeTensor || in.DataType != c.dtype || len(in.Dimensions) != c.rank {
			return nil, fmt.Errorf("input %q is %s, want %s of rank %d", in.Name, describe(in), typeName(c.dtype), c.rank)
		}
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			return nil, fmt.Errorf("input %q is missing (inputs: %q)", w, have)
		}
	}
	if len(outs) != 1 || outs[0].Name != outputNames[0] {
		var got []string
		for _, o := range outs {
			got = append(got, o.Name)
		}
		return nil, fmt.Errorf("outputs are %q, want %q", got, outputNames)
	}
	if o := outs[0]; o.OrtValueType != ort.ONNXTypeTensor || o.DataType != ort.TensorElementDataTypeFloat || len(o.Dimensions) != 3 {
		return nil, fmt.Errorf("output %q is %s, want float32 [1, 1, T]", o.Name, describe(o))
	}
	return want, nil
}

func describe(i ort.InputOutputInfo) string {
	if i.OrtValueType != ort.ONNXTypeTensor {
		return i.OrtValueType.String()
	}
	return fmt.Sprintf("%s %v", typeName(i.DataType), i.Dimensions)
}

func typeName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return "float32"
	case ort.TensorElementDataTypeInt64:
		return "int64"
	case ort.TensorElementDataTypeInt32:
		return "int32"
	case ort.TensorElementDataTypeFloat16:
		return "float16"
	}
	return t.String()
}

func newSession(path string, inputs []string, threads int) (*ort.DynamicAdvancedSession, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer o.Destroy()
	for _, set := range []func() error{
		func() error { return o.SetIntraOpNumThreads(threads) },
		func() error { return o.SetInterOpNumThreads(1) },
		func() error { return o.SetExecutionMode(ort.ExecutionModeSequential) },
	} {
		if err := set(); err != nil {
			return nil, err
		}
	}
	return ort.NewDynamicAdvancedSession(path, inputs, outputNames, o)
}

// Name is the voice's name, e.g. "en_US-amy-low".
func (v *Voice) Name() string { return v.name }

// Config is the voice's config.
func (v *Voice) Config() *Config { return v.cfg }

// SampleRate is the rate of the PCM that Synthesize emits.
func (v *Voice) SampleRate() int { return v.cfg.Audio.SampleRate }

// MemoryBytes is the resident memory that loading the model's sessions
// added to the process.
func (v *Voice) MemoryBytes() int64 { return v.memory }

// Synthesize speaks text with p, calling emit with mono 16-bit PCM at
// SampleRate, one model run at a time (see the package documentation for
// how text becomes runs). A segment needed now (sched.Due) has a short
// first run. When ctx ends, the run under way is terminated (onnxruntime
// checks between nodes) and Synthesize returns ctx.Err(); an error from
// emit stops it too.
func (v *Voice) Synthesize(ctx context.Context, ph Phonemizer, text string, p Params, emit func(pcm []int16) error) error {
	if p.Speaker < 0 || p.Speaker >= int64(v.cfg.NumSpeakers) {
		return fmt.Errorf("%w %d (the voice has %d)", ErrSpeaker, p.Speaker, v.cfg.NumSpeakers)
	}
	scales, err := v.cfg.scalesFor(p)
	if err != nil {
		return err
	}
	sents, err := v.cfg.sentences(ctx, ph, text)
	if err != nil {
		return err
	}
	first := 0
	if urgent(ctx) {
		first = v.opts.FirstPhonemes
	}
	for _, piece := range pieces(sents, first, v.opts.MaxPhonemes) {
		ids, _ := v.cfg.IDs(piece)
		pcm, err := v.run(ctx, ids, p.Speaker, scales)
		if err != nil {
			return err
		}
		if err := emit(pcm); err != nil {
			return err
		}
	}
	return nil
}

// run is one model run in progress, which Close or the run's context
// can terminate.
type run struct {
	mu   sync.Mutex
	opts *ort.RunOptions
	done bool
}

func (r *run) terminate() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done {
		r.opts.Terminate()
	}
}

// run feeds ids to the model through the gate and returns its audio.
func (v *Voice) run(ctx context.Context, ids []int64, speaker int64, scales [3]float32) ([]int16, error) {
	if err := v.opts.Gate.Acquire(ctx); err != nil {
		return nil, err
	}
	defer v.opts.Gate.Release()
	s, i, r, err := v.begin()
	if err != nil {
		return nil, err
	}
	defer v.end(i, r)
	stop := context.AfterFunc(ctx, r.terminate)
	defer stop()

	var values []ort.Value
	defer func() {
		for _, x := range values {
			x.Destroy()
		}
	}()
	input, err := ort.NewTensor(ort.NewShape(1, int64(len(ids))), ids)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	values = append(values, input)
	lengths, err := ort.NewTensor(ort.NewShape(1), []int64{int64(len(ids))})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	values = append(values, lengths)
	sc, err := ort.NewTensor(ort.NewShape(3), scales[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	values = append(values, sc)
	if v.cfg.NumSpeakers > 1 {
		sid, err := ort.NewTensor(ort.NewShape(1), []int64{speaker})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInference, err)
		}
		values = append(values, sid)
	}
	outputs := []ort.Value{nil}
	err = s.RunWithOptions(slices.Clone(values), outputs, r.opts)
	if outputs[0] != nil {
		values = append(values, outputs[0])
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		if v.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	out, ok := outputs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("%w: output is %T, not float32", ErrInference, outputs[0])
	}
	if sh := out.GetShape(); len(sh) != 3 || sh[0] != 1 || sh[1] != 1 {
		return nil, fmt.Errorf("%w: output shape %v, want [1 1 T]", ErrInference, sh)
	}
	return toPCM(out.GetData()), nil
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

// begin takes the least busy session for one run.
func (v *Voice) begin() (*ort.DynamicAdvancedSession, int, *run, error) {
	opts, err := ort.NewRunOptions()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		opts.Destroy()
		return nil, 0, nil, ErrClosed
	}
	i := 0
	for j, n := range v.inUse {
		if n < v.inUse[i] {
			i = j
		}
	}
	v.inUse[i]++
	r := &run{opts: opts}
	v.running[r] = struct{}{}
	v.wg.Add(1)
	return v.sessions[i], i, r, nil
}

func (v *Voice) end(i int, r *run) {
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	r.opts.Destroy()
	v.mu.Lock()
	v.inUse[i]--
	delete(v.running, r)
	v.mu.Unlock()
	v.wg.Done()
}

func (v *Voice) isClosed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed
}

// Close terminates the runs under way, waits for them to return and
// destroys the sessions. Synthesize then fails with ErrClosed. Close is
// idempotent.
func (v *Voice) Close() error {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return nil
	}
	v.closed = true
	for r := range v.running {
		r.terminate()
	}
	v.mu.Unlock()
	v.wg.Wait()
	return v.destroy()
}

func (v *Voice) destroy() error {
	var errs []error
	for _, s := range v.sessions {
		errs = append(errs, s.Destroy())
	}
	v.sessions = nil
	return errors.Join(errs...)
}
