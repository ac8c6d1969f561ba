// Package limits owns the in-memory admission controls of one node:
// per-server connection slots, per-key and per-client-address connection
// counts, per-key generation rates (a token bucket per key), and monthly
// character quotas checked against usage recorded in the store. Multi-node
// deployments replace the in-memory counters with shared ones behind the
// same methods.
package limits
