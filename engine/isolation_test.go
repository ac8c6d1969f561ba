package engine

import (
	"fmt"
	"os"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

// TestEspeakIsolated: with EspeakIsolated every espeak-ng request goes to
// a worker process, and the setting needs one.
func TestEspeakIsolated(t *testing.T) {
	if err := (Config{EspeakIsolated: true}).Validate(); err == nil {
		t.Fatal("isolated espeak-ng without worker processes was accepted")
	}
	if err := (Config{EspeakIsolated: true, DisableEspeak: true}).Validate(); err != nil {
		t.Fatalf("isolation of a disabled engine: %v", err)
	}
	t.Setenv(espeakWorkerEnv, "1")
	e, err := Open(Config{DisableFlite: true, EspeakProcesses: 1, EspeakIsolated: true, EspeakWorkerCommand: []string{os.Args[0]}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for range 2 {
		if c := speak(t, e, "Isolated from the server.", protocol.English, Voice{Engine: Espeak, Name: "en-us"}); len(c.pcm) == 0 {
			t.Fatal("no audio")
		}
	}
	if n := e.espeak.Stats().WorkerRequests; n != 2 {
		t.Fatalf("%d of 2 requests went to the worker process", n)
	}
}

// TestNeuralPhonemesIsolated: with EspeakIsolated the neural voices'
// phonemes come from an espeak-ng worker process too, whether espeak-ng's
// own voices are enabled or not.
func TestNeuralPhonemesIsolated(t *testing.T) {
	t.Setenv(espeakWorkerEnv, "1")
	for _, disable := range []bool{false, true} {
		t.Run(fmt.Sprintf("espeak-ng voices disabled=%v", disable), func(t *testing.T) {
			e := openNeuralEngines(t, Config{ModelsDir: neuralDir(t), DisableFlite: !disable, DisableEspeak: disable,
				EspeakProcesses: 1, EspeakIsolated: true, EspeakWorkerCommand: []string{os.Args[0]}})
			if !e.Has(Piper) {
				t.Fatalf("no Piper voice: %v", e.Problems())
			}
			before := e.neural.phonemes.Stats().WorkerRequests
			if c := speak(t, e, "Hello from an isolated phonemiser.", protocol.English, Voice{Engine: Piper, Name: "en_US-amy-low"}); len(c.pcm) == 0 {
				t.Fatal("no audio")
			}
			if n := e.neural.phonemes.Stats().WorkerRequests - before; n < 1 {
				t.Errorf("%d phonemisations went to the worker process", n)
			}
		})
	}
}
