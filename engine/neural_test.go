package engine

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/protocol"
)

// neuralDir is a models directory with two good Piper voices (the real
// en_US-amy-low config with a generated model, and a generated
// multi-speaker voice) and three bad ones.
func neuralDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pipertest.Install(t, dir, "en_US-amy-low", "en_US-amy-low.onnx", "en_US-amy-low.onnx.json")
	pipertest.Install(t, dir, "en_GB-multi-medium", "test_multi.onnx", "test_multi.onnx.json")
	pipertest.Install(t, dir, "en_US-badnames-low", "bad_names.onnx", "en_US-amy-low.onnx.json")
	pipertest.Install(t, dir, "en_US-orphan-low", "", "en_US-amy-low.onnx.json")
	pipertest.Install(t, dir, "en_US-truncated-low", "", "en_US-amy-low.onnx.json")
	b, err := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "en_US-truncated-low.onnx"), b[:len(b)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// withKokoro adds the generated Kokoro (af_test, bm_test, ef_test) to a
// models directory, and a voice file that is not one.
func withKokoro(t *testing.T, dir string) string {
	t.Helper()
	kdir := filepath.Join(dir, "kokoro")
	if err := os.CopyFS(kdir, os.DirFS(filepath.Join(pipertest.Testdata(), "..", "..", "kokoro", "testdata", "kokoro"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(kdir, "voices", "af_broken.bin"), []byte("nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openNeuralEngines(t *testing.T, cfg Config) *Engines {
	t.Helper()
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestNeuralVoicesLoad: the good voices load and describe themselves, each
// bad one is refused with a problem naming its file and what is wrong, and
// the other engines run as ever.
func TestNeuralVoicesLoad(t *testing.T) {
	dir := neuralDir(t)
	e := openNeuralEngines(t, Config{ModelsDir: dir})
	var msgs []string
	for _, p := range e.Problems() {
		msgs = append(msgs, p.Error())
	}
	for _, want := range []string{
		`piper voice en_US-badnames-low refused: piper: bad voice model: ` + filepath.Join(dir, "en_US-badnames-low.onnx") + `: unexpected input "text"`,
		`piper voice en_US-orphan-low refused: ` + filepath.Join(dir, "en_US-orphan-low.onnx.json") + ` has no model beside it`,
		`piper voice en_US-truncated-low refused: piper: bad voice model: ` + filepath.Join(dir, "en_US-truncated-low.onnx"),
	} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, want) }) {
			t.Errorf("no problem starting %q in\n%s", want, strings.Join(msgs, "\n"))
		}
	}
	if len(msgs) != 3 {
		t.Errorf("%d problems, want 3:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
	vs := e.NeuralVoices()
	if len(vs) != 2 {
		t.Fatalf("voices %+v", vs)
	}
	gb, us := vs[0], vs[1]
	if us.ID != "piper:en_US-amy-low" || us.Language != protocol.English || us.Region != "US" || us.SampleRate != 16000 ||
		us.Quality != "low" || us.Dataset != "amy" || us.Gender != "" || len(us.Speakers) != 0 {
		t.Errorf("amy: %+v", us)
	}
	if gb.ID != "piper:en_GB-multi-medium" || gb.Region != "GB" || gb.SampleRate != 22050 || !slices.Equal(gb.Speakers, []string{"alice", "bob", "carol", "dave"}) {
		t.Errorf("multi: %+v", gb)
	}
	if !e.Has(Piper) || !e.Has(Flite) || !e.Has(Espeak) {
		t.Error("an engine is missing")
	}
	speak(t, e, "Still here.", protocol.English, Voice{Engine: Flite, Name: "slt"})
	if ms := e.Models(); len(ms) != 2 || ms[0].Model != "en_GB-multi-medium" || ms[1].Engine != Piper || ms[0].Bytes < 0 {
		t.Errorf("Models() = %+v", ms)
	}
	if st := e.Stats(); !slices.ContainsFunc(st, func(s Stat) bool { return s.Engine == Piper }) {
		t.Errorf("Stats() = %+v, no piper", st)
	}
}

func TestLookupVoice(t *testing.T) {
	e := openNeuralEngines(t, Config{ModelsDir: neuralDir(t)})
	for name, id := range map[string]string{
		"piper:en_US-amy-low":            "piper:en_US-amy-low",
		"en_US-amy-low":                  "piper:en_US-amy-low",
		"piper:en_GB-multi-medium:carol": "piper:en_GB-multi-medium:carol",
		"en_GB-multi-medium:3":           "piper:en_GB-multi-medium:3",
	} {
		v, err := e.LookupVoice(name)
		if err != nil || v.ID != id {
			t.Errorf("LookupVoice(%q) = %q, %v; want %q", name, v.ID, err, id)
		}
	}
	for _, name := range []string{"piper:nope", "nope", "piper:en_GB-multi-medium:zed", "piper:en_US-amy-low:1", "kokoro:af_heart", ""} {
		if _, err := e.LookupVoice(name); !errors.Is(err, ErrUnknownVoice) {
			t.Errorf("LookupVoice(%q): %v, want ErrUnknownVoice", name, err)
		}
	}
	none := openEngines(t)
	if _, err := none.LookupVoice("piper:en_US-amy-low"); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("without models: %v", err)
	}
}

// TestPiperSpeaks: Synthesize through a Piper voice gives protocol audio
// (24 kHz, chunked, faded) that decodes to exactly the ids, speaker and
// scales of the voice's phonemes, and Rate reaches length_scale.
func TestPiperSpeaks(t *testing.T) {
	e := openNeuralEngines(t, Config{ModelsDir: neuralDir(t)})
	es, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	amy, err := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := piper.ParseConfig(amy)
	if err != nil {
		t.Fatal(err)
	}
	const text = "Good morning, how are you? Fine."
	sents, _, err := cfg.Sentences(context.Background(), es, text)
	if err != nil {
		t.Fatal(err)
	}
	want := pipertest.Symbols(sents, 0, 0.667, 0.8)
	// 16 kHz blocks of 1024 samples are 1536 at 24 kHz.
	c := speak(t, e, text, protocol.English, Voice{Engine: Piper, Name: "en_US-amy-low"})
	if got := pipertest.Decode(c.pcm, protocol.SampleRate, 1536); !slices.Equal(got, want) {
		t.Errorf("decoded\n %v\nwant\n %v", got, want)
	}
	if len(c.pcm) != len(want)*1536 {
		t.Errorf("%d samples, want %d", len(c.pcm), len(want)*1536)
	}
	checkChunks(t, c, Config{}.withDefaults())
	if c.pcm[0] != 0 || c.pcm[len(c.pcm)-1] != 0 {
		t.Errorf("edges %d, %d: the fades must reach zero", c.pcm[0], c.pcm[len(c.pcm)-1])
	}
	fast := speak(t, e, text, protocol.English, Voice{Engine: Piper, Name: "en_US-amy-low", Rate: 2, Pitch: 5, Range: 2})
	if len(fast.pcm)*2 != len(c.pcm) {
		t.Errorf("rate 2: %d samples, %d at rate 1", len(fast.pcm), len(c.pcm))
	}
	if got := pipertest.Decode(fast.pcm, protocol.SampleRate, 768); !slices.Equal(got, want) {
		t.Errorf("rate 2 decoded %v", got)
	}
	quiet := speak(t, e, text, protocol.English, Voice{Engine: Piper, Name: "en_US-amy-low", Volume: 0.5})
	if r := rms(quiet.pcm) / rms(c.pcm); r < 0.48 || r > 0.52 {
		t.Errorf("volume 0.5: level ratio %.3f", r)
	}

	// A speaker of the multi-speaker voice: 22.05 kHz, its own scales.
	multi := speak(t, e, "Hello.", protocol.English, Voice{Engine: Piper, Name: "en_GB-multi-medium:carol"})
	gbSents := [][]int64{ids(t, e, "en_GB-multi-medium", "Hello.")}
	if got := pipertest.Decode(multi.pcm, protocol.SampleRate, 1229*24000/22050.0); !slices.Equal(got, pipertest.Symbols(gbSents, 2, 0.5, 0.9)) {
		t.Errorf("carol decoded %v", got)
	}
	if err := e.Synthesize(context.Background(), Segment{Text: "x", Language: protocol.English}, Voice{Engine: Piper, Name: "nope"}, func([]int16) error { return nil }); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("unknown Piper voice: %v", err)
	}
}

// ids is the one sentence of text as the installed voice name would feed
// it to its model.
func ids(t *testing.T, e *Engines, name, text string) []int64 {
	t.Helper()
	v := e.neural.piper[name]
	s, _, err := v.Config().Sentences(context.Background(), e.neural.phonemes, text)
	if err != nil || len(s) != 1 {
		t.Fatalf("%q: %v, %v", text, s, err)
	}
	return s[0]
}

func rms(pcm []int16) float64 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// TestNeuralWithoutEspeak: with espeak-ng synthesis disabled the neural
// voices still get their phonemes.
func TestNeuralWithoutEspeak(t *testing.T) {
	e := openNeuralEngines(t, Config{ModelsDir: neuralDir(t), DisableEspeak: true})
	if e.Has(Espeak) || !e.Has(Piper) {
		t.Fatalf("espeak %v, piper %v", e.Has(Espeak), e.Has(Piper))
	}
	if c := speak(t, e, "Hello.", protocol.English, Voice{Engine: Piper, Name: "en_US-amy-low"}); len(c.pcm) == 0 {
		t.Error("no audio")
	}
}

// TestNoModels: a missing or empty directory is no error and no voices.
func TestNoModels(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), t.TempDir()} {
		e := openNeuralEngines(t, Config{ModelsDir: dir})
		if len(e.Problems()) != 0 || len(e.NeuralVoices()) != 0 || e.Has(Piper) {
			t.Errorf("%s: problems %v, voices %v", dir, e.Problems(), e.NeuralVoices())
		}
	}
}

// TestRunsJoinWithoutSteps: each model run is faded at both ends, so two
// runs of one segment meet at zero however their audio ends.
func TestRunsJoinWithoutSteps(t *testing.T) {
	run := func() []int16 {
		pcm := make([]int16, 1000)
		for i := range pcm {
			pcm[i] = 20000
		}
		return pcm
	}
	var out []int16
	write := shapeRuns(16000, 1, func(p []int16) error { out = append(out, p...); return nil })
	write(run())
	write(run())
	n := 32 // 2 ms at 16 kHz
	if out[0] != 0 || out[999] != 0 || out[1000] != 0 || out[1999] != 0 {
		t.Errorf("run edges %d %d | %d %d, want 0", out[0], out[999], out[1000], out[1999])
	}
	if step := audio.MaxStep(out); step > 20000/n+1 {
		t.Errorf("largest step %d; a %d-sample fade of 20000 steps at most %d", step, n, 20000/n+1)
	}
	if out[n] != 20000 || out[500] != 20000 {
		t.Errorf("inside the run: %d, %d", out[n], out[500])
	}
}
