// Command parley is Parley's single binary: the server, offline synthesis,
// key and voice administration, and the load generator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-voice/parley/engine/espeak"
)

const usage = `parley: self-hostable real-time text-to-speech

Usage:
  parley serve [--addr HOST:PORT] [--data DIR] [--config FILE] [flags]
                                                        run the server
  parley say [--voice-description D] [--language L] [-o FILE] TEXT
                                                        synthesise TEXT (- for stdin) to a WAV file
  parley keys create --plan PLAN [--name NAME] [--data DIR | --store-url URL]
  parley keys list [--data DIR | --store-url URL]
  parley keys revoke ID [--data DIR | --store-url URL]
  parley voices list [--data DIR | --store-url URL]     the saved voices of every account
  parley store migrate --from URL --to URL [--replace]  copy a whole store (sqlite:PATH → postgres://...),
                                                        verified row by row
  parley models list [--data DIR] [--json]              neural voices: installed and available
  parley models pull NAME... [--data DIR]               download voices (sha256 pinned, resumable)
  parley models rm NAME... [--data DIR]                 delete installed voices
  parley bench --url URL --key KEY [--target realtime|http-batch|sse|idle]
               [--sessions N] [--tokens-per-sec R] [--listen] [--json]
                                                        load generator: time to first audio, underruns,
                                                        server memory

Run "parley COMMAND -h" for a command's flags. Every flag can also be set
with an environment variable: --max-conns is PARLEY_MAX_CONNS. parley serve
also reads a config file: --config parley.toml (deploy/parley.toml).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "say":
		return say(ctx, args[1:], stdin, stdout, stderr)
	case "keys":
		return keys(ctx, args[1:], stdout, stderr)
	case "voices":
		return voices(ctx, args[1:], stdout, stderr)
	case "store":
		return storeCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "models":
		return modelsCmd(ctx, args[1:], stdout, stderr)
	case espeak.WorkerSubcommand:
		return espeakWorker(ctx, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// newFlagSet returns a flag set for a subcommand; parse it with parse.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args (see parseArgs) and then applies environment
// variables to every flag not given on the command line: PARLEY_ and the
// flag's name in capitals (--data is PARLEY_DATA).
func parse(fs *flag.FlagSet, args []string) error { return parseEnv(fs, args, nil) }

// parseEnv is parse that also reads the earlier variables legacy lists for
// a flag, after its own (see firstEnv).
func parseEnv(fs *flag.FlagSet, args []string, legacy map[string][]string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if env, v, ok := firstEnv(os.LookupEnv, []string{envName(f.Name)}, legacy[f.Name]); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

// parseArgs parses args, flags and positional arguments in any order (so
// that "keys revoke ID --data DIR" works as well as the other way round;
// "--" ends the flags). The positional arguments are left in fs.Args().
func parseArgs(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}
