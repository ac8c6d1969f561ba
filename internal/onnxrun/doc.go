// Package onnxrun runs one ONNX model for Parley's neural engines: its
// onnxruntime sessions, runs admitted by a gate, each run terminable from
// its context or by Close, and the checks of a model's inputs and outputs
// against an engine's contract. It hides onnxruntime_go's types: inputs
// and the output are plain Go slices. The caller holds an ortenv.Env while
// a Model is open.
//
// A Model holds Sessions sessions (each a copy of the weights) with Threads
// intra-op threads each; a run takes the least busy. onnxruntime sessions
// take concurrent runs, so one session is the usual choice. When a run's
// context ends, or Close is called, the run's terminate flag is set, which
// onnxruntime checks before each node: the run returns within one node.
package onnxrun
