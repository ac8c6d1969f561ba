// Package testlog is a log sink for tests: what a slog.Logger writes from
// many goroutines, read back whole.
package testlog
