// Package plan owns the table of subscription plans of PROTOCOL.md section 3:
// monthly character quotas, saved-voice counts and WebSocket access.
package plan
