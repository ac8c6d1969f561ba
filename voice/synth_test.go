//go:build cgo

package voice

import (
	"context"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// engineRate is the rate of everything Engines.Synthesize emits.
const engineRate = protocol.SampleRate

func openEngines(t testing.TB) *engine.Engines {
	t.Helper()
	e, err := engine.Open(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// speak synthesises text in lang with v and returns the 24 kHz PCM.
func speak(t testing.TB, e *engine.Engines, text string, lang protocol.Language, v engine.Voice) []int16 {
	t.Helper()
	var pcm []int16
	err := e.Synthesize(context.Background(), engine.Segment{Text: text, Language: lang}, v, func(p []int16) error {
		pcm = append(pcm, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("%+v: %v", v, err)
	}
	return pcm
}
