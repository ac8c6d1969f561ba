//go:build cgo

package vad

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/parley-voice/parley/internal/ortenv"
)

// The onnxruntime environment belongs to the whole process (internal/ortenv
// counts its users), and this package's share of it is kept behind one
// mutex:
//
//   - The first Silero detector takes a reference to the environment,
//     which loads the library if no other user has.
//   - Sessions are shared: one per model file, used by every detector of
//     that model (onnxruntime sessions are safe for concurrent Run), each
//     detector owning its input, state and output tensors.
//   - Sessions and the environment stay until Shutdown, which the process
//     calls at exit: opening a session costs about 100 ms of CPU and
//     loading the library some tens of ms, against 0.2 ms for a detector
//     on an open session, and the agent makes a detector per conversation.
//     The references detectors hold only let Shutdown refuse while any is
//     open.
var ortRT struct {
	mu       sync.Mutex
	env      *ortenv.Env // this package's reference, held until Shutdown
	sessions map[string]*sharedSession
}

type sharedSession struct {
	sess *ort.DynamicAdvancedSession
	refs int // open detectors
}

var (
	sileroInputs  = []string{"input", "state", "sr"}
	sileroOutputs = []string{"output", "stateN"}
)

// Silero v5's frame and context lengths at 16 kHz; 8 kHz takes half of
// each. The context is the end of the previous frame, prepended so that an
// onset straddling a frame boundary is seen whole.
const (
	sileroFrame16k   = 512
	sileroContext16k = 64
)

// NewSilero returns a Silero v5 detector. It fails, wrapping ErrModel or
// ErrRuntime, when the model or the onnxruntime library cannot be loaded.
func NewSilero(cfg Config) (Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	model, lib := cfg.ModelPath, cfg.ORTLibPath
	if model == "" || lib == "" {
		dm, dl := DefaultAssetPaths()
		model, lib = cmp.Or(model, dm), cmp.Or(lib, dl)
	}
	if model == "" {
		return nil, fmt.Errorf("%w: silero_vad_v5.onnx not found (give its path, or run `npm ci` in deps/npm)", ErrModel)
	}
	if lib == "" {
		return nil, fmt.Errorf("%w: onnxruntime shared library not found (give its path, or run `npm ci` in deps/npm)", ErrRuntime)
	}
	sh, err := acquireSession(lib, model)
	if err != nil {
		return nil, err
	}
	s, err := newSileroScorer(sh, cfg.SampleRate)
	if err != nil {
		releaseSession(sh)
		return nil, err
	}
	return newDetector(cfg, s, s.frame), nil
}

// acquireSession loads the runtime if need be and returns the shared
// session for model, holding a reference to it.
func acquireSession(lib, model string) (*sharedSession, error) {
	absModel, err := filepath.Abs(model)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	ortRT.mu.Lock()
	defer ortRT.mu.Unlock()
	if err := initRuntime(lib); err != nil {
		return nil, err
	}
	if sh := ortRT.sessions[absModel]; sh != nil {
		sh.refs++
		return sh, nil
	}
	sess, err := openSession(absModel)
	if err != nil {
		return nil, err
	}
	sh := &sharedSession{sess: sess, refs: 1}
	if ortRT.sessions == nil {
		ortRT.sessions = make(map[string]*sharedSession)
	}
	ortRT.sessions[absModel] = sh
	return sh, nil
}

// initRuntime takes this package's reference to the environment. The
// library is checked against the loaded one even when the reference is
// already held: a process has one onnxruntime.
func initRuntime(lib string) error {
	env, err := ortenv.Acquire(lib)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	if ortRT.env != nil {
		return env.Release()
	}
	ortRT.env = env
	return nil
}

// openSession opens a single-threaded session (a frame is far too small to
// share across threads, and the agent runs many streams at once), then runs
// one frame of silence through it, so that a wrong file (the v4 model,
// another network) fails here with a clear message rather than at the
// first frame of a conversation.
func openSession(model string) (*ort.DynamicAdvancedSession, error) {
	if !isFile(model) {
		return nil, fmt.Errorf("%w: %s: no such file", ErrModel, model)
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	defer opts.Destroy()
	for _, set := range []func() error{
		func() error { return opts.SetIntraOpNumThreads(1) },
		func() error { return opts.SetInterOpNumThreads(1) },
		func() error { return opts.SetExecutionMode(ort.ExecutionModeSequential) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("%w: session options: %w", ErrRuntime, err)
		}
	}
	sess, err := ort.NewDynamicAdvancedSession(model, sileroInputs, sileroOutputs, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrModel, model, err)
	}
	probe, err := newSileroScorer(&sharedSession{sess: sess}, DefaultSampleRate)
	if err == nil {
		_, err = probe.score(make([]int16, probe.frame))
		probe.destroyTensors()
	}
	if err != nil {
		sess.Destroy()
		return nil, fmt.Errorf("%w: %s is not a Silero v5 model: %w", ErrModel, model, err)
	}
	return sess, nil
}

func releaseSession(sh *sharedSession) {
	ortRT.mu.Lock()
	defer ortRT.mu.Unlock()
	sh.refs--
}

// Shutdown releases the sessions and this package's reference to the
// onnxruntime environment, which unloads it if no one else holds one. Call it once at process exit, after closing every Silero
// detector: it returns ErrBusy while any is open. A later NewSilero loads
// everything again.
func Shutdown() error {
	ortRT.mu.Lock()
	defer ortRT.mu.Unlock()
	open := 0
	for _, sh := range ortRT.sessions {
		open += sh.refs
	}
	if open > 0 {
		return fmt.Errorf("%w: %d detectors open", ErrBusy, open)
	}
	var errs []error
	for path, sh := range ortRT.sessions {
		errs = append(errs, sh.sess.Destroy())
		delete(ortRT.sessions, path)
	}
	if ortRT.env != nil {
		errs = append(errs, ortRT.env.Release())
		ortRT.env = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: shutdown: %w", ErrRuntime, err)
	}
	return nil
}

// sileroScorer holds one stream's tensors; the model is shared.
type sileroScorer struct {
	sh            *sharedSession
	frame, ctx    int
	x             []float32 // the input tensor's data: context, then frame
	input         *ort.Tensor[float32]
	state, stateN *ort.Tensor[float32]
	sr            *ort.Scalar[int64]
	output        *ort.Tensor[float32]
	ins, outs     []ort.Value
}

func newSileroScorer(sh *sharedSession, rate int) (*sileroScorer, error) {
	s := &sileroScorer{
		sh:    sh,
		frame: sileroFrame16k * rate / 16000,
		ctx:   sileroContext16k * rate / 16000,
	}
	s.x = make([]float32, s.ctx+s.frame)
	var err error
	if s.input, err = ort.NewTensor(ort.NewShape(1, int64(len(s.x))), s.x); err != nil {
		return nil, s.fail(err)
	}
	if s.state, err = ort.NewEmptyTensor[float32](ort.NewShape(2, 1, 128)); err != nil {
		return nil, s.fail(err)
	}
	if s.stateN, err = ort.NewEmptyTensor[float32](ort.NewShape(2, 1, 128)); err != nil {
		return nil, s.fail(err)
	}
	if s.sr, err = ort.NewScalar(int64(rate)); err != nil {
		return nil, s.fail(err)
	}
	if s.output, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1)); err != nil {
		return nil, s.fail(err)
	}
	s.ins = []ort.Value{s.input, s.state, s.sr}
	s.outs = []ort.Value{s.output, s.stateN}
	return s, nil
}

// fail destroys what newSileroScorer had made, leaving the session to
// the caller.
func (s *sileroScorer) fail(err error) error {
	s.destroyTensors()
	return fmt.Errorf("%w: tensors: %w", ErrRuntime, err)
}

func (s *sileroScorer) destroyTensors() {
	for _, t := range []*ort.Tensor[float32]{s.input, s.state, s.stateN, s.output} {
		if t != nil {
			t.Destroy()
		}
	}
	if s.sr != nil {
		s.sr.Destroy()
	}
}

func (s *sileroScorer) score(frame []int16) (float64, error) {
	x := s.x[s.ctx:]
	for i, v := range frame {
		x[i] = float32(v) / 32768
	}
	if err := s.sh.sess.Run(s.ins, s.outs); err != nil {
		return 0, err
	}
	copy(s.state.GetData(), s.stateN.GetData())
	copy(s.x[:s.ctx], s.x[len(s.x)-s.ctx:])
	return float64(s.output.GetData()[0]), nil
}

func (s *sileroScorer) reset() {
	clear(s.x)
	clear(s.state.GetData())
}

func (s *sileroScorer) close() error {
	s.destroyTensors()
	releaseSession(s.sh)
	return nil
}
