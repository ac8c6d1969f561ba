// Package vad owns voice activity detection for the voice agent: it turns a
// 16 kHz (or 8 kHz) PCM stream into speech start and end events with
// stream timestamps, the first step of turn-taking.
//
// Two models give each frame a speech probability, and one state machine
// (hysteresis between Threshold and NegThreshold, MinSpeech, Hangover)
// turns probabilities into events for both:
//
//   - Silero VAD v5, an ONNX network run by onnxruntime through
//     github.com/yalue/onnxruntime_go, on 32 ms frames (512 samples at
//     16 kHz) each preceded by the last 64 samples of the frame before, with
//     a [2,1,128] recurrent state per stream. Robust to noise and music.
//   - An energy detector, the fallback where Silero cannot load: frame
//     level in dB above an adaptive noise floor, mapped to a
//     pseudo-probability, on 20 ms frames.
//
// New tries Silero and falls back to energy, saying why.
//
// # Assets
//
// Nothing is downloaded at run time. The model and the library come from
// npm packages pinned in deps/npm (installed with `npm ci` there):
// silero_vad_v5.onnx from @ricky0123/vad-web and libonnxruntime.so.1 from
// onnxruntime-node, whose onnxruntime (1.24.1) provides the C API version
// (24) that onnxruntime_go v1.27.0 requests. DefaultAssetPaths finds them;
// Config's paths override it (the package reads no environment variables).
// onnxruntime is
// opened with dlopen at run time, so the binary does not link against it;
// without cgo NewSilero fails and New falls back.
//
// # The onnxruntime environment
//
// onnxruntime_go's environment is process-global and shared with the
// neural speech engines through internal/ortenv, which loads the library
// once and counts its users. This package takes a reference on the first
// Silero detector and shares one session per model file among all
// detectors, each with its own tensors and recurrent state. Sessions and
// the reference are kept until Shutdown at process exit, since opening a
// session costs about 100 ms and a detector on an open one 0.2 ms.
package vad
