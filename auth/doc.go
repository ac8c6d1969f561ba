// Package auth owns the mapping from an API key to the Principal that every
// front end (realtime, HTTP) acts for, and the Accounting that admits work
// for a principal: connection slots and generation rate (package limits)
// and the monthly character quota of its plan (usage in the store; with
// Redis, reservations that every node shares through limits.CharHold: see
// quota.go). KeyCache re-checks the keys of open sessions, so that a
// revoked key stops working on sockets opened before its revocation, at a
// bounded cost to the store. RetryingUsage keeps the usage charges of work
// already under way through an outage of the store, in bounded memory, and
// writes them when it answers again.
package auth
