//go:build cgo

package piper

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine/espeak"
)

func openEspeak(t testing.TB) *espeak.Engine {
	t.Helper()
	e, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var update = flag.Bool("update", false, "rewrite testdata/golden_ids.json")

// goldenSentences cover what changes ids: clause punctuation of every
// kind, sentence ends, quotes and brackets, numbers, abbreviations,
// accented letters, contractions, and a word espeak-ng reads in another
// language.
var goldenSentences = []string{
	"Hello, world!",
	"How are you today?",
	"I'm fine: thanks; really.",
	"The quick brown fox jumps over the lazy dog.",
	"Wait... what?! No way.",
	"She said \"hello.\" Then she left.",
	"Dr. Smith lives at 221B Baker Street.",
	"It costs $3.50, or about 3 euros.",
	"The café's crème brûlée was très bon.",
	"First (in brackets), second - and third.",
	"Numbers like 1,024 and 2024 are read out.",
	"One sentence. Two sentences! Three sentences?",
}

// TestGoldenIDs fixes the ids en_US-amy-low gets for each golden sentence,
// with the real espeak-ng: any change to phonemisation, punctuation or id
// mapping shows here.
func TestGoldenIDs(t *testing.T) {
	e := openEspeak(t)
	c := amyConfig(t)
	got := map[string][][]int64{}
	for _, s := range goldenSentences {
		ids, missing, err := c.Sentences(context.Background(), e, s)
		if err != nil {
			t.Fatal(err)
		}
		if missing != 0 {
			t.Errorf("%q: %d phonemes missing from amy's map", s, missing)
		}
		got[s] = ids
	}
	const path = "testdata/golden_ids.json"
	if *update {
		if err := os.WriteFile(path, goldenJSON(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][][]int64
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(goldenSentences) {
		t.Errorf("golden file has %d sentences, the test %d: run with -update", len(want), len(goldenSentences))
	}
	for _, s := range goldenSentences {
		if !reflect.DeepEqual(got[s], want[s]) {
			t.Errorf("%q:\n got %v\nwant %v", s, got[s], want[s])
		}
	}
}

// goldenJSON writes one sentence's ids to a line, in goldenSentences'
// order, so that a diff shows which sentence changed.
func goldenJSON(m map[string][][]int64) []byte {
	var b strings.Builder
	b.WriteString("{\n")
	for i, s := range goldenSentences {
		k, _ := json.Marshal(s)
		v, _ := json.Marshal(m[s])
		b.WriteString("  " + string(k) + ": " + string(v))
		if i < len(goldenSentences)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}
