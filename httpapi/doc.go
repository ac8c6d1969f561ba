// Package httpapi owns Parley's plain HTTP endpoints: health and readiness
// probes, Prometheus metrics, and (section 2 of PROTOCOL.md) batch, SSE and
// OpenAI-compatible synthesis, voices and jobs.
package httpapi
