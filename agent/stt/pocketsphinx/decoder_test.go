//go:build cgo

package pocketsphinx

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/audio"
)

var soak = flag.Bool("soak", false, "run the memory test at full length: 50 decoders and 200 utterances")

// clips are testdata utterances (see testdata/README.md) and words that
// pocketsphinx must recognise in them. It mishears some words of synthetic
// speech ("go forward ten meters" comes out as "go far in ten years"), so
// only the words it gets right are required.
var clips = []struct {
	file string
	want []string
}{
	{"forward", []string{"go", "ten"}},
	{"canoe", []string{"the", "birch", "on", "smooth"}},
}

func readClip(t testing.TB, name string) []int16 {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".wav")
	if err != nil {
		t.Fatal(err)
	}
	pcm, rate, err := audio.ReadWAV(bytes.NewReader(b))
	if err != nil || rate != DefaultSampleRate {
		t.Fatalf("%s: rate %d, %v", name, rate, err)
	}
	return pcm
}

func newDecoder(t testing.TB, cfg Config) *Decoder {
	t.Helper()
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// stream decodes pcm in chunks of n samples, as audio arriving live.
func stream(t testing.TB, d *Decoder, pcm []int16, n int) string {
	t.Helper()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(pcm); i += n {
		if err := d.Write(pcm[i:min(i+n, len(pcm))]); err != nil {
			t.Fatal(err)
		}
	}
	hyp, err := d.End()
	if err != nil {
		t.Fatal(err)
	}
	return hyp
}

func recognize(t testing.TB, d *Decoder, pcm []int16) string {
	t.Helper()
	hyp, err := Recognize(context.Background(), d, pcm)
	if err != nil {
		t.Fatal(err)
	}
	return hyp
}

func hasWords(hyp string, want []string) bool {
	words := strings.Fields(hyp)
	for _, w := range want {
		found := false
		for _, h := range words {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestRecognize(t *testing.T) {
	d := newDecoder(t, DefaultConfig())
	for _, c := range clips {
		t.Run(c.file, func(t *testing.T) {
			if hyp := recognize(t, d, readClip(t, c.file)); !hasWords(hyp, c.want) {
				t.Errorf("heard %q, want the words %q", hyp, c.want)
			}
		})
	}
	t.Run("silence", func(t *testing.T) {
		if hyp := recognize(t, d, make([]int16, DefaultSampleRate)); hyp != "" {
			t.Errorf("heard %q in silence", hyp)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		if hyp := recognize(t, d, nil); hyp != "" {
			t.Errorf("heard %q in no audio", hyp)
		}
	})
}

// TestStreaming checks what live audio needs: the chunk size does not
// change the result, and Partial follows the speech as it arrives.
func TestStreaming(t *testing.T) {
	d := newDecoder(t, DefaultConfig())
	pcm := readClip(t, "canoe")
	whole := recognize(t, d, pcm)
	for _, n := range []int{37, 320, 16000} {
		d.Reset()
		if got := stream(t, d, pcm, n); got != whole {
			t.Errorf("chunks of %d samples: %q, whole: %q", n, got, whole)
		}
	}

	d.Reset()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	var partials []string
	for i := 0; i < len(pcm); i += 3200 { // 200 ms
		if err := d.Write(pcm[i:min(i+3200, len(pcm))]); err != nil {
			t.Fatal(err)
		}
		p, err := d.Partial()
		if err != nil {
			t.Fatal(err)
		}
		partials = append(partials, p)
	}
	final, err := d.End()
	if err != nil || final != whole {
		t.Fatalf("End after Partials = %q, %v; want %q", final, err, whole)
	}
	if partials[0] != "" {
		t.Errorf("a partial hypothesis %q after the leading silence", partials[0])
	}
	last := partials[len(partials)-1]
	if !hasWords(last, []string{"birch"}) || len(strings.Fields(last)) < 5 {
		t.Errorf("last partial %q, final %q", last, final)
	}
	t.Logf("partials every 200 ms: %q", partials)
}

// TestReset checks that what a decoder heard before changes what it hears
// next, and that Reset undoes it. Without the earlier speech in the state,
// the first check would fail and Reset would be untested.
func TestReset(t *testing.T) {
	fresh := newDecoder(t, DefaultConfig())
	pcm := readClip(t, "canoe")
	want := stream(t, fresh, pcm, 1600)

	d := newDecoder(t, DefaultConfig())
	stream(t, d, readClip(t, "forward"), 1600)
	if got := stream(t, d, pcm, 1600); got == want {
		t.Errorf("after other speech the decoder still hears %q; the state this test relies on is gone", got)
	}
	// Reset also abandons an utterance in progress.
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(readClip(t, "forward")); err != nil {
		t.Fatal(err)
	}
	if err := d.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := stream(t, d, pcm, 1600); got != want {
		t.Errorf("after Reset: %q, a fresh decoder: %q", got, want)
	}
}

func TestStateErrors(t *testing.T) {
	d := newDecoder(t, DefaultConfig())
	pcm := make([]int16, 160)
	if err := d.Write(pcm); !errors.Is(err, ErrNoUtterance) {
		t.Errorf("Write before Start: %v", err)
	}
	if _, err := d.Partial(); !errors.Is(err, ErrNoUtterance) {
		t.Errorf("Partial before Start: %v", err)
	}
	if _, err := d.End(); !errors.Is(err, ErrNoUtterance) {
		t.Errorf("End before Start: %v", err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); !errors.Is(err, ErrInUtterance) {
		t.Errorf("Start twice: %v", err)
	}
	if err := d.Write(nil); err != nil {
		t.Errorf("Write(nil): %v", err)
	}
	if _, err := d.End(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.End(); !errors.Is(err, ErrNoUtterance) {
		t.Errorf("End twice: %v", err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Start": d.Start(), "Write": d.Write(pcm), "Reset": d.Reset(),
		"Partial": second(d.Partial()), "End": second(d.End()),
		"Recognize": second(Recognize(context.Background(), d, pcm)),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}

func second(_ string, err error) error { return err }

func TestNewDecoderErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string
		want  error
		msg   string
	}{
		{"unknown flag", map[string]string{"-nosuchflag": "1"}, ErrConfig, "no flag -nosuchflag"},
		{"reserved flag", map[string]string{"-logfn": "/dev/null"}, ErrConfig, "-logfn"},
		{"missing grammar", map[string]string{"-jsgf": "/nonexistent.gram"}, ErrInit, "/nonexistent.gram"},
		{"missing keyword list", map[string]string{"-kws": "/nonexistent.kws"}, ErrInit, "/nonexistent.kws"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder(Config{Extra: tt.extra})
			if d != nil {
				d.Close()
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("NewDecoder = %v, want %v mentioning %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestKeyphrase uses Extra to spot one word instead of transcribing.
func TestKeyphrase(t *testing.T) {
	d := newDecoder(t, Config{Extra: map[string]string{"-keyphrase": "forward", "-kws_threshold": "1e-20"}})
	if hyp := recognize(t, d, readClip(t, "forward")); hyp != "forward" {
		t.Errorf("spotted %q in %q, want \"forward\"", hyp, "go forward ten meters")
	}
	if hyp := recognize(t, d, readClip(t, "canoe")); hyp != "" {
		t.Errorf("spotted %q in a sentence without the keyword", hyp)
	}
}

// TestConcurrentMatchesSerial runs three decoders on two cores at once,
// streaming with Partial calls as a live session does, and requires
// exactly the results of one decoder working alone.
func TestConcurrentMatchesSerial(t *testing.T) {
	serial := newDecoder(t, DefaultConfig())
	want := map[string]string{}
	pcm := map[string][]int16{}
	for _, c := range clips {
		pcm[c.file] = readClip(t, c.file)
		want[c.file] = recognize(t, serial, pcm[c.file])
	}
	serial.Close()

	const workers, rounds = 3, 1
	decoders := make([]*Decoder, workers)
	for i := range decoders {
		decoders[i] = newDecoder(t, DefaultConfig())
	}
	var wg sync.WaitGroup
	got := make([][]string, workers)
	for w, d := range decoders {
		wg.Go(func() {
			for r := range rounds * len(clips) {
				c := clips[(r+w)%len(clips)]
				d.Reset()
				d.Start()
				p := pcm[c.file]
				for i := 0; i < len(p); i += 1600 {
					d.Write(p[i:min(i+1600, len(p))])
					d.Partial()
				}
				hyp, err := d.End()
				if err != nil {
					hyp = err.Error()
				}
				got[w] = append(got[w], c.file+": "+hyp)
			}
		})
	}
	wg.Wait()
	for w := range workers {
		for r, g := range got[w] {
			c := clips[(r+w)%len(clips)]
			if g != c.file+": "+want[c.file] {
				t.Errorf("worker %d round %d: %q, alone: %q", w, r, g, want[c.file])
			}
		}
	}
}

// TestSilent runs a first load, decoding and a failed load in a child
// process, where this package has not yet touched pocketsphinx, and
// requires that nothing reaches stderr: pocketsphinx logs hundreds of lines
// by default.
func TestSilent(t *testing.T) {
	if os.Getenv("PSG_SILENT_CHILD") == "1" {
		d, err := NewDecoder(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		recognize(t, d, readClip(t, "forward"))
		if _, err := NewDecoder(Config{Extra: map[string]string{"-jsgf": "/nonexistent.gram"}}); err == nil {
			t.Fatal("a missing grammar loaded")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSilent$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PSG_SILENT_CHILD=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if stderr.Len() > 0 {
		t.Errorf("pocketsphinx wrote %d bytes to stderr:\n%.500s", stderr.Len(), stderr.Bytes())
	}
}

// rssMB reads the resident set size, after giving the Go heap back, so
// that C memory dominates it.
func rssMB(t *testing.T) float64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return float64(pages*os.Getpagesize()) / (1 << 20)
}

// TestMemoryStable creates and closes decoders, and decodes utterances,
// and requires that the process does not grow. A decoder holds about
// 90 MB, so a leaked decoder shows, and so do a few hundred KB leaked per
// decoder or a few dozen KB per utterance. -soak runs the full 50
// decoders and 200 utterances.
func TestMemoryStable(t *testing.T) {
	decoders, utterances := 3, 20
	if *soak {
		decoders, utterances = 50, 200
	}
	// glibc gives each thread its own malloc arena, so decoders loaded on
	// many threads swell the process without leaking. On one thread, and
	// once the allocator has settled (after the first close it keeps freed
	// decoders for reuse rather than unmapping them), a leak is growth.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pcm := readClip(t, "forward")[:DefaultSampleRate]
	cycle := func() {
		d, err := NewDecoder(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		recognize(t, d, pcm)
		d.Close()
	}
	for range 3 {
		cycle()
	}
	base := rssMB(t)
	for range decoders {
		cycle()
	}
	afterDecoders := rssMB(t)
	d := newDecoder(t, DefaultConfig())
	for range 5 {
		recognize(t, d, pcm)
	}
	beforeUtterances := rssMB(t)
	for i := range utterances {
		if i%2 == 0 {
			recognize(t, d, pcm)
		} else {
			stream(t, d, pcm, 1600)
		}
	}
	afterUtterances := rssMB(t)
	t.Logf("RSS %.1f MB, after %d decoders %.1f MB; with a decoder %.1f MB, after %d utterances %.1f MB",
		base, decoders, afterDecoders, beforeUtterances, utterances, afterUtterances)
	if afterDecoders-base > 8 {
		t.Errorf("RSS grew %.1f MB over %d decoders", afterDecoders-base, decoders)
	}
	if afterUtterances-beforeUtterances > 4 {
		t.Errorf("RSS grew %.1f MB over %d utterances", afterUtterances-beforeUtterances, utterances)
	}
}
