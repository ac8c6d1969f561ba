package bench

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/store"
)

// run runs cfg with a deadline that a hang would hit.
func run(t *testing.T, ctx context.Context, cfg Config) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Interrupted {
		t.Fatal("run interrupted: it hung")
	}
	return rep
}

// checkClean checks a run in which nothing should have gone wrong.
func checkClean(t *testing.T, rep *Report, sessions, gens int) {
	t.Helper()
	if rep.Sessions != (SessionCounts{Established: sessions, Completed: sessions}) {
		t.Errorf("sessions = %+v, want %d completed", rep.Sessions, sessions)
	}
	if want := (GenerationCounts{Completed: sessions * gens}); rep.Generations != want {
		t.Errorf("generations = %+v, want %+v", rep.Generations, want)
	}
	if len(rep.Errors.Closes)+len(rep.Errors.Messages)+len(rep.Errors.Client)+len(rep.Errors.Examples) != 0 {
		t.Errorf("errors = %+v", rep.Errors)
	}
}

func TestRunStreaming(t *testing.T) {
	s := startServer(t)
	// Short texts keep the race detector's runs quick; each has a first
	// sentence end.
	short := []string{
		"Sure, here is a short answer. It has two sentences and a number, 42.",
		"Okay! The meeting moved to 3:30 tomorrow afternoon. See you there.",
	}
	for _, text := range BuiltinCorpus() {
		if utf8.RuneCountInString(text) < 200 {
			short = append(short, text)
		}
	}
	tests := []struct {
		name           string
		mode           string
		sessions, gens int
		tokensPerSec   float64
		corpus         []string
	}{
		{"json tokens", ModeJSON, 2, 3, 200, short},
		{"binary tokens", ModeBinary, 2, 2, 200, short},
		{"binary whole texts", ModeBinary, 1, 2, 0, short},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := s.config()
			cfg.Mode, cfg.Sessions, cfg.Generations, cfg.TokensPerSec, cfg.Corpus = tt.mode, tt.sessions, tt.gens, tt.tokensPerSec, tt.corpus
			rep := run(t, context.Background(), cfg)
			checkClean(t, rep, tt.sessions, tt.gens)
			n := tt.sessions * tt.gens
			// Every text has a first sentence end and speaks.
			for name, d := range map[string]Dist{"ttfa_first_text": rep.TTFAFirstTextMS, "ttfa_sentence": rep.TTFASentenceMS, "ttfa_flush": rep.TTFAFlushMS, "rtf": rep.RTF} {
				if d.N != n {
					t.Errorf("%s has %d samples, want %d", name, d.N, n)
				}
			}
			if d := rep.TTFAFirstTextMS; d.Min <= 0 || d.Max > 10_000 || d.P50 > d.P99 {
				t.Errorf("ttfa_first_text = %+v", d)
			}
			// espeak-ng and flite run many times faster than real time.
			if rep.RTF.Min <= 1 {
				t.Errorf("rtf = %+v, want every generation faster than real time", rep.RTF)
			}
			if d := rep.ChunkGapMS; d.N == 0 || d.Min < 0 {
				t.Errorf("chunk gaps = %+v", d)
			}
			if rep.AudioS < float64(n) {
				t.Errorf("%.2f s of audio for %d generations of two sentences or more", rep.AudioS, n)
			}
			// done.audio_duration_ms is whole milliseconds.
			if diff := math.Abs(rep.AudioS - rep.DoneAudioS); diff > float64(n)*0.001+1e-9 {
				t.Errorf("audio received %.4f s, done messages say %.4f s", rep.AudioS, rep.DoneAudioS)
			}
			if want := rep.AudioS / rep.ElapsedS; math.Abs(rep.RTFAggregate-want) > 1e-9 || rep.RTFAggregate <= 0 {
				t.Errorf("rtf_aggregate = %g, want %g", rep.RTFAggregate, want)
			}
			if u := rep.Underruns; u.Generations > n || u.Events < u.Generations || (u.Events > 0) != (u.TotalMS > 0) {
				t.Errorf("underruns = %+v", u)
			}
			if rep.Baseline != nil {
				t.Error("baseline without EngineBaseline")
			}
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if want := "generations: " + strconv.Itoa(n) + " completed, 0 failed"; !strings.Contains(text.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, text.String())
			}
		})
	}
}

func TestRunOneSentence(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name, voice string
		baseline    bool
	}{
		{"default voice", "", false},
		{"default voice with baseline", "", true},
		{"espeak voice with baseline", "a British man", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := s.config()
			cfg.OneSentence, cfg.Generations, cfg.VoiceDescription, cfg.EngineBaseline = true, 4, tt.voice, tt.baseline
			rep := run(t, context.Background(), cfg)
			checkClean(t, rep, 1, 4)
			if d := rep.TTFAFlushMS; d.N != 4 || d.Min <= 0 || d.Max > 10_000 {
				t.Errorf("ttfa_flush = %+v", d)
			}
			if rep.TTFASentenceMS.N != 0 {
				t.Errorf("ttfa_sentence = %+v for single sentences", rep.TTFASentenceMS)
			}
			if want := len(sentences(BuiltinCorpus())); rep.Config.CorpusTexts != want {
				t.Errorf("corpus_texts = %d, want %d sentences", rep.Config.CorpusTexts, want)
			}
			b := rep.Baseline
			if !tt.baseline {
				if b != nil {
					t.Error("baseline without EngineBaseline")
				}
				return
			}
			if b == nil {
				t.Fatal("no baseline")
			}
			if b.FirstChunkMS.N != 4 || b.FirstChunkMS.Min <= 0 || b.Errors != 0 {
				t.Errorf("baseline = %+v", b)
			}
			if b.ServerMetric != "ttfa_flush_ms" {
				t.Errorf("server metric %q", b.ServerMetric)
			}
			if want := rep.TTFAFlushMS.P50 / b.FirstChunkMS.P50; b.RatioP50 != want || b.RatioP50 <= 0 {
				t.Errorf("ratio p50 = %g, want %g", b.RatioP50, want)
			}
			if want := rep.TTFAFlushMS.P99 / b.FirstChunkMS.P99; b.RatioP99 != want || b.RatioP99 <= 0 {
				t.Errorf("ratio p99 = %g, want %g", b.RatioP99, want)
			}
		})
	}
}

func TestRunWrongKey(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	cfg.APIKey, cfg.Sessions, cfg.Generations = "pk_not_a_key", 2, 3
	rep := run(t, context.Background(), cfg)
	// The server acknowledges config before the key is checked.
	if rep.Sessions != (SessionCounts{Established: 2, Failed: 2}) {
		t.Errorf("sessions = %+v, want 2 established and failed", rep.Sessions)
	}
	if rep.Errors.Closes[4002] != 2 || len(rep.Errors.Closes) != 1 {
		t.Errorf("closes = %v, want 2 × 4002", rep.Errors.Closes)
	}
	if rep.Errors.Messages[4002] != 2 {
		t.Errorf("error messages = %v, want 2 × 4002", rep.Errors.Messages)
	}
	if rep.Generations != (GenerationCounts{Failed: 2}) {
		t.Errorf("generations = %+v, want the first of each session failed", rep.Generations)
	}
	if rep.Errors.total() != rep.Sessions.Failed {
		t.Errorf("errors account for %d failures, %d sessions failed", rep.Errors.total(), rep.Sessions.Failed)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "closed with 4002 (authentication failed): 2 sessions") {
		t.Errorf("text report:\n%s", text.String())
	}
}

func TestRunUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := DefaultConfig()
	cfg.URL, cfg.APIKey, cfg.Sessions, cfg.Ramp, cfg.Duration = "ws://"+addr+"/v1/realtime", "k", 3, 0, time.Minute
	rep := run(t, context.Background(), cfg)
	if rep.Sessions != (SessionCounts{Failed: 3}) || rep.Errors.Client[failDial] != 3 {
		t.Errorf("sessions = %+v, client errors %v; want 3 dial failures", rep.Sessions, rep.Errors.Client)
	}
	if len(rep.Errors.Examples) == 0 {
		t.Error("no example of the dial error")
	}
}

func TestRunServerShutdown(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	cfg.Sessions, cfg.Duration = 2, time.Minute
	rep := runUntilShutdown(t, s, cfg, 2, 300*time.Millisecond)
	if rep == nil {
		return
	}
	if rep.Sessions != (SessionCounts{Established: 2, Failed: 2}) {
		t.Errorf("sessions = %+v, want 2 established and failed", rep.Sessions)
	}
	if rep.Errors.Closes[1001] != 2 {
		t.Errorf("closes = %v, want 2 × 1001 (going away)", rep.Errors.Closes)
	}
}

func TestRunInterrupted(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	cfg.Sessions, cfg.Duration, cfg.TokensPerSec = 2, time.Minute, 30
	ctx, cancel := context.WithCancel(context.Background())
	var progress bytes.Buffer
	go func() {
		for s.srv.Sessions() < 2 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	rep, err := Run(ctx, cfg, &progress)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("interrupting took %v", time.Since(start))
	}
	if rep == nil || !rep.Interrupted || rep.Sessions != (SessionCounts{Established: 2, Interrupted: 2}) {
		t.Fatalf("report = %+v, want 2 interrupted sessions", rep)
	}
	if rep.Errors.total() != 0 {
		t.Errorf("an interruption counted as errors: %+v", rep.Errors)
	}
	if p := progress.String(); !strings.Contains(p, "sessions up 2/2") || !strings.HasSuffix(p, "\n") {
		t.Errorf("progress output %q", p)
	}
}

// TestRunListen checks that a listening session waits until its
// generation has been played: on espeak-ng, which speaks hundreds of times
// faster than real time, a one-generation run then lasts at least as long
// as its audio.
func TestRunListen(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	cfg.OneSentence, cfg.Generations, cfg.Listen = true, 1, true
	cfg.VoiceDescription = "a British man"
	start := time.Now()
	rep := run(t, context.Background(), cfg)
	elapsed := time.Since(start)
	checkClean(t, rep, 1, 1)
	if !rep.Config.Listen {
		t.Error("report config: listen false")
	}
	if audio := time.Duration(rep.AudioS * float64(time.Second)); elapsed < audio {
		t.Errorf("listening run took %v, less than its audio (%v)", elapsed, audio)
	}
}

// TestRunWithStalledRequests holds stalled SSE requests of another key
// through a run: they are opened, reach the server as requests that are
// synthesising, and the measured session still completes every
// generation.
func TestRunWithStalledRequests(t *testing.T) {
	s := startServer(t)
	stallKey, _, err := s.srv.Store().CreateKey(context.Background(), "stalls", "free")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.config()
	cfg.OneSentence, cfg.Generations = true, 4
	cfg.Stallers, cfg.StallKey = 2, stallKey
	rep := run(t, context.Background(), cfg)
	checkClean(t, rep, 1, 4)
	if st := rep.Stalled; st == nil || st.Held != 2 || st.Opened < 2 || st.Failed != 0 {
		t.Fatalf("stalled figures %+v", rep.Stalled)
	}
	// The stalled requests were admitted and charged as the server spoke
	// into their buffers.
	k, err := s.srv.Store().Authenticate(context.Background(), stallKey)
	if err != nil {
		t.Fatal(err)
	}
	waitUsage := time.Now().Add(10 * time.Second)
	for {
		chars, _, err := s.srv.Store().Usage(context.Background(), k.ID, store.Month(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if chars > 0 {
			break
		}
		if time.Now().After(waitUsage) {
			t.Fatal("the stalled requests never reached synthesis")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var buf strings.Builder
	if err := rep.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "stalled SSE requests of another key") {
		t.Fatalf("report text: %v\n%s", err, buf.String())
	}
}
