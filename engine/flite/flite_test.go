//go:build cgo

package flite

import (
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	sentence = "The rainbow is a division of white light into many beautiful colors."
	// long is about 200 characters, in one sentence.
	long = "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow; " +
		"the rainbow is a division of white light into many beautiful colors, arranged in a long round arch."
	twoSentences = "The first sentence is spoken here. And then the second one follows it."
)

// speak synthesises text and returns the PCM and the number of emits.
func speak(t testing.TB, text string, p Params) ([]int16, int) {
	t.Helper()
	var pcm []int16
	emits := 0
	err := Synthesize(context.Background(), text, p, func(c []int16) error {
		pcm = append(pcm, c...)
		emits++
		return nil
	})
	if err != nil {
		t.Fatalf("Synthesize(%q, %+v): %v", text, p, err)
	}
	return pcm, emits
}

func seconds(t testing.TB, pcm []int16, voice string) float64 {
	t.Helper()
	rate, err := SampleRate(voice)
	if err != nil {
		t.Fatal(err)
	}
	return float64(len(pcm)) / float64(rate)
}

func TestVoicesAndRates(t *testing.T) {
	if got, want := Voices(), []string{"slt", "rms", "awb", "kal16"}; !slices.Equal(got, want) {
		t.Fatalf("Voices() = %v, want %v", got, want)
	}
	Voices()[0] = "changed"
	if Voices()[0] != "slt" {
		t.Fatal("Voices shares its slice with the caller")
	}
	for _, v := range Voices() {
		// Every voice flite 2.2 ships for US English is a 16 kHz build.
		if rate, err := SampleRate(v); err != nil || rate != 16000 {
			t.Errorf("SampleRate(%s) = %d, %v; want 16000", v, rate, err)
		}
	}
	if _, err := SampleRate("kal"); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("SampleRate(kal) error = %v, want ErrUnknownVoice", err)
	}
	if _, _, err := DefaultPitch("nobody"); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("DefaultPitch(nobody) error = %v, want ErrUnknownVoice", err)
	}
}

func TestEachVoiceSpeaks(t *testing.T) {
	words := float64(len(strings.Fields(sentence)))
	for _, v := range Voices() {
		t.Run(v, func(t *testing.T) {
			once, emits := speak(t, sentence, Params{Voice: v})
			if emits == 0 {
				t.Fatal("no audio")
			}
			if r := rms(once); r < 300 {
				t.Errorf("RMS %.0f: near silent", r)
			}
			// Also catches a wrong sample rate, which would halve or
			// double the apparent duration.
			secs := seconds(t, once, v)
			if wps := words / secs; wps < 1.5 || wps > 5 {
				t.Errorf("%.2f s for %v words = %.2f words/s, want 1.5..5", secs, words, wps)
			}
			twice, _ := speak(t, sentence+" "+sentence, Params{Voice: v})
			if ratio := float64(len(twice)) / float64(len(once)); ratio < 1.8 || ratio > 2.2 {
				t.Errorf("twice the text gives %.2f× the audio, want about 2×", ratio)
			}
		})
	}
}

func TestDefaultPitchMatchesOutput(t *testing.T) {
	for _, v := range Voices() {
		mean, stddev, err := DefaultPitch(v)
		if err != nil {
			t.Fatalf("DefaultPitch(%s): %v", v, err)
		}
		if stddev <= 0 || stddev >= mean {
			t.Errorf("DefaultPitch(%s) stddev %.1f implausible for mean %.1f", v, stddev, mean)
		}
		pcm, _ := speak(t, sentence, Params{Voice: v})
		rate, _ := SampleRate(v)
		if f0 := medianF0(pcm, rate); math.Abs(f0/mean-1) > 0.15 {
			t.Errorf("%s: output F0 %.1f Hz, DefaultPitch mean %.1f Hz", v, f0, mean)
		}
	}
}

func TestStreaming(t *testing.T) {
	for _, v := range Voices() {
		t.Run(v, func(t *testing.T) {
			var sizes []int
			total := 0
			err := Synthesize(context.Background(), long, Params{Voice: v}, func(c []int16) error {
				sizes = append(sizes, len(c))
				total += len(c)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(sizes) < 10 {
				t.Fatalf("%d emits for %d samples, want a stream", len(sizes), total)
			}
			if slices.Contains(sizes, 0) {
				t.Error("an emit carried no samples")
			}
			if first := float64(sizes[0]) / float64(total); first > 0.05 {
				t.Errorf("first emit carries %.0f%% of the audio", 100*first)
			}
			// Streaming must not change what is said.
			again, _ := speak(t, long, Params{Voice: v})
			if len(again) != total {
				t.Errorf("second run: %d samples, first %d", len(again), total)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	errStop := errors.New("stop")
	// The first sentence of twoSentences is an utterance of its own, so
	// its last chunk, whose answer flite ignores, is emit number firstLast.
	_, firstLast := speak(t, "The first sentence is spoken here.", Params{Voice: "rms"})
	cancelAt := func(n int) func(context.Context, context.CancelFunc, int) error {
		return func(_ context.Context, cancel context.CancelFunc, emit int) error {
			if emit == n {
				cancel()
			}
			return nil
		}
	}
	failAt := func(n int) func(context.Context, context.CancelFunc, int) error {
		return func(_ context.Context, _ context.CancelFunc, emit int) error {
			if emit == n {
				return errStop
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		text    string
		voice   string
		run     func(ctx context.Context, cancel context.CancelFunc, emit int) error
		wantErr error
	}{
		{"cancel in emit", long, "slt", cancelAt(1), context.Canceled},
		{"cancel in emit diphone", long, "kal16", cancelAt(1), context.Canceled},
		{"emit error", long, "awb", failAt(2), errStop},
		{"cancel at end of first sentence", twoSentences, "rms", cancelAt(firstLast), context.Canceled},
		{"emit error at end of first sentence", twoSentences, "rms", failAt(firstLast), errStop},
		{"cancel from another goroutine", long, "slt", func(ctx context.Context, cancel context.CancelFunc, emit int) error {
			if emit == 1 {
				go cancel()
				<-ctx.Done()
			}
			return nil
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emits, stoppedAt := 0, 0
			err := Synthesize(ctx, tt.text, Params{Voice: tt.voice}, func([]int16) error {
				emits++
				err := tt.run(ctx, cancel, emits)
				if stoppedAt == 0 && (err != nil || ctx.Err() != nil) {
					stoppedAt = emits
				}
				return err
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if stoppedAt == 0 {
				t.Fatal("never stopped")
			}
			if extra := emits - stoppedAt; extra > 1 {
				t.Errorf("%d emits after the stop", extra)
			}
		})
	}

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Synthesize(ctx, sentence, Params{Voice: "slt"}, func([]int16) error {
			t.Error("emit called")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestEmitPanicIsReraised(t *testing.T) {
	got := func() (v any) {
		defer func() { v = recover() }()
		_ = Synthesize(context.Background(), sentence, Params{Voice: "slt"}, func([]int16) error {
			panic("boom")
		})
		return nil
	}()
	if got != "boom" {
		t.Fatalf("recovered %v, want boom", got)
	}
	// flite's state must have survived.
	if pcm, _ := speak(t, sentence, Params{Voice: "slt"}); len(pcm) == 0 {
		t.Fatal("no audio after a panic")
	}
}

// TestConcurrentDeterminism checks that concurrent syntheses neither
// disturb each other nor depend on anything but their own inputs.
func TestConcurrentDeterminism(t *testing.T) {
	type job struct {
		text string
		p    Params
	}
	var jobs []job
	for i, v := range Voices() {
		jobs = append(jobs,
			job{sentence, Params{Voice: v}},
			job{twoSentences, Params{Voice: v, Rate: 1.3, PitchMean: 150 + 10*float64(i), PitchStddev: 15, Volume: 0.7}},
		)
	}
	want := make([][]int16, len(jobs))
	for i, j := range jobs {
		want[i], _ = speak(t, j.text, j.p)
	}
	const rounds = 3
	var wg sync.WaitGroup
	errs := make(chan string, rounds*len(jobs))
	for r := range rounds {
		for i, j := range jobs {
			wg.Go(func() {
				var got []int16
				err := Synthesize(context.Background(), j.text, j.p, func(c []int16) error {
					got = append(got, c...)
					return nil
				})
				if err != nil {
					errs <- err.Error()
				} else if !slices.Equal(got, want[i]) {
					errs <- "round " + strconv.Itoa(r) + ": " + j.p.Voice + " " + j.text + ": PCM differs from the serial run"
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestParamsEffect(t *testing.T) {
	const text = "The quick brown fox jumps over the lazy dog, and then it runs away into the forest."
	semitones := func(st float64) float64 { return math.Pow(2, st/12) }
	for _, v := range Voices() {
		t.Run(v, func(t *testing.T) {
			rate, _ := SampleRate(v)
			mean, stddev, _ := DefaultPitch(v)
			base, _ := speak(t, text, Params{Voice: v})
			f0 := medianF0(base, rate)
			for _, st := range []float64{-4, 4} {
				k := semitones(st)
				pcm, _ := speak(t, text, Params{Voice: v, PitchMean: mean * k, PitchStddev: stddev * k})
				got := medianF0(pcm, rate) / f0
				t.Logf("%+.0f semitones: F0 %.1f -> %.1f Hz (×%.3f, want ×%.3f)", st, f0, f0*got, got, k)
				if math.Abs(math.Log2(got)-math.Log2(k))*12 > 1 {
					t.Errorf("%+.0f semitones moved F0 ×%.3f, want ×%.3f within a semitone", st, got, k)
				}
			}
			flat, _ := speak(t, text, Params{Voice: v, PitchStddev: stddev / 4})
			spread, flatSpread := f0Spread(base, rate), f0Spread(flat, rate)
			t.Logf("stddev ÷4: F0 spread %.1f -> %.1f semitones", spread, flatSpread)
			if flatSpread > 0.6*spread {
				t.Errorf("a quarter of the stddev narrowed the F0 spread only from %.1f to %.1f semitones", spread, flatSpread)
			}
			for _, r := range []float64{0.75, 1.5} {
				pcm, _ := speak(t, text, Params{Voice: v, Rate: r})
				got := float64(len(pcm)) / float64(len(base))
				t.Logf("rate %.2f: %.2f s -> %.2f s (×%.3f)", r, seconds(t, base, v), seconds(t, pcm, v), got)
				if math.Abs(got*r-1) > 0.05 {
					t.Errorf("rate %.2f scaled duration ×%.3f, want ×%.3f", r, got, 1/r)
				}
			}
			for _, g := range []float64{0.5, 2} {
				pcm, _ := speak(t, text, Params{Voice: v, Volume: g})
				got := rms(pcm) / rms(base)
				if math.Abs(got/g-1) > 0.05 {
					t.Errorf("volume %.1f scaled RMS ×%.3f", g, got)
				}
			}
		})
	}
}

func TestVolumeClips(t *testing.T) {
	pcm, _ := speak(t, sentence, Params{Voice: "slt", Volume: 100})
	top := 0
	for _, s := range pcm {
		if s == math.MaxInt16 || s == math.MinInt16 {
			top++
		}
	}
	if top == 0 {
		t.Fatal("volume 100 never reached full scale")
	}
}

func TestInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want error
	}{
		{"empty voice", Params{}, ErrUnknownVoice},
		{"unknown voice", Params{Voice: "kal"}, ErrUnknownVoice},
		{"negative rate", Params{Voice: "slt", Rate: -1}, ErrInvalidParams},
		{"huge rate", Params{Voice: "slt", Rate: 11}, ErrInvalidParams},
		{"NaN rate", Params{Voice: "slt", Rate: math.NaN()}, ErrInvalidParams},
		{"low pitch", Params{Voice: "slt", PitchMean: 10}, ErrInvalidParams},
		{"infinite pitch", Params{Voice: "slt", PitchMean: math.Inf(1)}, ErrInvalidParams},
		{"negative stddev", Params{Voice: "slt", PitchStddev: -5}, ErrInvalidParams},
		{"negative volume", Params{Voice: "slt", Volume: -1}, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Synthesize(context.Background(), sentence, tt.p, func([]int16) error {
				t.Error("emit called")
				return nil
			})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAwkwardText(t *testing.T) {
	helloWorld, _ := speak(t, "hello world", Params{Voice: "slt"})
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, pcm []int16)
	}{
		{"empty", "", silent},
		{"whitespace", " \t\n\r  \n", silent},
		{"controls only", "\x00\x01\x1b\x7f", silent},
		{"Chinese", "你好，世界", silent},
		{"NUL does not truncate", "hello\x00world", near(helloWorld)},
		{"other controls", "hello\x07\x1b world", near(helloWorld)},
		{"broken UTF-8", "hello \xff\xfe world", near(helloWorld)},
		{"Chinese between words", "hello 你好 world", near(helloWorld)},
		{"accents fold", "héllo wörld", same("hello world")},
		{"curly quotes fold", "I don’t say “right”…", same(`I don't say "right"...`)},
		{"punctuation only", "!!! ??? ...", func(t *testing.T, pcm []int16) {
			if r := rms(pcm); r > 100 {
				t.Errorf("RMS %.0f, want silence", r)
			}
		}},
		{"SSML is read as text", `<speak>hello <break time="1s"/> world</speak>`, func(t *testing.T, pcm []int16) {
			if len(pcm) < 2*len(helloWorld) {
				t.Errorf("%d samples: tags were not read aloud", len(pcm))
			}
		}},
		{"numbers and symbols", "It costs $12.50 on 3/4/2021 at 10:30pm, 50% off!", func(t *testing.T, pcm []int16) {
			if len(pcm) < 3*len(helloWorld) {
				t.Errorf("%d samples: numbers were not expanded", len(pcm))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pcm []int16
			emits := 0
			err := Synthesize(context.Background(), tt.text, Params{Voice: "slt"}, func(c []int16) error {
				pcm = append(pcm, c...)
				emits++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, pcm)
		})
	}
}

func silent(t *testing.T, pcm []int16) {
	if len(pcm) != 0 {
		t.Errorf("%d samples, want none", len(pcm))
	}
}

func near(want []int16) func(*testing.T, []int16) {
	return func(t *testing.T, pcm []int16) {
		if r := float64(len(pcm)) / float64(len(want)); r < 0.9 || r > 1.1 {
			t.Errorf("%d samples, want about %d", len(pcm), len(want))
		}
	}
}

func same(text string) func(*testing.T, []int16) {
	return func(t *testing.T, pcm []int16) {
		if want, _ := speak(t, text, Params{Voice: "slt"}); !slices.Equal(pcm, want) {
			t.Errorf("differs from %q", text)
		}
	}
}

// tenKB is 10 KB of prose in sentences of twelve words.
func tenKB() string {
	words := strings.Fields("the quick brown fox jumps over the lazy dog while seven happy children sing loudly")
	var b strings.Builder
	for i := 0; b.Len() < 10<<10; i++ {
		w := words[i%len(words)]
		if i%12 == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if i%12 == 11 {
			b.WriteString(". ")
		} else {
			b.WriteString(" ")
		}
	}
	return b.String()
}

func TestTenKB(t *testing.T) {
	text := tenKB()
	// The diphone voice speaks it all in well under a second.
	pcm, _ := speak(t, text, Params{Voice: "kal16"})
	words := float64(len(strings.Fields(text)))
	if wps := words / seconds(t, pcm, "kal16"); wps < 1.5 || wps > 5 {
		t.Errorf("kal16: %.2f words/s", wps)
	}
	// The clustergen voices take seconds of CPU for all of it: check that
	// audio starts after the first sentence rather than after the text.
	for _, v := range []string{"slt", "rms", "awb"} {
		ctx, cancel := context.WithCancel(context.Background())
		got := 0
		err := Synthesize(ctx, text, Params{Voice: v}, func(c []int16) error {
			got += len(c)
			cancel()
			return nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) || got == 0 {
			t.Errorf("%s: err %v after %d samples, want a first chunk then context.Canceled", v, err, got)
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \t\n", ""},
		{"\x00", ""},
		{"!", "!"},
		{"a\x00b", "a b"},
		{"a\tb\nc\rd", "a\tb\nc\rd"},
		{"x\x7fy", "x y"},
		{"café crème", "cafe creme"},
		{"Straße", "Strasse"},
		{"“quoted” ‘single’", `"quoted" 'single'`},
		{"a—b – c…", "a-b - c..."},
		{"日本 ok", "   ok"},
		{"\xff ok", "  ok"},
		{"nbsp\u00a0here", "nbsp here"},
		{"你好", ""},
		{strings.Repeat("a", 100), strings.Repeat("a", 40) + " " + strings.Repeat("a", 40) + " " + strings.Repeat("a", 20)},
		{strings.Repeat("é", 41) + "\n" + strings.Repeat("x", 40), strings.Repeat("e", 40) + " e\n" + strings.Repeat("x", 40)},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var leakIterations = flag.Int("leak-iterations", 300, "syntheses in TestNoLeak")

// TestNoLeak synthesises repeatedly and checks that resident memory levels
// off: every utterance and streaming record flite allocates must be freed.
// A leaked utterance would cost 100 KB or more per iteration.
func TestNoLeak(t *testing.T) {
	n := *leakIterations
	voices := Voices()
	run := func(i int) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Every fourth run is cancelled to cover the stopped path too.
		_ = Synthesize(ctx, "Hello there, how are you?", Params{Voice: voices[i%len(voices)], Rate: 1.2}, func([]int16) error {
			if i%4 == 3 {
				cancel()
			}
			return nil
		})
	}
	for i := range 40 {
		run(i)
	}
	// glibc's heap settles over the first hundred or so runs; a leak keeps
	// growing, so compare the second half with the first.
	start := residentBytes(t)
	for i := range n / 2 {
		run(i)
	}
	mid := residentBytes(t)
	for i := range n - n/2 {
		run(i)
	}
	end := residentBytes(t)
	t.Logf("RSS %.1f MB, after %d more syntheses %.1f MB, after %d more %.1f MB",
		float64(start)/1e6, n/2, float64(mid)/1e6, n-n/2, float64(end)/1e6)
	if growth := end - mid; growth > 2<<20 {
		t.Errorf("RSS grew %d KB over the last %d syntheses", growth>>10, n-n/2)
	}
}

func residentBytes(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
