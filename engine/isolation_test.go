package engine

import (
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
