//go:build cgo

package flite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// stressTexts exercise every stage of flite's front end: numbers, money,
// dates, times, abbreviations, spelled tokens, punctuation, quotes, and
// text long enough to be split into several utterances.
var stressTexts = []string{
	sentence,
	"It costs $12.50 on 3/4/2021 at 10:30pm, 50% off!",
	"Dr. Smith lives at 221B Baker St., Apt. 3; call 555-1234 or e-mail info@example.com.",
	"XKCD, NASA and the BBC: ABCDEFGHIJ KLMNOPQRST 0123456789 xyzzy.",
	"\"Wait,\" she said -- 'really?' (Yes!) [No.] {Maybe...}",
	long,
	"MMXXIV, 1st, 2nd, 3rd, 4th; 1,234,567.89 and -42.",
}

// stressParams are per-request settings from the edges of their ranges.
func stressParams(voice string) []Params {
	return []Params{
		{Voice: voice},
		{Voice: voice, Rate: 0.6, PitchMean: 80, PitchStddev: 5, Volume: 0.5},
		{Voice: voice, Rate: 2.5, PitchMean: 300, PitchStddev: 60, Volume: 1.8},
	}
}

// TestConcurrentStress runs every text with every voice and every
// parameter set, first one at a time for reference, then all of them
// twice, shuffled, from four times as many goroutines as CPUs; a fifth of
// the concurrent requests are cancelled after a random number of chunks.
// A completed request must give exactly its reference PCM, and a
// cancelled one a prefix of it. Under -race this also checks the Go half
// of the binding (the handle, the callback, the request state); the C half
// is checked by TestHelgrind and by the review in doc.go.
func TestConcurrentStress(t *testing.T) {
	type job struct {
		text string
		p    Params
		want []int16
	}
	var jobs []*job
	for _, v := range Voices() {
		for _, p := range stressParams(v) {
			for _, text := range stressTexts {
				jobs = append(jobs, &job{text: text, p: p})
			}
		}
	}
	for _, j := range jobs {
		j.want, _ = speak(t, j.text, j.p)
		if len(j.want) == 0 {
			t.Fatalf("%q with %+v: no audio", j.text, j.p)
		}
	}
	order := append(slices.Clone(jobs), jobs...)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })

	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				j := order[i]
				// Every fifth request is cancelled after 1 to 8 chunks.
				stopAfter := 0
				if i%5 == 0 {
					stopAfter = 1 + i%8
				}
				ctx, cancel := context.WithCancel(context.Background())
				var got []int16
				chunks := 0
				err := Synthesize(ctx, j.text, j.p, func(c []int16) error {
					got = append(got, c...)
					if chunks++; chunks == stopAfter {
						cancel()
					}
					return nil
				})
				cancel()
				switch {
				case stopAfter > 0 && chunks >= stopAfter:
					if !errors.Is(err, context.Canceled) || len(got) > len(j.want) || !slices.Equal(got, j.want[:len(got)]) {
						fail("%s %+v %.20q, cancelled after %d chunks: %v, %d samples not a prefix of the %d of the serial run",
							j.p.Voice, j.p, j.text, stopAfter, err, len(got), len(j.want))
					}
				case err != nil:
					fail("%s %.20q: %v", j.p.Voice, j.text, err)
				case !slices.Equal(got, j.want):
					fail("%s %+v %.20q: %d samples differ from the %d of the serial run", j.p.Voice, j.p, j.text, len(got), len(j.want))
				}
			}
		})
	}
	for i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d concurrent requests over %d jobs (4 voices, %d parameter sets, %d texts)",
		len(order), len(jobs), len(stressParams("slt")), len(stressTexts))
}

// hostileChild makes the test binary the child of TestHostileTextNeverExits.
const hostileChild = "PARLEY_FLITE_HOSTILE_CHILD"

// hostileTexts are inputs aimed at flite's fatal error paths (cst_error,
// which exits the process): every printable ASCII character alone and
// next to words and digits, runs across the 40-byte split; punctuation-only and
// digit-only texts; whitespace runs; and seeded random byte strings, valid
// UTF-8 or not.
func hostileTexts() []string {
	var out []string
	for c := byte(0x21); c < 0x7f; c++ {
		s := string(c)
		out = append(out, s, "a"+s+"b 1"+s+"2 "+s+" word")
	}
	for _, c := range "a9.-,'/$Z" {
		out = append(out, strings.Repeat(string(c), 41))
	}
	out = append(out,
		"...", "?!?!", "'''", "\"\"\"", "-- --", "$", "$$$.$$", "%", "1e999", "0x", "1/0",
		strings.Repeat("9", 100), strings.Repeat("1,", 60), strings.Repeat("- ", 100),
		strings.Repeat(" ", 5000)+"a", strings.Repeat("\n", 1000)+"a", strings.Repeat("a.", 100),
		strings.Repeat("Mr. ", 50), strings.Repeat("IV ", 50), "$1,000,000,000,000,000,000,000",
		"12:61:99 pm", "31/31/3131", "1st 2nd 3rd 4th 11th 111th 1000000th",
	)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 60 {
		b := make([]byte, 1+rng.IntN(120))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if rng.IntN(2) == 0 {
			b = bytes.ToValidUTF8(b, []byte(" "))
		}
		out = append(out, string(b))
	}
	return out
}

// TestHostileTextNeverExits speaks hostileTexts with every voice and
// parameter extreme in a child process, which writes each input's index
// before speaking it: if flite's error handler ended the process (it
// calls exit), the parent sees a non-zero status and names the input.
func TestHostileTextNeverExits(t *testing.T) {
	if os.Getenv(hostileChild) == "1" {
		texts := hostileTexts()
		for i, text := range texts {
			fmt.Fprintln(os.Stdout, i)
			p := stressParams(voiceNames[i%numVoices])[i%3]
			if err := Synthesize(context.Background(), text, p, func([]int16) error { return nil }); err != nil {
				fmt.Fprintf(os.Stdout, "error %d %v\n", i, err)
			}
		}
		fmt.Fprintln(os.Stdout, "done")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileTextNeverExits$", "-test.count=1")
	cmd.Env = append(os.Environ(), hostileChild+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	last, done := "", false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "done":
			done = true
		case strings.HasPrefix(line, "error "):
			t.Errorf("flite failed on an input: %s", line)
		default:
			last = line
		}
	}
	if err != nil || !done {
		var i int
		fmt.Sscan(last, &i)
		text := hostileTexts()[i]
		t.Fatalf("the child ended (%v) while speaking input %s, %q (valid UTF-8 %v)\nstderr: %s", err, last, text, utf8.ValidString(text), stderr.String())
	}
}

// FuzzSynthesize looks for text that makes flite exit, crash or fail:
// `go test -run '^$' -fuzz FuzzSynthesize ./engine/flite`.
func FuzzSynthesize(f *testing.F) {
	for _, s := range stressTexts {
		f.Add(s, uint8(0))
	}
	for i, s := range hostileTexts() {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		if len(text) > 2000 {
			return // longer texts only cost time: flite speaks them in bounded pieces
		}
		p := stressParams(voiceNames[int(sel)%numVoices])[int(sel/4)%3]
		if err := Synthesize(context.Background(), text, p, func([]int16) error { return nil }); err != nil {
			t.Fatalf("%q with %+v: %v", text, p, err)
		}
	})
}

var helgrind = flag.Bool("helgrind", false, "run the C half of the binding under Valgrind's Helgrind (slow; needs valgrind)")

// TestHelgrind builds testdata/helgrind/harness.c with the shim and runs
// it under Helgrind: four threads speaking all four voices at once must
// give no race reports and exactly the serial output.
func TestHelgrind(t *testing.T) {
	if !*helgrind {
		t.Skip("slow: run with -helgrind")
	}
	if _, err := exec.LookPath("valgrind"); err != nil {
		t.Fatalf("valgrind is required (apt-get install valgrind): %v", err)
	}
	bin := filepath.Join(t.TempDir(), "harness")
	build := exec.Command("gcc", "-g", "-O1", "-pthread", "-I.", "-o", bin, "testdata/helgrind/harness.c", "shim.c",
		"-lflite_cmu_us_slt", "-lflite_cmu_us_rms", "-lflite_cmu_us_awb", "-lflite_cmu_us_kal16",
		"-lflite_usenglish", "-lflite_cmulex", "-lflite", "-lm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the harness: %v\n%s", err, out)
	}
	out, err := exec.Command("valgrind", "--tool=helgrind", "--error-exitcode=3", bin).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("identical to the serial run")) || !bytes.Contains(out, []byte("ERROR SUMMARY: 0 errors")) {
		t.Fatalf("helgrind: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
