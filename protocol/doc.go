// Package protocol owns the wire format of the murmr-compatible realtime
// WebSocket (/v1/realtime): message types, close codes, typed errors, and
// strict decoding of client messages. The server, the Go client, the bench
// tool and the tests all share these definitions, so there is exactly one
// place that says what a valid message is.
package protocol
