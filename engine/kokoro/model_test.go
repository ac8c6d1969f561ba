//go:build cgo

package kokoro

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/engine/sched"
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

func load(t testing.TB, dir string) *Model {
	t.Helper()
	if env == nil {
		t.Fatal("onnxruntime not loaded: run `npm ci` in deps/npm")
	}
	m, problems, err := Load(dir, Options{})
	if err != nil || len(problems) != 0 {
		t.Fatalf("Load: %v, problems %v", err, problems)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// copyKokoro copies testdata/kokoro to a new directory.
func copyKokoro(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "kokoro")
	if err := os.CopyFS(dst, os.DirFS("testdata/kokoro")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// symbols is what the test model speaks for runs of tokens: per run a
// header (style row, voice number in hundredths, speed in hundredths) and
// the padded ids. The test voices have 32 rows.
func symbols(runs [][]int64, voice int, speed float64) []int {
	var out []int
	for _, ids := range runs {
		out = append(out, min(len(ids)-1, 31), voice, int(speed*100+0.5), 0)
		for _, id := range ids {
			out = append(out, int(id))
		}
		out = append(out, 0)
	}
	return out
}

func speak(t *testing.T, m *Model, ph Phonemizer, ctx context.Context, text, ev string, p Params) ([]int16, int) {
	t.Helper()
	var pcm []int16
	runs := 0
	if err := m.Synthesize(ctx, ph, text, ev, p, func(x []int16) error {
		pcm = append(pcm, x...)
		runs++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pcm, runs
}

// TestSynthesizeFeedsTheModel proves from the audio which token ids
// (padded with 0), style row, voice or blend, and speed reached the model.
func TestSynthesizeFeedsTheModel(t *testing.T) {
	e := openEspeak(t)
	m := load(t, "testdata/kokoro")
	if v := m.Voices(); !slices.Equal(v, []string{"af_test", "bm_test", "ef_test"}) {
		t.Fatalf("voices %v", v)
	}
	const text = "Hello, world! This is a much longer sentence, which has more than thirty two tokens in it."
	runs, err := m.Tokens(context.Background(), e, text, "en-us")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || len(runs[1]) <= 32 {
		t.Fatalf("runs %v: want two sentences, the second longer than the test voices' 32 rows", runs)
	}
	later := sched.PlayBy(context.Background(), sched.Due(context.Background()).Add(1e12))
	af, _ := ParseBlend("af_test")
	pcm, n := speak(t, m, e, later, text, "en-us", Params{Blend: af})
	if got, want := pipertest.Decode(pcm, SampleRate, 1200), symbols(runs, 10, 1); !slices.Equal(got, want) {
		t.Errorf("af_test decoded\n %v\nwant\n %v", got, want)
	}
	if n != 2 {
		t.Errorf("%d runs, want one per sentence", n)
	}
	// A blend: 0.75 × 0.10 + 0.25 × 0.30 = 0.15; twice as fast.
	blend, _ := ParseBlend("af_test:3+bm_test:1")
	fast, _ := speak(t, m, e, later, text, "en-us", Params{Blend: blend, Speed: 2})
	if got, want := pipertest.Decode(fast, SampleRate, 600), symbols(runs, 15, 2); !slices.Equal(got, want) {
		t.Errorf("blend at speed 2 decoded\n %v\nwant\n %v", got, want)
	}
	if len(fast)*2 != len(pcm) {
		t.Errorf("speed 2: %d samples, %d at 1", len(fast), len(pcm))
	}
	if err := m.Synthesize(context.Background(), e, "Hi.", "en-us", Params{Blend: Blend{{Voice: "af_nobody", Weight: 1}}}, func([]int16) error { return nil }); !errors.Is(err, ErrVoice) {
		t.Errorf("unknown voice: %v", err)
	}
	// Needed now, a long first sentence's first run stops at its first
	// clause.
	const long = "Well, this is a much longer sentence, which has more than thirty two tokens in it."
	_, urgent := speak(t, m, e, sched.Urgent(context.Background()), long, "en-us", Params{Blend: af})
	_, whole := speak(t, m, e, later, long, "en-us", Params{Blend: af})
	if urgent != 2 || whole != 1 {
		t.Errorf("runs: %d needed now, %d later; want 2 and 1", urgent, whole)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(dir string)
		want   error
		says   string
	}{
		{"no config", func(d string) { os.Remove(filepath.Join(d, "config.json")) }, ErrConfig, "config.json: no such file"},
		{"config without vocab", func(d string) { os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"n_token": 178}`), 0o644) }, ErrConfig, "config.json: kokoro: bad config: no vocab"},
		{"no model", func(d string) { os.Remove(filepath.Join(d, "model.onnx")) }, ErrModel, "model.onnx: no such file"},
		{"truncated model", func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, "model.onnx"))
			os.WriteFile(filepath.Join(d, "model.onnx"), b[:len(b)/2], 0o644)
		}, ErrModel, "model.onnx"},
		{"kokoro-onnx's tokens input", func(d string) { copyFile(t, "testdata/bad_tokens.onnx", filepath.Join(d, "model.onnx")) }, ErrModel, `unexpected input "tokens"`},
		{"int32 speed", func(d string) { copyFile(t, "testdata/bad_speed.onnx", filepath.Join(d, "model.onnx")) }, ErrModel, `input "speed" is int32 [1], want float32 of rank 1`},
		{"no voices", func(d string) { os.RemoveAll(filepath.Join(d, "voices")) }, ErrVoice, "no voices"},
	}
	for _, tt := range tests {
		dir := copyKokoro(t)
		tt.change(dir)
		_, _, err := Load(dir, Options{})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v\nwant %v saying %q", tt.name, err, tt.want, tt.says)
		}
	}
	// A bad voice file is left out; the others load.
	dir := copyKokoro(t)
	os.WriteFile(filepath.Join(dir, "voices", "af_broken.bin"), []byte("not a voice"), 0o644)
	os.WriteFile(filepath.Join(dir, "voices", "xx_unknown.bin"), make([]byte, 1024), 0o644)
	m, problems, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if len(problems) != 2 || !strings.Contains(problems[0].Error(), "af_broken.bin: 11 bytes") || !strings.Contains(problems[1].Error(), `no Kokoro language starts with "x"`) {
		t.Errorf("problems %v", problems)
	}
	if v := m.Voices(); len(v) != 3 {
		t.Errorf("voices %v", v)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCancelAndClose(t *testing.T) {
	e := openEspeak(t)
	m := load(t, "testdata/kokoro")
	af, _ := ParseBlend("af_test")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := m.Synthesize(ctx, e, "One. Two. Three.", "en-us", Params{Blend: af}, func([]int16) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled in the first emit: %v after %d", err, n)
	}
	m.Close()
	m.Close()
	if err := m.Synthesize(context.Background(), e, "One.", "en-us", Params{Blend: af}, func([]int16) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
