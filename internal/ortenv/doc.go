// Package ortenv owns the process's one onnxruntime: where its shared
// library is, loading it, and the environment that onnxruntime_go keeps in
// package-level state. Every ONNX user in Parley (the Silero VAD, the Piper
// and Kokoro engines) goes through it, so the library is loaded once, with
// one path, and unloaded only when the last user lets go.
//
// Acquire loads the library and creates the environment on first use and
// counts references; Env.Release drops one, and the last release destroys
// the environment again (sessions must be destroyed first: that is each
// user's duty). An environment that something outside this package created
// is used as it is and never destroyed here.
//
// The library is the path its user gives (`parley serve --ort-lib`, or the
// PARLEY_ORT_LIB environment variable that cmd/parley maps onto it), or
// else comes from the npm package onnxruntime-node pinned in deps/npm (its
// bin/napi-v*/OS/ARCH/libonnxruntime.so.*), found in the nearest
// deps/npm/node_modules searching up from the running binary and then from
// the working directory. onnxruntime is opened with dlopen at run time, so
// the binary never links against it; without cgo Acquire fails with
// ErrUnavailable.
package ortenv
