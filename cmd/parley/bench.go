package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	loadbench "github.com/parley-voice/parley/bench"
)

func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	cfg := loadbench.DefaultConfig()
	fs.StringVar(&cfg.URL, "url", "", "realtime URL, e.g. ws://localhost:8080/v1/realtime")
	fs.StringVar(&cfg.APIKey, "key", "", "API key (plan with WebSocket access)")
	fs.StringVar(&cfg.Target, "target", cfg.Target, "endpoint kind: realtime (http-batch and sse are not implemented yet)")
	fs.StringVar(&cfg.Mode, "mode", cfg.Mode, "audio frames: json or binary")
	fs.StringVar(&cfg.VoiceDescription, "voice-description", "", "voice description sent in config (empty: the server's default voice)")
	fs.StringVar(&cfg.Language, "language", cfg.Language, "language sent in config")
	fs.IntVar(&cfg.Sessions, "sessions", cfg.Sessions, "concurrent sessions")
	fs.DurationVar(&cfg.Ramp, "ramp", cfg.Ramp, "spread the sessions' starts over this time")
	duration := fs.Duration("duration", 0, "stop starting generations after this time (default 30s, or no limit with --generations)")
	fs.IntVar(&cfg.Generations, "generations", 0, "generations per session (0: no limit)")
	fs.Float64Var(&cfg.TokensPerSec, "tokens-per-sec", cfg.TokensPerSec, "rate of 1-6 character text tokens, like an LLM (0: each text in one message)")
	fs.BoolVar(&cfg.OneSentence, "one-sentence", false, "each generation is one short sentence in one message, flushed at once (time-to-first-audio benchmark)")
	corpus := fs.String("corpus", "", "file of texts to speak, one per paragraph (default: the built-in corpus)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed for token sizes and text choice")
	fs.IntVar(&cfg.PrebufferChunks, "prebuffer-chunks", cfg.PrebufferChunks, "chunks the simulated player buffers before it starts")
	fs.DurationVar(&cfg.GenerationTimeout, "generation-timeout", cfg.GenerationTimeout, "longest wait for done after a flush")
	fs.BoolVar(&cfg.EngineBaseline, "engine-baseline", false, "also time the same first segments on the bare engines in this process")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	cfg.Duration = *duration
	if cfg.Duration == 0 && cfg.Generations == 0 {
		cfg.Duration = 30 * time.Second
	}
	if *corpus != "" {
		f, err := os.Open(*corpus)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		cfg.Corpus, err = loadbench.ParseCorpus(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	var progress io.Writer
	if !*asJSON && isTerminal(stderr) {
		progress = stderr
	}
	rep, err := loadbench.Run(ctx, cfg, progress)
	if rep == nil {
		return err
	}
	// An interrupted run still reports what it measured.
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if rep.Sessions.Failed > 0 {
		return fmt.Errorf("bench: %d of %d sessions failed", rep.Sessions.Failed, cfg.Sessions)
	}
	return nil
}

// isTerminal reports whether w is a character device, where a progress line
// that rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
