//go:build cgo

package espeak

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
	"go.uber.org/goleak"
)

// open returns an Engine that is closed when the test ends.
func open(t testing.TB) *Engine {
	t.Helper()
	e, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

const sentence = "The quick brown fox jumps over the lazy dog."

// longText is about twelve seconds of speech.
const longText = "It was a bright cold day in April, and the clocks were striking thirteen. " +
	"Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, " +
	"slipped quickly through the glass doors of Victory Mansions."

var native = map[protocol.Language]string{
	protocol.English:    "The weather is lovely today, isn't it?",
	protocol.Spanish:    "Hoy hace un tiempo estupendo, ¿verdad?",
	protocol.Portuguese: "O tempo está ótimo hoje, não é?",
	protocol.German:     "Das Wetter ist heute wunderbar, nicht wahr?",
	protocol.French:     "Il fait très beau aujourd'hui, n'est-ce pas ?",
	protocol.Italian:    "Oggi il tempo è bellissimo, vero?",
	protocol.Chinese:    "今天天气很好，对吧？",
	// espeak-ng 1.51 reads kana only; kanji are announced as "Chinese letter".
	protocol.Japanese: "きょうは とても いい てんき ですね。",
	protocol.Korean:   "오늘은 날씨가 정말 좋네요.",
	protocol.Russian:  "Сегодня прекрасная погода, не правда ли?",
}

func TestLanguages(t *testing.T) {
	e := open(t)
	for _, lang := range protocol.Languages {
		t.Run(string(lang), func(t *testing.T) {
			voice := VoiceFor(string(lang))
			if voice == "" {
				t.Fatalf("VoiceFor(%q) is empty", lang)
			}
			text, ok := native[lang]
			if !ok {
				t.Fatalf("no test sentence for %s", lang)
			}
			pcm := speak(t, e, text, Params{Voice: voice})
			secs := speechSeconds(pcm, e.SampleRate())
			if level := rms(pcm); level < 500 {
				t.Errorf("%s (%s): RMS %.0f, want speech (> 500)", lang, voice, level)
			}
			if secs < 0.5 || secs > 10 {
				t.Errorf("%s (%s): %.2f s of speech, want 0.5..10", lang, voice, secs)
			}
		})
	}
}

func TestVoiceFor(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"English", "en-us"},
		{"english", "en-us"},
		{"CHINESE", "cmn-latn-pinyin"},
		{"Portuguese", "pt-br"},
		{"Auto", ""},
		{"Klingon", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := VoiceFor(tt.lang); got != tt.want {
			t.Errorf("VoiceFor(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestVoices(t *testing.T) {
	voices, err := Voices()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]VoiceInfo{}
	for _, v := range voices {
		if _, dup := byName[v.Name]; dup {
			t.Errorf("voice %q listed twice", v.Name)
		}
		if v.Identifier == "" || v.Description == "" || len(v.Languages) == 0 {
			t.Errorf("incomplete voice %+v", v)
		}
		byName[v.Name] = v
	}
	for _, lang := range protocol.Languages {
		if _, ok := byName[VoiceFor(string(lang))]; !ok {
			t.Errorf("%s: voice %q is not installed", lang, VoiceFor(string(lang)))
		}
	}
	if v := byName["en-us"]; v.Identifier != "gmw/en-US" || len(v.Languages) == 0 || v.Languages[0] != "en-us" {
		t.Errorf("en-us = %+v, want identifier gmw/en-US speaking en-us first", v)
	}
	// Voices hands out copies.
	voices[0].Languages[0] = "changed"
	again, err := Voices()
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Languages[0] == "changed" {
		t.Error("Voices shares its slices with the caller")
	}
}

func TestVariants(t *testing.T) {
	variants := Variants()
	for _, want := range []string{"m3", "f2", "klatt", "whisper"} {
		if !slices.Contains(variants, want) {
			t.Errorf("Variants() lacks %q", want)
		}
	}
	if !slices.IsSorted(variants) {
		t.Error("Variants() is not sorted")
	}
	e := open(t)
	const text = "Hello, how are you?"
	// "fast" only changes how espeak-ng speeds up beyond 350 wpm.
	rates := map[string]int{"fast": 400}
	for _, v := range variants {
		plain := speak(t, e, text, Params{Voice: "en", Rate: rates[v]})
		pcm := speak(t, e, text, Params{Voice: "en", Variant: v, Rate: rates[v]})
		if rms(pcm) < 100 {
			t.Errorf("variant %q: RMS %.0f, want sound", v, rms(pcm))
		}
		if prosodyDiffers(plain, pcm, e.SampleRate()) == "" {
			t.Errorf("variant %q sounds like the plain voice", v)
		}
	}
}

func TestStreaming(t *testing.T) {
	e := open(t)
	var (
		chunks     int
		total      int
		firstTotal int
		biggest    int
	)
	err := e.Synthesize(context.Background(), longText, Params{Voice: "en-us"}, func(pcm []int16) error {
		if chunks == 0 {
			firstTotal = len(pcm)
		}
		chunks++
		total += len(pcm)
		biggest = max(biggest, len(pcm))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	secs := float64(total) / float64(e.SampleRate())
	t.Logf("%.1f s of audio in %d chunks, largest %d samples", secs, chunks, biggest)
	if secs < 5 {
		t.Fatalf("%.1f s of audio, want a long utterance", secs)
	}
	// The first chunk is a sliver of the whole: audio is handed over as
	// it is made, not when the text is done.
	if firstTotal*20 > total {
		t.Errorf("first chunk holds %d of %d samples", firstTotal, total)
	}
	if maxChunk := e.SampleRate() / 10; biggest > maxChunk {
		t.Errorf("largest chunk %d samples, want ≤ %d (100 ms)", biggest, maxChunk)
	}
	if chunks < 50 {
		t.Errorf("%d chunks, want many", chunks)
	}
}

// TestChunksAreCopies checks that a chunk kept by the caller is not
// overwritten by later ones (espeak-ng reuses its buffer).
func TestChunksAreCopies(t *testing.T) {
	e := open(t)
	var kept [][]int16
	var snapshots [][]int16
	err := e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func(pcm []int16) error {
		kept = append(kept, pcm)
		snapshots = append(snapshots, slices.Clone(pcm))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range kept {
		if !slices.Equal(kept[i], snapshots[i]) {
			t.Fatalf("chunk %d changed after it was emitted", i)
		}
	}
}

func TestCancelMidSynthesis(t *testing.T) {
	e := open(t)
	want := speak(t, e, sentence, Params{Voice: "en-us"})
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		stop    func(cancel context.CancelFunc) error // called from the first emit
		wantErr error
	}{
		{"context cancelled", func(cancel context.CancelFunc) error { cancel(); return nil }, context.Canceled},
		{"emit error", func(context.CancelFunc) error { return errStop }, errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emits, after := 0, 0
			err := e.Synthesize(ctx, longText, Params{Voice: "en-us"}, func([]int16) error {
				emits++
				switch {
				case emits == 1:
					return tt.stop(cancel)
				case emits > 1:
					after++
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Synthesize = %v, want %v", err, tt.wantErr)
			}
			if after > 1 {
				t.Errorf("%d emits after the stop, want at most 1", after)
			}
			// The aborted utterance leaves nothing behind.
			if d := differs(want, speak(t, e, sentence, Params{Voice: "en-us"}), e.SampleRate()); d != "" {
				t.Errorf("after the abort the same request sounds different: %s", d)
			}
		})
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	e := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := e.Synthesize(ctx, sentence, Params{Voice: "en-us"}, func([]int16) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Synthesize = %v, emit called %v; want context.Canceled and no emit", err, called)
	}
}

// hold occupies the worker: it starts a request whose first emit blocks
// until release is called (or the test ends), and returns once that emit
// is running.
func hold(t *testing.T, e *Engine) (release func() error) {
	t.Helper()
	started := make(chan struct{})
	unblock := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error {
			if first {
				first = false
				close(started)
				<-unblock
			}
			return nil
		})
	}()
	<-started
	release = sync.OnceValue(func() error {
		close(unblock)
		return <-done
	})
	t.Cleanup(func() { release() })
	return release
}

// waitQueue waits until the worker's queue holds n requests.
func waitQueue(t *testing.T, e *Engine, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.QueueLen() != n {
		if time.Now().After(deadline) {
			t.Fatalf("QueueLen() = %d, want %d", e.QueueLen(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCancelWhileQueued(t *testing.T) {
	e := open(t)
	want := speak(t, e, sentence, Params{Voice: "en-us"})
	release := hold(t, e)

	ctx, cancel := context.WithCancel(context.Background())
	queuedDone := make(chan error, 1)
	var called atomic.Bool
	go func() {
		queuedDone <- e.Synthesize(ctx, sentence, Params{Voice: "en-us"}, func([]int16) error { called.Store(true); return nil })
	}()
	waitQueue(t, e, 1)
	cancel()
	// It returns while the worker is still busy with the first request.
	if err := <-queuedDone; !errors.Is(err, context.Canceled) {
		t.Errorf("queued request = %v, want context.Canceled", err)
	}
	if n := e.QueueLen(); n != 0 {
		t.Errorf("QueueLen() = %d after the cancel, want 0", n)
	}
	if err := release(); err != nil {
		t.Fatalf("held request: %v", err)
	}
	// The worker meets the abandoned request before this one.
	if d := differs(want, speak(t, e, sentence, Params{Voice: "en-us"}), e.SampleRate()); d != "" {
		t.Errorf("the next request sounds different: %s", d)
	}
	if called.Load() {
		t.Error("a request cancelled in the queue was synthesised")
	}
	if n := e.QueueLen(); n != 0 {
		t.Errorf("QueueLen() = %d once the worker is idle, want 0", n)
	}
}

// TestConcurrentCallers checks that requests from many goroutines are
// served whole and unmixed. Each voice reads its own language: espeak-ng
// 1.51 keeps some text-analysis state between utterances, so text that
// makes it switch language mid-utterance varies by a few percent in length
// from call to call, whoever calls.
func TestConcurrentCallers(t *testing.T) {
	e := open(t)
	texts := []string{sentence, native[protocol.German], native[protocol.French]}
	params := []Params{{Voice: "en-us"}, {Voice: "de", Pitch: 70}, {Voice: "fr", Variant: "f2", Rate: 250}}
	want := make([][]int16, len(texts))
	for i := range texts {
		want[i] = speak(t, e, texts[i], params[i])
	}
	const callers = 8
	var wg sync.WaitGroup
	errs := make(chan error, callers*len(texts))
	for c := range callers {
		wg.Go(func() {
			for k := range texts {
				i := (c + k) % len(texts)
				var got []int16
				err := e.Synthesize(context.Background(), texts[i], params[i], func(pcm []int16) error {
					got = append(got, pcm...)
					return nil
				})
				if err != nil {
					errs <- err
				} else if d := differs(want[i], got, e.SampleRate()); d != "" {
					errs <- fmt.Errorf("caller %d, text %d: differs from a serial call: %s", c, i, d)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPitch(t *testing.T) {
	e := open(t)
	for _, variant := range []string{"", "f2"} {
		f0 := func(pitch int) float64 {
			_, median, _ := medianF0(speak(t, e, calibrationText, Params{Voice: "en-us", Variant: variant, Pitch: pitch}), e.SampleRate())
			return median
		}
		low, base, high := f0(20), f0(0), f0(80)
		if !(semitones(low, base) > 2 && semitones(base, high) > 2) {
			t.Errorf("variant %q: F0 %.0f / %.0f / %.0f Hz at pitch 20 / 50 / 80, want clearly rising", variant, low, base, high)
		}
	}
}

func TestPitchForSemitones(t *testing.T) {
	e := open(t)
	for _, variant := range []string{"", "f2"} {
		_, base, _ := medianF0(speak(t, e, calibrationText, Params{Voice: "en-us", Variant: variant}), e.SampleRate())
		for _, st := range []float64{-6, -3, 3, 8} {
			p := Params{Voice: "en-us", Variant: variant, Pitch: PitchForSemitones(st)}
			_, f0, _ := medianF0(speak(t, e, calibrationText, p), e.SampleRate())
			if got := semitones(base, f0); math.Abs(got-st) > 1 {
				t.Errorf("variant %q: PitchForSemitones(%v) = %d shifts F0 by %.2f semitones", variant, st, p.Pitch, got)
			}
		}
	}
}

func TestRangeForScale(t *testing.T) {
	e := open(t)
	spread := func(p Params) float64 {
		lo, _, hi := medianF0(speak(t, e, calibrationText, p), e.SampleRate())
		return semitones(lo, hi)
	}
	base := spread(Params{Voice: "en-us"})
	for _, scale := range []float64{0, 0.5, 1.5} {
		p := Params{Voice: "en-us", Range: RangeForScale(scale)}
		// The estimator itself scatters by about 0.3 semitones.
		if got := spread(p) / base; math.Abs(got-scale) > 0.2 {
			t.Errorf("RangeForScale(%v) = %d scales the F0 spread by %.2f", scale, p.Range, got)
		}
	}
}

func TestRate(t *testing.T) {
	e := open(t)
	base := speechSeconds(speak(t, e, calibrationText, Params{Voice: "en-us"}), e.SampleRate())
	for _, scale := range []float64{0.6, 1.5, 2.5, 4} {
		p := Params{Voice: "en-us", Rate: RateForScale(scale)}
		secs := speechSeconds(speak(t, e, calibrationText, p), e.SampleRate())
		if got := base / secs; math.Abs(got/scale-1) > 0.08 {
			t.Errorf("RateForScale(%v) = %d speeds speech up %.2f times", scale, p.Rate, got)
		}
	}
}

func TestVolume(t *testing.T) {
	e := open(t)
	base := rms(speak(t, e, calibrationText, Params{Voice: "en-us"}))
	for _, scale := range []float64{0.25, 0.5, 1.4} {
		p := Params{Voice: "en-us", Volume: VolumeForScale(scale)}
		if got := rms(speak(t, e, calibrationText, p)) / base; math.Abs(got/scale-1) > 0.1 {
			t.Errorf("VolumeForScale(%v) = %d scales RMS by %.3f", scale, p.Volume, got)
		}
	}
	if silent := rms(speak(t, e, calibrationText, Params{Voice: "en-us", Volume: Zero})); silent > 1 {
		t.Errorf("Volume: Zero gives RMS %.1f, want silence", silent)
	}
}

// TestSettingsDoNotLeak checks that each request starts from its own
// Params, whatever the one before it asked for.
func TestSettingsDoNotLeak(t *testing.T) {
	e := open(t)
	plain := Params{Voice: "en-us"}
	want := speak(t, e, sentence, plain)
	explicit := speak(t, e, sentence, Params{Voice: "EN-US", Rate: DefaultRate, Pitch: DefaultPitch, Range: DefaultRange, Volume: DefaultVolume})
	if d := prosodyDiffers(want, explicit, e.SampleRate()); d != "" {
		t.Errorf("explicit defaults sound different from zero Params: %s", d)
	}
	others := []struct {
		text string
		p    Params
	}{
		{native[protocol.German], Params{Voice: "de", Variant: "f2", Rate: 400, Pitch: 95, Range: Zero, Volume: 180}},
		{native[protocol.Russian], Params{Voice: "ru", Variant: "klatt", Rate: 90, Pitch: Zero, Range: 100, Volume: 20}},
		{"Faster \x01" + "90P than ever.", Params{Voice: "en-us", Rate: 700}},
	}
	for _, o := range others {
		speak(t, e, o.text, o.p)
		if d := prosodyDiffers(want, speak(t, e, sentence, plain), e.SampleRate()); d != "" {
			t.Errorf("after a request with %+v the plain voice sounds different: %s", o.p, d)
		}
	}
}

func TestBadParams(t *testing.T) {
	e := open(t)
	tests := []struct {
		p    Params
		want error
	}{
		{Params{}, ErrUnknownVoice},
		{Params{Voice: "klingon"}, ErrUnknownVoice},
		{Params{Voice: "zh"}, ErrUnknownVoice}, // a language, not a voice
		{Params{Voice: "en-us+f2"}, ErrUnknownVoice},
		{Params{Voice: "../../../etc/passwd"}, ErrUnknownVoice},
		{Params{Voice: "en-us", Variant: "nosuch"}, ErrUnknownVariant},
		{Params{Voice: "en-us", Variant: "../f2"}, ErrUnknownVariant},
		{Params{Voice: "en-us", Rate: MinRate - 1}, ErrInvalidParams},
		{Params{Voice: "en-us", Rate: MaxRate + 1}, ErrInvalidParams},
		{Params{Voice: "en-us", Rate: Zero}, ErrInvalidParams},
		{Params{Voice: "en-us", Pitch: MaxPitch + 1}, ErrInvalidParams},
		{Params{Voice: "en-us", Pitch: -2}, ErrInvalidParams},
		{Params{Voice: "en-us", Range: MaxRange + 1}, ErrInvalidParams},
		{Params{Voice: "en-us", Volume: MaxVolume + 1}, ErrInvalidParams},
		{Params{Voice: "en-us", Volume: -100}, ErrInvalidParams},
	}
	for _, tt := range tests {
		called := false
		err := e.Synthesize(context.Background(), sentence, tt.p, func([]int16) error { called = true; return nil })
		if !errors.Is(err, tt.want) || called {
			t.Errorf("Synthesize(%+v) = %v (emit called %v), want %v", tt.p, err, called, tt.want)
		}
	}
	if err := e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, nil); err == nil {
		t.Error("nil emit accepted")
	}
}

func TestAwkwardText(t *testing.T) {
	e := open(t)
	long := strings.Repeat("This sentence is repeated to make a long text. ", 10<<10/48)
	tests := []struct {
		name       string
		text       string
		minSeconds float64
	}{
		{"empty", "", 0},
		{"spaces", " \t\n ", 0},
		{"10 KB", long, 60},
		{"one 10 KB word", strings.Repeat("a", 10<<10), 0.5},
		{"control characters", "Hello\x00 world\x01 90P \x07\x1b[31m again\x7f\u0085.", 0.5},
		{"SSML", `<speak><voice name="de">Hallo</voice><audio src="x.wav"/></speak>`, 0.5},
		{"phoneme brackets", "[[h@l'oU]] world", 0.5},
		{"invalid UTF-8", "caf\xe9 \xff\xfe ok", 0.3},
		{"emoji and symbols", "🙂 → ∑ ½ © ™", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			err := e.Synthesize(context.Background(), tt.text, Params{Voice: "en-us"}, func(pcm []int16) error {
				total += len(pcm)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if secs := float64(total) / float64(e.SampleRate()); secs < tt.minSeconds {
				t.Errorf("%.2f s of audio, want at least %.1f", secs, tt.minSeconds)
			}
		})
	}
	if got := speak(t, e, "", Params{Voice: "en-us"}); len(got) != 0 {
		t.Errorf("empty text gave %d samples", len(got))
	}
	// Read as SSML this would hold ten seconds of silence.
	pause := speak(t, e, `Hello <break time="10s"/> world`, Params{Voice: "en-us"})
	if secs := float64(len(pause)) / float64(e.SampleRate()); secs > 6 {
		t.Errorf("markup took %.1f s: it was read as SSML", secs)
	}
}

func TestOpenClose(t *testing.T) {
	a := open(t)
	b := open(t)
	if a.SampleRate() != 22050 || b.SampleRate() != 22050 {
		t.Errorf("SampleRate() = %d, %d; want 22050", a.SampleRate(), b.SampleRate())
	}
	want := speak(t, a, sentence, Params{Voice: "en-us"})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := a.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Synthesize after Close = %v, want ErrClosed", err)
	}
	// The worker lives on for b.
	if d := differs(want, speak(t, b, sentence, Params{Voice: "en-us"}), b.SampleRate()); d != "" {
		t.Errorf("the remaining engine sounds different: %s", d)
	}
	b.Close()
	goleak.VerifyNone(t) // the last Close stopped the worker

	c := open(t)
	if d := differs(want, speak(t, c, sentence, Params{Voice: "en-us"}), c.SampleRate()); d != "" {
		t.Errorf("a reopened engine sounds different: %s", d)
	}
}

func TestCloseAbortsWork(t *testing.T) {
	e, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	running := make(chan error, 1)
	go func() {
		first := true
		running <- e.Synthesize(context.Background(), longText, Params{Voice: "en-us"}, func([]int16) error {
			if first {
				first = false
				close(started)
				time.Sleep(20 * time.Millisecond) // let the queued request and Close arrive
			}
			return nil
		})
	}()
	<-started
	queued := make(chan error, 1)
	go func() {
		queued <- e.Synthesize(context.Background(), longText, Params{Voice: "en-us"}, func([]int16) error { return nil })
	}()
	waitQueue(t, e, 1)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-running; !errors.Is(err, ErrClosed) {
		t.Errorf("request in progress = %v, want ErrClosed", err)
	}
	if err := <-queued; !errors.Is(err, ErrClosed) {
		t.Errorf("queued request = %v, want ErrClosed", err)
	}
}

func TestEmitPanicReachesCaller(t *testing.T) {
	e := open(t)
	want := speak(t, e, sentence, Params{Voice: "en-us"})
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the emit panic", r)
			}
		}()
		e.Synthesize(context.Background(), sentence, Params{Voice: "en-us"}, func([]int16) error { panic("boom") })
		t.Error("Synthesize returned normally")
	}()
	if d := differs(want, speak(t, e, sentence, Params{Voice: "en-us"}), e.SampleRate()); d != "" {
		t.Errorf("after the panic the engine sounds different: %s", d)
	}
}

// TestInitFailure runs itself in a child process whose espeak-ng data
// directory is empty: espeak-ng must report the failure rather than exit,
// and the failure must stick.
func TestInitFailure(t *testing.T) {
	if os.Getenv("PARLEY_ESPEAK_BROKEN") == "" {
		data := t.TempDir()
		if err := os.Mkdir(filepath.Join(data, "espeak-ng-data"), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestInitFailure$", "-test.v")
		cmd.Env = append(os.Environ(), "PARLEY_ESPEAK_BROKEN=1", "ESPEAK_DATA_PATH="+data)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	for range 2 {
		e, err := Open()
		if err == nil {
			e.Close()
			t.Fatal("Open succeeded without data")
		}
		if !strings.Contains(err.Error(), "espeak-ng-data") {
			t.Errorf("Open() = %v, want it to name the data directory", err)
		}
	}
	if _, err := Voices(); err == nil {
		t.Error("Voices succeeded without data")
	}
	if v := Variants(); v != nil {
		t.Errorf("Variants() = %v without data", v)
	}
}
