//go:build !e2e

package realtime_test

import (
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/enginetest"
)

func TestEngineFaults(t *testing.T) { engineFaults(t, &enginetest.Engine{}) }

// The fake engine makes its chunks at 20 times real time, so that a long
// passage keeps it busy for seconds, as a real engine would be.
func TestVanishedClientStopsSynthesis(t *testing.T) {
	vanishedClientStopsSynthesis(t, &enginetest.Engine{Pace: 2 * time.Millisecond})
}

func TestShutdownWithABusySession(t *testing.T) { shutdownWithABusySession(t, &enginetest.Engine{}) }
