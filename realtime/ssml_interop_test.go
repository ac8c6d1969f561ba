//go:build e2e

package realtime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
)

// TestNodeWSSSML runs an SSML client written with the npm `ws` package
// (tests/node/ssml.mjs) against the server: markup streamed in pieces of
// three code points, a pronunciation dictionary, speed and pitch, and a
// malformed message on the way.
func TestNodeWSSSML(t *testing.T) {
	h := newHarness(t)
	id := dictionary(t, h, h.key, pronounce.Dictionary{Entries: []pronounce.Entry{{Text: "Parley", IPA: "ˈpɑːli"}}})
	out := filepath.Join(t.TempDir(), "gen")
	b := nodeClient(t, 60*time.Second, "ssml.mjs", h.url, h.key, id, out)
	var res struct {
		SessionID   string `json:"session_id"`
		Generations []struct {
			AudioBytes     int `json:"audio_bytes"`
			Chunks         int `json:"chunks"`
			CharactersSent int `json:"characters_sent"`
			Done           struct {
				TotalChunks int `json:"total_chunks"`
				Characters  int `json:"characters"`
			} `json:"done"`
		} `json:"generations"`
		Errors []struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"errors"`
		Close struct {
			Code int `json:"code"`
		} `json:"close"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("node output %q: %v", b, err)
	}
	if len(res.Generations) != 2 || res.Close.Code != 1000 {
		t.Fatalf("node result %s", b)
	}
	if len(res.Errors) != 1 || res.Errors[0].Code != int(protocol.CloseInvalid) || !strings.Contains(res.Errors[0].Message, `<prosody> at offset 24: rate "warp"`) {
		t.Fatalf("errors %+v: want one, for the malformed message", res.Errors)
	}
	for i, g := range res.Generations {
		if g.Done.Characters != g.CharactersSent || g.Chunks != g.Done.TotalChunks || g.AudioBytes == 0 {
			t.Errorf("generation %d: %+v", i, g)
		}
	}
	pcm := func(i int) []int16 {
		b, err := os.ReadFile(out + "-" + string(rune('0'+i)) + ".pcm")
		if err != nil {
			t.Fatal(err)
		}
		return samplesOf(b)
	}
	first, whole := pcm(0), pcm(1)
	if gap := gapAt(whole, soundEnd(first)+protocol.SampleRate*35/100); gap < 690*time.Millisecond || gap > 710*time.Millisecond {
		t.Errorf("break of 700ms measures %v", gap)
	}
}
