package main

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine/espeak"
)

// TestEspeakWorkerSubcommand starts a pool whose worker is this binary run
// as the hidden subcommand, exactly as `parley serve` starts it (TestMain
// runs the command line when PARLEY_TEST_MAIN is set), and speaks through
// it.
func TestEspeakWorkerSubcommand(t *testing.T) {
	t.Setenv("PARLEY_TEST_MAIN", "1")
	p, err := espeak.OpenPool(espeak.PoolConfig{Processes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// Hold the in-process worker so that the next request goes to the
	// worker process.
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		first := true
		held <- p.Synthesize(context.Background(), "Hold on.", espeak.Params{Voice: "en-us"}, func([]int16) error {
			if first {
				first = false
				close(started)
				<-release
			}
			return nil
		})
	}()
	<-started
	samples := 0
	err = p.Synthesize(context.Background(), "Hello from a worker process.", espeak.Params{Voice: "en-us"}, func(pcm []int16) error {
		samples += len(pcm)
		return nil
	})
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.WorkerRequests != 1 || samples < p.SampleRate() {
		t.Errorf("%d samples, Stats %+v: want a second of speech from the worker process", samples, s)
	}
}

// TestEspeakWorkerSubcommandPhonemizes: an isolated pool gets the neural
// voices' phonemes from the hidden subcommand, the same as in-process.
func TestEspeakWorkerSubcommandPhonemizes(t *testing.T) {
	t.Setenv("PARLEY_TEST_MAIN", "1")
	p, err := espeak.OpenPool(espeak.PoolConfig{Processes: 1, Isolated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	e, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const text = "Hello from a worker process. Is it isolated?"
	want, err := e.Phonemize(context.Background(), text, "en-us")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Phonemize(context.Background(), text, "en-us")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || len(got) != 2 {
		t.Errorf("from the worker process %q, in-process %q", got, want)
	}
	if n := p.Stats().WorkerRequests; n != 1 {
		t.Errorf("%d phonemisations went to the worker process, want 1", n)
	}
}

func TestEspeakWorkerIsHidden(t *testing.T) {
	out, _, err := runCmd(t, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, espeak.WorkerSubcommand) || strings.Contains(out, "espeak-worker") {
		t.Errorf("usage mentions the hidden subcommand:\n%s", out)
	}
	// Its input ending at once is a clean stop.
	var stdout strings.Builder
	if err := run(context.Background(), []string{espeak.WorkerSubcommand}, strings.NewReader(""), &stdout, &strings.Builder{}); err != nil {
		t.Errorf("worker with empty input = %v", err)
	}
	if stdout.Len() == 0 {
		t.Error("the worker said no hello")
	}
	if err := run(context.Background(), []string{espeak.WorkerSubcommand}, strings.NewReader("junk"), &strings.Builder{}, &strings.Builder{}); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("worker with junk input = %v, want a protocol error", err)
	}
}
