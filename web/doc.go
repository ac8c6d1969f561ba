// Package web owns the browser page of Parley's voice agent (/agent): its
// HTML, CSS and plain ES modules (microphone capture and jitter-buffered
// playback in AudioWorklets, the /v1/agent WebSocket client with
// reconnect, the live transcript and the per-turn latency waterfall),
// embedded in the binary and served as they are, with no build step.
package web
