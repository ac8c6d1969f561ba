package main

import (
	"context"
	"io"

	"github.com/parley-voice/parley/engine/espeak"
)

// espeakWorker is the hidden `parley __espeak-worker` subcommand: one of
// the espeak-ng worker processes that `parley serve` starts, speaking the
// pool's protocol on stdin and stdout until the server closes stdin.
// stderr is unused: espeak-ng and a crashing runtime write to the process's
// own standard error, which the server passes through to its log.
func espeakWorker(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	return espeak.ServeWorker(ctx, stdin, stdout)
}
