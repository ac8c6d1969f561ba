// Package httpapi owns Parley's plain HTTP endpoints: health and readiness
// probes, Prometheus metrics, and (section 2 of PROTOCOL.md) batch, SSE and
// OpenAI-compatible synthesis, voices and jobs; and, as extensions, SSML
// and pronunciation dictionaries in speech requests (text_type,
// pronunciation_dictionaries) and the dictionaries' own endpoints,
// /v1/pronunciations (JSON, or W3C PLS 1.0 in and out).
package httpapi
