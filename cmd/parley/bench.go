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
	fs.StringVar(&cfg.URL, "url", "", "server URL: for realtime and idle the realtime endpoint, e.g. ws://localhost:8080/v1/realtime; for http-batch and sse the base URL, e.g. http://localhost:8080, or an endpoint URL (the target's path replaces or is appended to the URL's)")
	fs.StringVar(&cfg.APIKey, "key", "", "API key (realtime and idle: a plan with WebSocket access); sent as Authorization: Bearer to the HTTP endpoints")
	fs.StringVar(&cfg.Target, "target", cfg.Target, "what to drive: realtime (WebSocket), http-batch (POST /v1/audio/speech, raw pcm), sse (POST /v1/audio/speech/stream), or idle (open --sessions realtime sessions, configure them and hold them for --duration, to measure the server's memory per idle session; raise the server's --max-conns, --max-conns-per-key and --max-conns-per-ip for many)")
	fs.StringVar(&cfg.MetricsURL, "metrics-url", cfg.MetricsURL, `server Prometheus endpoint read for RSS and goroutines at the start, peak and end ("auto": /metrics on --url's host; "": none)`)
	fs.StringVar(&cfg.Mode, "mode", cfg.Mode, "realtime and idle: audio frames json or binary")
	fs.StringVar(&cfg.VoiceDescription, "voice-description", "", "voice description sent in config or the request (empty: the server's default voice)")
	fs.StringVar(&cfg.Language, "language", cfg.Language, "language sent in config or the request")
	fs.IntVar(&cfg.Sessions, "sessions", cfg.Sessions, "concurrent sessions")
	fs.DurationVar(&cfg.Ramp, "ramp", cfg.Ramp, "spread the sessions' starts over this time")
	duration := fs.Duration("duration", 0, "stop starting generations after this time; idle: hold the sessions this long (default 30s, or no limit with --generations)")
	fs.IntVar(&cfg.Generations, "generations", 0, "generations per session (0: no limit)")
	fs.Float64Var(&cfg.TokensPerSec, "tokens-per-sec", cfg.TokensPerSec, "rate of 1-6 character text tokens, like an LLM (0: each text in one message); the HTTP targets send whole texts")
	fs.BoolVar(&cfg.Listen, "listen", false, "after each generation, wait until the simulated player has played it (a conversation) instead of starting the next at once")
	fs.BoolVar(&cfg.OneSentence, "one-sentence", false, "each generation is one short sentence in one message, flushed at once (time-to-first-audio benchmark)")
	corpus := fs.String("corpus", "", "file of texts to speak, one per paragraph (default: the built-in corpus)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed for token sizes and text choice")
	fs.IntVar(&cfg.PrebufferChunks, "prebuffer-chunks", cfg.PrebufferChunks, "chunks the simulated player buffers before it starts")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "longest wait for a connection, and for each acknowledgement of a realtime session's set-up")
	fs.DurationVar(&cfg.GenerationTimeout, "generation-timeout", cfg.GenerationTimeout, "longest wait for done after a flush; HTTP targets: for the whole response")
	fs.BoolVar(&cfg.EngineBaseline, "engine-baseline", false, "also time the same first segments on the bare engines in this process")
	fs.IntVar(&cfg.Stallers, "stall", 0, "hold this many SSE requests of --stall-key open throughout, none of which reads its answer (hostile clients: do they slow the measured sessions?)")
	fs.StringVar(&cfg.StallKey, "stall-key", "", "API key of the stalled requests (--stall)")
	fs.DurationVar(&cfg.StallHold, "stall-hold", 30*time.Second, "how long each stalled request is held before it is replaced")
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
