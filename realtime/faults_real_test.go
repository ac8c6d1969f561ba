//go:build e2e

package realtime_test

import (
	"testing"

	"github.com/parley-voice/parley/engine"
)

// realEngines opens the real engines, closed when the test ends.
func realEngines(t *testing.T) engine.Synthesizer {
	t.Helper()
	e, err := engine.Open(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEngineFaults(t *testing.T) { engineFaults(t, realEngines(t)) }

func TestVanishedClientStopsSynthesis(t *testing.T) { vanishedClientStopsSynthesis(t, realEngines(t)) }

func TestShutdownWithABusySession(t *testing.T) { shutdownWithABusySession(t, realEngines(t)) }
