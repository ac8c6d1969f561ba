package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/protocol"
)

// espeakWorkerEnv makes the test binary an espeak-ng worker process, as
// `parley __espeak-worker` is.
const espeakWorkerEnv = "PARLEY_ENGINE_TEST_ESPEAK_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(espeakWorkerEnv) == "1" {
		if err := espeak.ServeWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func openEngines(t testing.TB) *Engines {
	t.Helper()
	e, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

type capture struct {
	pcm    []int16
	chunks []int
}

func (c *capture) emit(pcm []int16) error {
	c.pcm = append(c.pcm, pcm...)
	c.chunks = append(c.chunks, len(pcm))
	return nil
}

func speak(t testing.TB, e *Engines, text string, lang protocol.Language, v Voice) *capture {
	t.Helper()
	var c capture
	if err := e.Synthesize(context.Background(), Segment{Text: text, Language: lang}, v, c.emit); err != nil {
		t.Fatalf("Synthesize(%q, %+v): %v", text, v, err)
	}
	return &c
}

var englishVoices = []Voice{
	{Engine: Flite, Name: "slt"}, {Engine: Flite, Name: "rms"}, {Engine: Flite, Name: "awb"}, {Engine: Flite, Name: "kal16"},
	{Engine: Espeak, Name: "en-us"}, {Engine: Espeak, Name: "en-us", Variant: "f2"},
}

func TestEnglishVoicesSpeak(t *testing.T) {
	e := openEngines(t)
	short := "The weather is lovely today."
	long := short + " We walked along the river, stopped for coffee, and watched the boats go by for an hour."
	for _, v := range englishVoices {
		t.Run(v.Engine+"/"+v.Name+v.Variant, func(t *testing.T) {
			a := speak(t, e, short, protocol.English, v)
			b := speak(t, e, long, protocol.English, v)
			da := audio.Duration(len(a.pcm), protocol.SampleRate).Seconds()
			db := audio.Duration(len(b.pcm), protocol.SampleRate).Seconds()
			if da < 0.8 || da > 4 {
				t.Errorf("%q lasts %.2f s, want 0.8..4 s", short, da)
			}
			// The long text has 4.2x the words; speech must scale with it.
			if r := db / da; r < 2.5 || r > 6 {
				t.Errorf("duration ratio long/short = %.2f, want about 4", r)
			}
			if lvl := audio.RMSdBFS(a.pcm); lvl < -35 {
				t.Errorf("level %.1f dBFS: nearly silent", lvl)
			}
			checkChunks(t, a, Config{}.withDefaults())
		})
	}
}

// checkChunks checks the chunking contract: every chunk at most ChunkMax,
// every chunk but the first and last at least ChunkMin.
func checkChunks(t *testing.T, c *capture, cfg Config) {
	t.Helper()
	lo, hi := samples(cfg.ChunkMin), samples(cfg.ChunkMax)
	for i, n := range c.chunks {
		if n > hi || n == 0 {
			t.Fatalf("chunk %d has %d samples, max %d", i, n, hi)
		}
		if i > 0 && i < len(c.chunks)-1 && n < lo {
			t.Fatalf("chunk %d of %d has %d samples, min %d", i, len(c.chunks), n, lo)
		}
	}
}

func TestEveryLanguageSpeaks(t *testing.T) {
	e := openEngines(t)
	sentences := map[protocol.Language]string{
		protocol.English:    "Good morning, how are you today?",
		protocol.Spanish:    "Buenos días, ¿cómo estás hoy?",
		protocol.Portuguese: "Bom dia, como você está hoje?",
		protocol.German:     "Guten Morgen, wie geht es dir heute?",
		protocol.French:     "Bonjour, comment allez-vous aujourd'hui ?",
		protocol.Italian:    "Buongiorno, come stai oggi?",
		protocol.Chinese:    "早上好，你今天好吗？",
		protocol.Japanese:   "おはようございます、おげんきですか。",
		protocol.Korean:     "안녕하세요, 오늘 어떻게 지내세요?",
		protocol.Russian:    "Доброе утро, как у вас дела сегодня?",
	}
	for _, lang := range protocol.Languages {
		t.Run(string(lang), func(t *testing.T) {
			c := speak(t, e, sentences[lang], lang, Voice{Engine: Espeak})
			d := audio.Duration(len(c.pcm), protocol.SampleRate).Seconds()
			if d < 0.7 || d > 8 {
				t.Errorf("%s sentence lasts %.2f s", lang, d)
			}
			if lvl := audio.RMSdBFS(c.pcm); lvl < -35 {
				t.Errorf("%s level %.1f dBFS: nearly silent", lang, lvl)
			}
			if p := audio.AnalyzePitch(c.pcm, protocol.SampleRate); p.VoicedFraction < 0.2 {
				t.Errorf("%s voiced fraction %.2f: not speech", lang, p.VoicedFraction)
			}
		})
	}
}

func TestFliteRejectsOtherLanguages(t *testing.T) {
	e := openEngines(t)
	err := e.Synthesize(context.Background(), Segment{Text: "Hola", Language: protocol.Spanish}, Voice{Engine: Flite, Name: "slt"}, func([]int16) error { return nil })
	if !errors.Is(err, ErrLanguage) {
		t.Fatalf("flite with Spanish: %v, want ErrLanguage", err)
	}
	if err := e.Synthesize(context.Background(), Segment{Text: "Hi", Language: protocol.English}, Voice{Engine: "piper"}, func([]int16) error { return nil }); !errors.Is(err, ErrUnknownEngine) {
		t.Fatalf("unknown engine: %v", err)
	}
}

// TestJoinsDoNotClick speaks two segments back to back, as a session does,
// and bounds the largest sample step at the join by the largest step inside
// the speech itself.
func TestJoinsDoNotClick(t *testing.T) {
	e := openEngines(t)
	for _, v := range []Voice{{Engine: Flite, Name: "slt"}, {Engine: Espeak, Name: "en-us"}} {
		a := speak(t, e, "First part,", protocol.English, v)
		b := speak(t, e, "and the second part.", protocol.English, v)
		inside := max(audio.MaxStep(a.pcm), audio.MaxStep(b.pcm))
		w := 48 // 2 ms either side of the join
		join := append(append([]int16{}, a.pcm[len(a.pcm)-w:]...), b.pcm[:w]...)
		if step := audio.MaxStep(join); step > inside/2 {
			t.Errorf("%s: step %d at the join, speech itself steps at most %d", v.Engine, step, inside)
		}
		if a.pcm[len(a.pcm)-1] != 0 || b.pcm[0] != 0 {
			t.Errorf("%s: segment edges %d, %d; the fades must reach zero", v.Engine, a.pcm[len(a.pcm)-1], b.pcm[0])
		}
	}
}

func TestCancellationStopsWithinAChunk(t *testing.T) {
	e := openEngines(t)
	long := "This sentence is long enough that the engine produces many chunks of audio before it ends, and then some more words follow it."
	for _, v := range []Voice{{Engine: Flite, Name: "slt"}, {Engine: Espeak, Name: "en-us"}} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := e.Synthesize(ctx, Segment{Text: long, Language: protocol.English}, v, func(pcm []int16) error {
			n++
			if n == 1 {
				cancel()
			}
			return nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err %v, want context.Canceled", v.Engine, err)
		}
		// One engine buffer becomes at most two chunks after the cancel.
		if n > 3 {
			t.Errorf("%s: %d chunks after cancelling in the first", v.Engine, n-1)
		}
	}
}

func TestProsodyIsAudible(t *testing.T) {
	e := openEngines(t)
	text := "Every morning the baker opens the shop and sells fresh bread to the neighbours."
	for _, base := range []Voice{{Engine: Flite, Name: "slt"}, {Engine: Espeak, Name: "en-us"}} {
		t.Run(base.Engine, func(t *testing.T) {
			ref := speak(t, e, text, protocol.English, base)
			high, fast := base, base
			high.Pitch = 4
			fast.Rate = 1.5
			refP := audio.AnalyzePitch(ref.pcm, protocol.SampleRate).MedianHz
			highP := audio.AnalyzePitch(speak(t, e, text, protocol.English, high).pcm, protocol.SampleRate).MedianHz
			// +4 semitones is x1.26; accept 1.12 to 1.45.
			if r := highP / refP; r < 1.12 || r > 1.45 {
				t.Errorf("pitch +4 st: median F0 %.0f -> %.0f Hz (x%.2f), want about x1.26", refP, highP, r)
			}
			fastN := len(speak(t, e, text, protocol.English, fast).pcm)
			if r := float64(len(ref.pcm)) / float64(fastN); r < 1.25 || r > 1.8 {
				t.Errorf("rate 1.5: duration ratio %.2f, want about 1.5", r)
			}
			if math.IsNaN(refP) || refP < 60 || refP > 400 {
				t.Errorf("reference F0 %.0f Hz is not a voice", refP)
			}
		})
	}
}

func TestStats(t *testing.T) {
	e := openEngines(t)
	st := e.Stats()
	if len(st) != 2 || !e.Has(Espeak) || !e.Has(Flite) {
		t.Fatalf("Stats = %+v", st)
	}
	for _, s := range st {
		if s.Busy != 0 || s.Queued != 0 {
			t.Fatalf("idle engines report load: %+v", st)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"espeak worker processes", Config{EspeakProcesses: 3}, true},
		{"negative espeak worker processes", Config{EspeakProcesses: -1}, false},
		{"every engine disabled", Config{DisableEspeak: true, DisableFlite: true}, false},
		{"chunk bounds reversed", Config{ChunkMin: 90 * time.Millisecond, ChunkMax: 50 * time.Millisecond}, false},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}

// TestEspeakWorkerProcesses runs two espeak-ng requests at once, on the
// in-process worker and on a worker process: both are under way together,
// Stats counts both, and both come out as protocol audio like a request
// served alone.
func TestEspeakWorkerProcesses(t *testing.T) {
	t.Setenv(espeakWorkerEnv, "1")
	e, err := Open(Config{DisableFlite: true, EspeakProcesses: 1, EspeakWorkerCommand: []string{os.Args[0]}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const text = "The weather is lovely today, and we walked along the river."
	v := Voice{Engine: Espeak, Name: "en-us"}
	ref := speak(t, e, text, protocol.English, v)

	const n = 2
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	results := make(chan *capture, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			var c capture
			first := true
			err := e.Synthesize(context.Background(), Segment{Text: text, Language: protocol.English}, v, func(pcm []int16) error {
				if first {
					first = false
					started.Done()
					<-release
				}
				return c.emit(pcm)
			})
			errs <- err
			results <- &c
		}()
	}
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()
	select {
	case <-allStarted:
	case err := <-errs:
		t.Fatalf("a request ended before both had started: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the two requests did not run at once")
	}
	st := e.Stats()
	close(release)
	if len(st) != 1 || st[0].Busy != n || st[0].Queued != 0 {
		t.Errorf("Stats with both slots busy = %+v, want %d busy", st, n)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		c := <-results
		if r := float64(len(c.pcm)) / float64(len(ref.pcm)); math.Abs(r-1) > 0.03 {
			t.Errorf("%d samples, %d alone (ratio %.3f)", len(c.pcm), len(ref.pcm), r)
		}
		if lvl := audio.RMSdBFS(c.pcm); lvl < -35 {
			t.Errorf("level %.1f dBFS: nearly silent", lvl)
		}
		checkChunks(t, c, Config{}.withDefaults())
	}
	if st := e.Stats(); st[0].Busy != 0 {
		t.Errorf("Stats once idle = %+v", st)
	}
}

func BenchmarkGeneration(b *testing.B) {
	e := openEngines(b)
	text := "The quick brown fox jumps over the lazy dog, and then it runs away into the forest."
	for _, v := range []Voice{{Engine: Flite, Name: "slt"}, {Engine: Flite, Name: "kal16"}, {Engine: Espeak, Name: "en-us"}} {
		b.Run(v.Engine+"/"+v.Name, func(b *testing.B) {
			var samplesOut int
			var first float64
			for i := 0; i < b.N; i++ {
				start := time.Now()
				got := false
				err := e.Synthesize(context.Background(), Segment{Text: text, Language: protocol.English}, v, func(pcm []int16) error {
					if !got {
						got = true
						first += float64(time.Since(start).Microseconds()) / 1000
					}
					samplesOut += len(pcm)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(first/float64(b.N), "ms/first-chunk")
			b.ReportMetric(float64(samplesOut)/protocol.SampleRate/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
