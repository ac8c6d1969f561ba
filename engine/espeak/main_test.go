//go:build cgo

package espeak

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testWorkerEnv makes the test binary a worker process for the pool tests
// (the re-exec pattern); its value picks how the worker behaves.
const testWorkerEnv = "PARLEY_ESPEAK_TEST_WORKER"

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(testWorkerEnv); ok {
		if err := testWorker(mode); err != nil {
			fmt.Fprintln(os.Stderr, "test worker:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// Texts that make a test worker in "serve" mode misbehave after its first
// chunk of audio, or in the middle of a phonemisation, and one that makes
// it print to standard output first.
const (
	hangText    = "__hang__"    // stops answering, ignoring cancels
	exitText    = "__exit__"    // exits
	garbageText = "__garbage__" // writes bytes that are not a frame
	printText   = "__print__"   // prints to stdout, then speaks sentence
	// Phonemisation only.
	waitText    = "__wait__"    // prints waitMark to stderr, returns when cancelled
	overrunText = "__overrun__" // sends a clause longer than the text
)

// waitMark is what a test worker prints to its standard error when it
// begins to phonemise waitText.
const waitMark = "phonemizing " + waitText

// testWorker is a worker process. Modes: "serve" serves like ServeWorker
// with the texts above wired in; "silent" never says hello; "oldversion"
// says hello in another protocol version, "version1" in version 1, which
// could not phonemise, "version2" in version 2, which had no phonemes
// flag, "version3" in version 3, which had no word events.
func testWorker(mode string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	out, err := privateStdout(os.Stdout)
	if err != nil {
		return err
	}
	switch mode {
	case "serve":
		return serveWorker(ctx, os.Stdin, out, misbehave(out))
	case "silent":
		_, err := io.Copy(io.Discard, os.Stdin)
		return err
	case "oldversion", "version1", "version2", "version3":
		v := uint16(protocolVersion + 1)
		switch mode {
		case "version1":
			v = 1
		case "version2":
			v = 2
		case "version3":
			v = 3
		}
		enc := encoder{w: out}
		if err := enc.hello(hello{version: v, rate: 22050}); err != nil {
			return err
		}
		_, err := io.Copy(io.Discard, os.Stdin)
		return err
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// misbehave wires the texts above into a worker's backend.
func misbehave(out io.Writer) func(backend) backend {
	return func(b backend) backend {
		return backend{synthesize: misbehaveSpeaking(out, b.synthesize), phonemize: misbehavePhonemizing(out, b.phonemize)}
	}
}

type (
	synthesizeFunc = func(ctx context.Context, text string, p Params, words func([]Word), emit func([]int16) error) error
	phonemizeFunc  = func(ctx context.Context, text, voice string) ([]Clause, error)
)

func misbehaveSpeaking(out io.Writer, next synthesizeFunc) synthesizeFunc {
	return func(ctx context.Context, text string, p Params, words func([]Word), emit func([]int16) error) error {
		after := func(act func()) error {
			first := true
			return next(ctx, longText, p, words, func(pcm []int16) error {
				err := emit(pcm)
				if first {
					first = false
					act()
				}
				return err
			})
		}
		switch text {
		case hangText:
			return after(func() { time.Sleep(time.Hour) })
		case exitText:
			return after(func() { os.Exit(3) })
		case garbageText:
			return after(func() { out.Write([]byte("not a frame at all")) })
		case printText:
			fmt.Println("a stray line on standard output")
			text = sentence
		}
		return next(ctx, text, p, words, emit)
	}
}

func misbehavePhonemizing(out io.Writer, next phonemizeFunc) phonemizeFunc {
	return func(ctx context.Context, text, voice string) ([]Clause, error) {
		switch text {
		case hangText:
			time.Sleep(time.Hour)
		case exitText:
			os.Exit(3)
		case garbageText:
			out.Write([]byte("not a frame at all"))
		case waitText:
			fmt.Fprintln(os.Stderr, waitMark)
			<-ctx.Done()
			return nil, ctx.Err()
		case overrunText:
			return []Clause{{Text: text + "!", Phonemes: "ˈoʊvɚɹʌn"}}, nil
		}
		return next(ctx, text, voice)
	}
}
