// Package metrics owns Parley's Prometheus collectors: one struct that every
// component records into, registered once per process (or per test server on
// its own registry).
package metrics
