//go:build cgo

package piper

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/engine/sched"
)

func loadVoice(t testing.TB, model string, opts Options) *Voice {
	t.Helper()
	if env == nil {
		t.Fatal("onnxruntime not loaded: run `npm ci` in deps/npm")
	}
	v, err := Load(model, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func synth(t testing.TB, v *Voice, ph Phonemizer, ctx context.Context, text string, p Params) ([]int16, int) {
	t.Helper()
	var pcm []int16
	runs := 0
	if err := v.Synthesize(ctx, ph, text, p, func(x []int16) error {
		pcm = append(pcm, x...)
		runs++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pcm, runs
}

// expected is what a generated model speaks for text: per sentence a
// header (sid, noise_scale and noise_w in hundredths) and the ids.
func expected(t testing.TB, c *Config, ph Phonemizer, text string, sid int, ns, nw int) []int {
	t.Helper()
	sents, _, err := c.Sentences(context.Background(), ph, text)
	if err != nil {
		t.Fatal(err)
	}
	return pipertest.Symbols(sents, sid, float64(ns)/100, float64(nw)/100)
}

// TestSynthesizeFeedsTheModel proves, from the audio alone, which ids,
// speaker and scales reached the model, and that length_scale sets the
// duration: the real amy config with a generated model of its interface.
func TestSynthesizeFeedsTheModel(t *testing.T) {
	e := openEspeak(t)
	v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{})
	const text = "Hello, world. How are you today?"
	// The config's scales: 0.667, 1, 0.8.
	pcm, runs := synth(t, v, e, context.Background(), text, Params{})
	want := expected(t, v.Config(), e, text, 0, 67, 80)
	if got := pipertest.Decode(pcm, 16000, pipertest.Block); !slices.Equal(got, want) {
		t.Fatalf("decoded\n %v\nwant\n %v", got, want)
	}
	if runs != 2 || len(pcm) != len(want)*pipertest.Block {
		t.Errorf("%d runs, %d samples; want 2 runs (one per sentence), %d samples", runs, len(pcm), len(want)*pipertest.Block)
	}

	// Twice as fast: length_scale halved, half the samples.
	fast, _ := synth(t, v, e, context.Background(), text, Params{LengthScale: 0.5})
	if len(fast)*2 != len(pcm) {
		t.Errorf("length scale 0.5: %d samples, %d at 1", len(fast), len(pcm))
	}
	if got := pipertest.Decode(fast, 16000, pipertest.Block/2); !slices.Equal(got, want) {
		t.Errorf("length scale 0.5 decoded %v", got)
	}
	// Noise scales of the request's own.
	noisy, _ := synth(t, v, e, context.Background(), "Hi.", Params{NoiseScale: 0.33, NoiseW: 0.5})
	if got := pipertest.Decode(noisy, 16000, pipertest.Block); len(got) < 3 || got[1] != 33 || got[2] != 50 {
		t.Errorf("noise scales 0.33, 0.5: header %v", got[:min(3, len(got))])
	}
}

// TestMultiSpeaker: the sid input reaches the model, by id or by name,
// and the config's own scales (0.5, 1.2, 0.9) are used.
func TestMultiSpeaker(t *testing.T) {
	e := openEspeak(t)
	v := loadVoice(t, "testdata/test_multi.onnx", Options{})
	if v.SampleRate() != 22050 || v.Config().NumSpeakers != 4 || !slices.Equal(v.Config().Speakers(), []string{"alice", "bob", "carol", "dave"}) {
		t.Fatalf("multi-speaker voice: %d Hz, %d speakers %v", v.SampleRate(), v.Config().NumSpeakers, v.Config().Speakers())
	}
	sid, err := v.Config().Speaker("carol")
	if err != nil || sid != 2 {
		t.Fatalf("carol is %d, %v", sid, err)
	}
	block := 1229.0 // round(1024 * 1.2)
	for _, s := range []int64{0, sid, 3} {
		pcm, _ := synth(t, v, e, context.Background(), "Good morning.", Params{Speaker: s})
		want := expected(t, v.Config(), e, "Good morning.", int(s), 50, 90)
		if got := pipertest.Decode(pcm, 22050, block); !slices.Equal(got, want) {
			t.Errorf("speaker %d decoded %v, want %v", s, got, want)
		}
	}
	if err := v.Synthesize(context.Background(), e, "x", Params{Speaker: 4}, func([]int16) error { return nil }); !errors.Is(err, ErrSpeaker) {
		t.Errorf("speaker 4 of 4: %v", err)
	}
}

// TestLoadRejects: each way a voice's files can be wrong is refused with
// an error naming the file and the problem.
func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	amyJSON, err := os.ReadFile("testdata/en_US-amy-low.onnx.json")
	if err != nil {
		t.Fatal(err)
	}
	model, err := os.ReadFile("testdata/en_US-amy-low.onnx")
	if err != nil {
		t.Fatal(err)
	}
	multi, _ := os.ReadFile("testdata/test_multi.onnx")
	multiJSON, _ := os.ReadFile("testdata/test_multi.onnx.json")
	badNames, _ := os.ReadFile("testdata/bad_names.onnx")
	badDtype, _ := os.ReadFile("testdata/bad_dtype.onnx")
	write := func(name string, onnx, json []byte) string {
		p := filepath.Join(dir, name+".onnx")
		if onnx != nil {
			if err := os.WriteFile(p, onnx, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if json != nil {
			if err := os.WriteFile(p+".json", json, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want error
		says string
	}{
		{"missing json", write("nojson", model, nil), ErrConfig, "nojson.onnx.json: no such file"},
		{"missing model", write("nomodel", nil, amyJSON), ErrModel, "nomodel.onnx: no such file"},
		{"truncated model", write("truncated", model[:len(model)/2], amyJSON), ErrModel, "truncated.onnx"},
		{"not a model", write("text", []byte("hello"), amyJSON), ErrModel, "text.onnx"},
		{"wrong input names", write("names", badNames, amyJSON), ErrModel, `unexpected input "text"`},
		{"wrong input type", write("dtype", badDtype, amyJSON), ErrModel, `input "input" is float32 [1 -1], want int64 of rank 2`},
		{"sid but one speaker", write("sid", multi, amyJSON), ErrModel, `takes a speaker id ("sid") but the config has one speaker`},
		{"speakers but no sid", write("nosid", model, multiJSON), ErrModel, `input "sid" is missing`},
		{"wrong sample rate", write("rate", model, []byte(strings.Replace(string(amyJSON), `"sample_rate": 16000`, `"sample_rate": 16`, 1))), ErrConfig, "rate.onnx.json: piper: bad voice config: audio.sample_rate 16 Hz"},
	}
	for _, tt := range tests {
		_, err := Load(tt.path, Options{})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v\nwant %v saying %q", tt.name, err, tt.want, tt.says)
		}
	}
}

// TestCancel: a cancel between runs or during one ends Synthesize with
// the context's error, and Close during a synthesis ends it with
// ErrClosed or the run's audio, never a hang.
func TestCancel(t *testing.T) {
	e := openEspeak(t)
	v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := v.Synthesize(ctx, e, "One. Two. Three. Four.", Params{}, func([]int16) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled in the first run's emit: %v after %d runs", err, n)
	}
	stop := errors.New("enough")
	if err := v.Synthesize(context.Background(), e, "One. Two.", Params{}, func([]int16) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("emit error: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := v.Synthesize(ctx, e, "One.", Params{}, func([]int16) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
}

// recordingGate is a sched.Slots that records the name in each context
// it admits, in order.
type recordingGate struct {
	*sched.Slots
	mu    sync.Mutex
	order []string
}

type nameKey struct{}

func (g *recordingGate) Acquire(ctx context.Context) error {
	if err := g.Slots.Acquire(ctx); err != nil {
		return err
	}
	if name, ok := ctx.Value(nameKey{}).(string); ok {
		g.mu.Lock()
		g.order = append(g.order, name)
		g.mu.Unlock()
	}
	return nil
}

// TestGateOrdersRuns: runs wait at the gate by sched.Due, the one needed
// first admitted first.
func TestGateOrdersRuns(t *testing.T) {
	e := openEspeak(t)
	gate := &recordingGate{Slots: sched.NewSlots(1)}
	v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{Gate: gate})
	if err := gate.Slots.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, w := range []struct {
		name string
		ctx  context.Context
	}{
		{"later", sched.PlayBy(context.Background(), time.Now().Add(time.Minute))},
		{"urgent", sched.Urgent(context.Background())},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.WithValue(w.ctx, nameKey{}, w.name)
			if err := v.Synthesize(ctx, e, "Hi.", Params{}, func([]int16) error { return nil }); err != nil {
				t.Error(err)
			}
		}()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, q := gate.Stats(); q == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("never queued")
			}
		}
	}
	gate.Release()
	wg.Wait()
	if !slices.Equal(gate.order, []string{"urgent", "later"}) {
		t.Errorf("admitted %v, want urgent first", gate.order)
	}
}

// TestConcurrentSyntheses: runs on one session at once, from many
// goroutines, each get their own audio.
func TestConcurrentSyntheses(t *testing.T) {
	e := openEspeak(t)
	for _, sessions := range []int{1, 2} {
		v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{Sessions: sessions, Gate: sched.NewSlots(4)})
		texts := []string{"Hello there.", "Good morning, everyone.", "Yes.", "What a lovely day it is!"}
		var wg sync.WaitGroup
		for i := range 8 {
			text := texts[i%len(texts)]
			want := expected(t, v.Config(), e, text, 0, 67, 80)
			wg.Add(1)
			go func() {
				defer wg.Done()
				var pcm []int16
				if err := v.Synthesize(context.Background(), e, text, Params{}, func(x []int16) error { pcm = append(pcm, x...); return nil }); err != nil {
					t.Error(err)
					return
				}
				if got := pipertest.Decode(pcm, 16000, pipertest.Block); !slices.Equal(got, want) {
					t.Errorf("%d sessions, %q decoded %v", sessions, text, got)
				}
			}()
		}
		wg.Wait()
	}
}

// TestFirstRunIsShort: a segment needed now is cut at its first clause
// boundary past FirstPhonemes; one needed later runs whole sentences.
func TestFirstRunIsShort(t *testing.T) {
	e := openEspeak(t)
	v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{FirstPhonemes: 10})
	const text = "Well, that was a long and winding sentence with many words in it."
	_, urgentRuns := synth(t, v, e, sched.Urgent(context.Background()), text, Params{})
	_, laterRuns := synth(t, v, e, sched.PlayBy(context.Background(), time.Now().Add(time.Minute)), text, Params{})
	if urgentRuns != 2 || laterRuns != 1 {
		t.Errorf("runs: %d urgent, %d later; want 2 and 1", urgentRuns, laterRuns)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	e := openEspeak(t)
	v := loadVoice(t, "testdata/en_US-amy-low.onnx", Options{})
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Synthesize(context.Background(), e, "Hi.", Params{}, func([]int16) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestCancelTerminatesARun: a cancel during a long run ends it well before
// the run would have finished (onnxruntime's terminate flag), and Close
// does the same to a run under way.
func TestCancelTerminatesARun(t *testing.T) {
	e := openEspeak(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "slow.onnx")
	for src, dst := range map[string]string{"testdata/slow.onnx": model, "testdata/en_US-amy-low.onnx.json": model + ".json"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v := loadVoice(t, model, Options{})
	start := time.Now()
	synth(t, v, e, context.Background(), "Hi.", Params{})
	full := time.Since(start)

	ctx, cancel := context.WithTimeout(context.Background(), full/10)
	defer cancel()
	start = time.Now()
	err := v.Synthesize(ctx, e, "Hi.", Params{}, func([]int16) error { return nil })
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled run: %v", err)
	}
	if took > full/2 {
		t.Errorf("a run of %v cancelled after %v took %v", full, full/10, took)
	}
	t.Logf("a full run %v; cancelled after %v, returned after %v", full, full/10, took)

	done := make(chan error, 1)
	go func() {
		done <- v.Synthesize(context.Background(), e, "Hi.", Params{}, func([]int16) error { return nil })
	}()
	time.Sleep(full / 10)
	start = time.Now()
	v.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("run under way at Close: %v", err)
	}
	if took := time.Since(start); took > full/2 {
		t.Errorf("Close during a run of %v took %v", full, took)
	}
}
