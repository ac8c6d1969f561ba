//go:build e2e

package realtime_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// TestNodeWSContextsAndTimestamps runs a client written with the npm `ws`
// package (tests/node/contexts.mjs) against a whole node with the real
// engines, in JSON and binary modes: word timestamps for text streamed in
// pieces of three code points, two contexts spoken in the order of their
// flushes, a clear of one, and close_context.
func TestNodeWSContextsAndTimestamps(t *testing.T) {
	h := newHarness(t)
	for _, mode := range []string{"json", "binary"} {
		t.Run(mode, func(t *testing.T) {
			b := nodeClient(t, 90*time.Second, "contexts.mjs", h.url, h.key, mode)
			type gen struct {
				Words      []protocol.Word `json:"words"`
				Early      int             `json:"early"`
				Late       int             `json:"late"`
				AudioBytes int             `json:"audio_bytes"`
				Done       *protocol.Done  `json:"done"`
			}
			var res struct {
				Contexts     map[string][]gen   `json:"contexts"`
				Order        []string           `json:"order"`
				Errors       []map[string]any   `json:"errors"`
				Cleared      []string           `json:"cleared"`
				Closed       []string           `json:"closed"`
				AudioContext int                `json:"audio_context"`
				Close        struct{ Code int } `json:"close"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatalf("node output %q: %v", b, err)
			}
			if len(res.Errors) > 0 || res.Close.Code != 1000 || !slices.Equal(res.Cleared, []string{"story"}) || len(res.Closed) != 2 {
				t.Fatalf("node result %s", b)
			}
			// The aside, flushed first, is heard whole (the story may have
			// begun with a first clause before it), then the rest of the
			// story.
			if n := len(res.Order); n < 2 || res.Order[n-1] != "story" || strings.Count(strings.Join(res.Order, " "), "aside") != 1 {
				t.Errorf("contexts heard in the order %v", res.Order)
			}
			if mode == "binary" && res.AudioContext < 2 || mode == "json" && res.AudioContext != 0 {
				t.Errorf("%d audio_context messages in %s mode", res.AudioContext, mode)
			}
			aside, story := res.Contexts["aside"], res.Contexts["story"]
			// aside: one done and a generation begun; story: the first
			// generation done, the cleared one without done.
			if len(aside) != 2 || aside[0].Done == nil || aside[0].Done.ContextID != "aside" || len(story) != 2 ||
				story[0].Done == nil || story[0].Done.ContextID != "story" || story[1].Done != nil {
				t.Fatalf("generations: aside %+v, story %+v", aside, story)
			}
			first := []rune("Dr. Smith paid $5 for the café in Zürich, and then he walked home. It was late.")
			var got []string
			for _, w := range story[0].Words {
				if w.CharStart < 0 || w.CharEnd > len(first) || w.CharStart >= w.CharEnd || w.EndMS < w.StartMS || w.EndMS > story[0].Done.AudioDurationMS+1 {
					t.Fatalf("word %+v", w)
				}
				got = append(got, w.Word+"→"+string(first[w.CharStart:w.CharEnd]))
			}
			s := strings.Join(got, " ")
			for _, want := range []string{"Doctor→Dr.", "five→$5", "dollars→$5", "café→café", "Zürich→Zürich", "home→home", "late→late"} {
				if !strings.Contains(s, want) {
					t.Errorf("story words %s: no %s", s, want)
				}
			}
			for _, g := range append(story, aside...) {
				if g.Late > 0 {
					t.Errorf("%d words came after their audio: %+v", g.Late, g.Words)
				}
			}
			if len(aside[0].Words) != 5 || len(story[1].Words) == 0 {
				t.Errorf("aside words %+v, cleared story words %+v", aside[0].Words, story[1].Words)
			}
		})
	}
}
