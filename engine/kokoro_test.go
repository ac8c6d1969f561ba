package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

// TestKokoroVoices: Kokoro's voices load beside Piper's, described from
// their names; a bad voice file is refused alone; names and blends
// resolve.
func TestKokoroVoices(t *testing.T) {
	e := openNeuralEngines(t, Config{ModelsDir: withKokoro(t, neuralDir(t))})
	if !slices.ContainsFunc(e.Problems(), func(p error) bool {
		return strings.HasPrefix(p.Error(), "kokoro voice refused: kokoro: bad voice: ") && strings.Contains(p.Error(), "af_broken.bin: 4 bytes")
	}) {
		t.Errorf("no problem for af_broken.bin in %v", e.Problems())
	}
	byID := map[string]NeuralVoice{}
	for _, v := range e.NeuralVoices() {
		byID[v.ID] = v
	}
	for id, want := range map[string][3]string{
		"kokoro:af_test": {"English", "US", "female"},
		"kokoro:bm_test": {"English", "GB", "male"},
		"kokoro:ef_test": {"Spanish", "ES", "female"},
	} {
		v := byID[id]
		if string(v.Language) != want[0] || v.Region != want[1] || v.Gender != want[2] || v.SampleRate != 24000 || v.Engine != Kokoro {
			t.Errorf("%s: %+v", id, v)
		}
	}
	for name, id := range map[string]string{
		"kokoro:af_test":                "kokoro:af_test",
		"bm_test":                       "kokoro:bm_test",
		"kokoro:bm_test:1+af_test:3":    "kokoro:af_test:0.75+bm_test:0.25",
		"kokoro:af_test:0.5+ef_test:.5": "kokoro:af_test:0.5+ef_test:0.5",
	} {
		v, err := e.LookupVoice(name)
		if err != nil || v.ID != id {
			t.Errorf("LookupVoice(%q) = %q, %v; want %q", name, v.ID, err, id)
		}
	}
	if v, _ := e.LookupVoice("kokoro:bm_test:1+af_test:3"); v.Gender != "female" || v.Region != "US" {
		t.Errorf("a blend takes its heaviest voice's description: %+v", v)
	}
	for _, name := range []string{"kokoro:af_broken", "kokoro:af_test+af_nobody", "kokoro:af_test:0", "kokoro:"} {
		if _, err := e.LookupVoice(name); !errors.Is(err, ErrUnknownVoice) {
			t.Errorf("LookupVoice(%q): %v", name, err)
		}
	}
	if !e.Has(Kokoro) || !slices.ContainsFunc(e.Stats(), func(s Stat) bool { return s.Engine == Kokoro }) ||
		!slices.ContainsFunc(e.Models(), func(m ModelStat) bool { return m.Engine == Kokoro }) {
		t.Errorf("Has %v, Stats %v, Models %v", e.Has(Kokoro), e.Stats(), e.Models())
	}
}

// TestKokoroSpeaks: a blend speaks protocol audio that decodes to the
// blend's style, the tokens of the segment's language, and the rate as
// speed.
func TestKokoroSpeaks(t *testing.T) {
	e := openNeuralEngines(t, Config{ModelsDir: withKokoro(t, t.TempDir())})
	later := func() context.Context {
		return sched.PlayBy(context.Background(), time.Now().Add(time.Minute))
	}
	tokens := func(text, ev string) [][]int64 {
		runs, err := e.neural.kokoro.Tokens(context.Background(), e.neural.phonemes, text, ev)
		if err != nil {
			t.Fatal(err)
		}
		return runs
	}
	symbols := func(runs [][]int64, voice int, speed int) []int {
		var out []int
		for _, ids := range runs {
			out = append(out, min(len(ids)-1, 31), voice, speed, 0)
			for _, id := range ids {
				out = append(out, int(id))
			}
			out = append(out, 0)
		}
		return out
	}
	speakAt := func(text string, lang protocol.Language, v Voice) []int16 {
		var c capture
		if err := e.Synthesize(later(), Segment{Text: text, Language: lang}, v, c.emit); err != nil {
			t.Fatal(err)
		}
		return c.pcm
	}
	const text = "Good morning, everyone."
	pcm := speakAt(text, protocol.English, Voice{Engine: Kokoro, Name: "af_test:0.75+bm_test:0.25"})
	if got, want := pipertest.Decode(pcm, protocol.SampleRate, 1200), symbols(tokens(text, "en-us"), 15, 100); !slices.Equal(got, want) {
		t.Errorf("blend decoded\n %v\nwant\n %v", got, want)
	}
	// A British voice reads English as British; Spanish as Spanish; rate 2
	// is speed 2.
	gb := speakAt(text, protocol.English, Voice{Engine: Kokoro, Name: "bm_test", Rate: 2})
	if got, want := pipertest.Decode(gb, protocol.SampleRate, 600), symbols(tokens(text, "en-gb"), 30, 200); !slices.Equal(got, want) {
		t.Errorf("bm_test decoded\n %v\nwant\n %v", got, want)
	}
	const hola = "Buenos días, amigos."
	es := speakAt(hola, protocol.Spanish, Voice{Engine: Kokoro, Name: "af_test"})
	if got, want := pipertest.Decode(es, protocol.SampleRate, 1200), symbols(tokens(hola, "es"), 10, 100); !slices.Equal(got, want) {
		t.Errorf("Spanish decoded\n %v\nwant\n %v", got, want)
	}
}

// TestF0Cache: each voice's F0 is measured once and kept in the models
// directory; a changed model file is measured again.
func TestF0Cache(t *testing.T) {
	dir := withKokoro(t, neuralDir(t))
	e := openNeuralEngines(t, Config{ModelsDir: dir})
	measured := map[string]float64{}
	for _, v := range e.NeuralVoices() {
		measured[v.ID] = v.F0
	}
	e.Close()
	path := filepath.Join(dir, f0CacheFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries map[string]f0Entry
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(measured) || entries["piper:en_US-amy-low"].F0 != measured["piper:en_US-amy-low"] {
		t.Fatalf("cache %v, measured %v", entries, measured)
	}
	// A figure only the cache can give is what the next start reports.
	amy := entries["piper:en_US-amy-low"]
	amy.F0 = 123.4
	entries["piper:en_US-amy-low"] = amy
	b, _ = json.Marshal(entries)
	os.WriteFile(path, b, 0o644)
	e = openNeuralEngines(t, Config{ModelsDir: dir})
	if v, _ := e.LookupVoice("piper:en_US-amy-low"); v.F0 != 123.4 {
		t.Errorf("F0 %v after a start with the cache, want the cached 123.4", v.F0)
	}
	e.Close()
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "en_US-amy-low.onnx"), later, later)
	e = openNeuralEngines(t, Config{ModelsDir: dir})
	if v, _ := e.LookupVoice("piper:en_US-amy-low"); v.F0 != measured["piper:en_US-amy-low"] {
		t.Errorf("F0 %v after the model changed, want measured again: %v", v.F0, measured["piper:en_US-amy-low"])
	}
}
