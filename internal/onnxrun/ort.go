//go:build cgo

package onnxrun

import (
	"context"
	"errors"
	"fmt"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/parley-voice/parley/internal/ortenv"
)

// Model is an open ONNX model. It is safe for concurrent use.
type Model struct {
	path    string
	inputs  []string // bound, in contract order
	outputs []string
	memory  int64

	mu       sync.Mutex
	sessions []*ort.DynamicAdvancedSession
	inUse    []int
	running  map[*run]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// Open loads the model at path and checks it against c: every input of
// the model is one of c's, of its element type and one of its ranks, and
// so are c's outputs. The error names the file and what is wrong.
func Open(path string, c Contract, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	if !ortenv.IsFile(path) {
		return nil, modelError(path, "no such file")
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, modelError(path, "%v", err)
	}
	inputs, outputs, err := c.check(infos(ins), infos(outs))
	if err != nil {
		return nil, modelError(path, "%v", err)
	}
	m := &Model{path: path, inputs: inputs, outputs: outputs, running: map[*run]struct{}{}}
	before := ortenv.ResidentBytes()
	for range opts.Sessions {
		s, err := newSession(path, inputs, outputs, opts.Threads)
		if err != nil {
			m.destroy()
			return nil, modelError(path, "%v", err)
		}
		m.sessions = append(m.sessions, s)
		m.inUse = append(m.inUse, 0)
	}
	m.memory = max(ortenv.ResidentBytes()-before, 0)
	return m, nil
}

func infos(in []ort.InputOutputInfo) []ioInfo {
	out := make([]ioInfo, len(in))
	for i, x := range in {
		out[i] = ioInfo{name: x.Name, tensor: x.OrtValueType == ort.ONNXTypeTensor, typ: typeName(x.DataType), dims: x.Dimensions}
	}
	return out
}

func typeName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return string(Float32)
	case ort.TensorElementDataTypeInt64:
		return string(Int64)
	case ort.TensorElementDataTypeInt32:
		return "int32"
	case ort.TensorElementDataTypeFloat16:
		return "float16"
	}
	return t.String()
}

func newSession(path string, inputs, outputs []string, threads int) (*ort.DynamicAdvancedSession, error) {
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
	return ort.NewDynamicAdvancedSession(path, inputs, outputs, o)
}

// Inputs are the model's inputs that runs feed, in contract order.
func (m *Model) Inputs() []string { return append([]string(nil), m.inputs...) }

// MemoryBytes is the resident memory that creating the sessions added.
func (m *Model) MemoryBytes() int64 { return m.memory }

// run is one run in progress, which its context or Close terminates.
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

// Run waits at gate (nil: none), feeds inputs, one per bound input in
// order, and returns the first output's data and shape, which must be
// float32. When ctx ends it returns ctx.Err(), terminating the run under
// way; after Close, ErrClosed.
func (m *Model) Run(ctx context.Context, gate Gate, inputs []Input) ([]float32, []int64, error) {
	if len(inputs) != len(m.inputs) {
		return nil, nil, fmt.Errorf("%w: %d inputs for %d", ErrInference, len(inputs), len(m.inputs))
	}
	if gate != nil {
		if err := gate.Acquire(ctx); err != nil {
			return nil, nil, err
		}
		defer gate.Release()
	}
	s, i, r, err := m.begin()
	if err != nil {
		return nil, nil, err
	}
	defer m.end(i, r)
	stop := context.AfterFunc(ctx, r.terminate)
	defer stop()

	values := make([]ort.Value, 0, len(inputs)+1)
	defer func() {
		for _, v := range values {
			v.Destroy()
		}
	}()
	for _, in := range inputs {
		var v ort.Value
		var err error
		switch {
		case in.Int64 != nil:
			v, err = ort.NewTensor(ort.NewShape(in.Shape...), in.Int64)
		default:
			v, err = ort.NewTensor(ort.NewShape(in.Shape...), in.Float32)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrInference, err)
		}
		values = append(values, v)
	}
	outputs := make([]ort.Value, len(m.outputs))
	err = s.RunWithOptions(values[:len(inputs)], outputs, r.opts)
	for _, o := range outputs {
		if o != nil {
			values = append(values, o)
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, cerr
	}
	if err != nil {
		if m.isClosed() {
			return nil, nil, ErrClosed
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	out, ok := outputs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, nil, fmt.Errorf("%w: output is %T, not float32", ErrInference, outputs[0])
	}
	return append([]float32(nil), out.GetData()...), out.GetShape(), nil
}

func (m *Model) begin() (*ort.DynamicAdvancedSession, int, *run, error) {
	opts, err := ort.NewRunOptions()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%w: %v", ErrInference, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		opts.Destroy()
		return nil, 0, nil, ErrClosed
	}
	i := 0
	for j, n := range m.inUse {
		if n < m.inUse[i] {
			i = j
		}
	}
	m.inUse[i]++
	r := &run{opts: opts}
	m.running[r] = struct{}{}
	m.wg.Add(1)
	return m.sessions[i], i, r, nil
}

func (m *Model) end(i int, r *run) {
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	r.opts.Destroy()
	m.mu.Lock()
	m.inUse[i]--
	delete(m.running, r)
	m.mu.Unlock()
	m.wg.Done()
}

func (m *Model) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Close terminates the runs under way, waits for them, and destroys the
// sessions. It is idempotent.
func (m *Model) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	for r := range m.running {
		r.terminate()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return m.destroy()
}

func (m *Model) destroy() error {
	var errs []error
	for _, s := range m.sessions {
		errs = append(errs, s.Destroy())
	}
	m.sessions = nil
	return errors.Join(errs...)
}
