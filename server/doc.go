// Package server owns the process that `parley serve` runs: it opens the
// store and the engines, builds the realtime and HTTP handlers on one mux,
// serves them, and shuts down in two stages (stop accepting, drain sessions
// within a grace period, then force).
package server
