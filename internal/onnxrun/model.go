package onnxrun

import (
	"context"
	"fmt"
	"strings"
)

// Gate bounds the runs under way and orders the ones waiting; sched.Slots
// is one.
type Gate interface {
	Acquire(ctx context.Context) error
	Release()
}

// Type is a tensor element type of the contracts.
type Type string

// The element types the engines' contracts use.
const (
	Int64   Type = "int64"
	Float32 Type = "float32"
)

// Port is one input or output of a contract: its name, element type, and
// the ranks it may have.
type Port struct {
	Name  string
	Type  Type
	Ranks []int
	// Optional ports may be absent from a model.
	Optional bool
}

func (p Port) rankOK(r int) bool {
	for _, x := range p.Ranks {
		if x == r {
			return true
		}
	}
	return false
}

// Contract is what an engine requires of a model. A model may have other
// outputs than the contract's, which are not computed; it may not have
// other inputs, since nothing would feed them.
type Contract struct {
	Inputs  []Port
	Outputs []Port
}

// Input is one input tensor of a run: Int64 or Float32 data, and its
// shape.
type Input struct {
	Int64   []int64
	Float32 []float32
	Shape   []int64
}

// Options size a Model.
type Options struct {
	// Sessions is the number of sessions (copies of the weights); 0 means 1.
	Sessions int
	// Threads is each session's intra-op threads; 0 means 1.
	Threads int
}

func (o Options) withDefaults() Options {
	if o.Sessions <= 0 {
		o.Sessions = 1
	}
	if o.Threads <= 0 {
		o.Threads = 1
	}
	return o
}

// ioInfo is a model's port as onnxruntime reports it.
type ioInfo struct {
	name   string
	tensor bool
	typ    string // "int64", "float32", or onnxruntime's name for another
	dims   []int64
}

func (i ioInfo) String() string {
	if !i.tensor {
		return "not a tensor"
	}
	return fmt.Sprintf("%s %v", i.typ, i.dims)
}

// check compares a model's ports with c and returns the names to bind: the
// contract's inputs the model has, in contract order, and its outputs.
func (c Contract) check(ins, outs []ioInfo) (inputs, outputs []string, err error) {
	known := map[string]bool{}
	var want []string
	for _, p := range c.Inputs {
		known[p.Name] = true
		want = append(want, p.Name)
	}
	byName := map[string]ioInfo{}
	var have []string
	for _, in := range ins {
		if !known[in.name] {
			return nil, nil, fmt.Errorf("unexpected input %q (the contract's are %q)", in.name, want)
		}
		byName[in.name] = in
		have = append(have, in.name)
	}
	for _, p := range c.Inputs {
		in, ok := byName[p.Name]
		if !ok {
			if p.Optional {
				continue
			}
			return nil, nil, fmt.Errorf("input %q is missing (inputs: %q)", p.Name, have)
		}
		if err := p.matches("input", in); err != nil {
			return nil, nil, err
		}
		inputs = append(inputs, p.Name)
	}
	outByName := map[string]ioInfo{}
	var outNames []string
	for _, o := range outs {
		outByName[o.name] = o
		outNames = append(outNames, o.name)
	}
	for _, p := range c.Outputs {
		o, ok := outByName[p.Name]
		if !ok {
			if p.Optional {
				continue
			}
			return nil, nil, fmt.Errorf("output %q is missing (outputs: %q)", p.Name, outNames)
		}
		if err := p.matches("output", o); err != nil {
			return nil, nil, err
		}
		outputs = append(outputs, p.Name)
	}
	return inputs, outputs, nil
}

func (p Port) matches(kind string, i ioInfo) error {
	if !i.tensor || i.typ != string(p.Type) || !p.rankOK(len(i.dims)) {
		ranks := make([]string, len(p.Ranks))
		for j, r := range p.Ranks {
			ranks[j] = fmt.Sprint(r)
		}
		return fmt.Errorf("%s %q is %s, want %s of rank %s", kind, p.Name, i, p.Type, strings.Join(ranks, " or "))
	}
	return nil
}
