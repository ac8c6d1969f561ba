package bench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

func TestRunHTTP(t *testing.T) {
	s := startServer(t)
	// One text with two sentences, so that every generation has the same
	// audio on both endpoints.
	const text = "Sure, here is a short answer. It has two sentences and a number, 42."
	audio := map[string]float64{}
	for _, tt := range []struct{ target, path string }{
		{TargetHTTPBatch, pathSpeech},
		{TargetSSE, pathStream},
	} {
		t.Run(tt.target, func(t *testing.T) {
			cfg := s.config()
			cfg.Target, cfg.URL = tt.target, s.base()
			cfg.Sessions, cfg.Generations, cfg.Corpus = 2, 1, []string{text}
			rep := run(t, context.Background(), cfg)
			var out bytes.Buffer
			if err := rep.WriteText(&out); err != nil {
				t.Fatal(err)
			}
			t.Logf("report:\n%s", out.String())
			checkClean(t, rep, 2, 1)
			const n = 2
			if rep.Config.URL != s.base()+tt.path || rep.Config.TokensPerSec != 0 {
				t.Errorf("config echo: url %s, tokens per second %g", rep.Config.URL, rep.Config.TokensPerSec)
			}
			if d := rep.TTFAFlushMS; d.N != n || d.Min <= 0 || d.Max > 10_000 {
				t.Errorf("ttfa_flush = %+v", d)
			}
			if rep.TTFAFirstTextMS != rep.TTFAFlushMS {
				t.Errorf("ttfa_first_text %+v differs from ttfa_flush %+v: both are the request", rep.TTFAFirstTextMS, rep.TTFAFlushMS)
			}
			if rep.TTFASentenceMS.N != 0 || rep.ConnectMS.N != 0 {
				t.Errorf("ttfa_sentence %+v, connect %+v: the HTTP targets have neither", rep.TTFASentenceMS, rep.ConnectMS)
			}
			if d := rep.RTF; d.N != n || d.Min <= 1 {
				t.Errorf("rtf = %+v, want every generation faster than real time", d)
			}
			if d := rep.ChunkGapMS; d.Min < 0 {
				t.Errorf("chunk gaps = %+v", d)
			}
			// Two sentences are more than a second of speech.
			if rep.AudioS < n {
				t.Errorf("%.2f s of audio for %d generations", rep.AudioS, n)
			}
			if want := rep.AudioS / rep.ElapsedS; math.Abs(rep.RTFAggregate-want) > 1e-9 {
				t.Errorf("rtf_aggregate = %g, want %g", rep.RTFAggregate, want)
			}
			switch tt.target {
			case TargetSSE:
				// done.audio_duration_ms is whole milliseconds.
				if diff := math.Abs(rep.AudioS - rep.DoneAudioS); diff > n*0.001+1e-9 {
					t.Errorf("audio received %.4f s, done events say %.4f s", rep.AudioS, rep.DoneAudioS)
				}
				if rep.ChunkGapMS.N < n {
					t.Errorf("chunk gaps = %+v, want a chunk per sentence at least", rep.ChunkGapMS)
				}
			case TargetHTTPBatch:
				if rep.DoneAudioS != 0 {
					t.Errorf("done_audio_s = %g without done messages", rep.DoneAudioS)
				}
			}
			audio[tt.target] = rep.AudioS
			checkServer(t, rep.Server, s.base()+pathMetrics, 2)
			if rep.Server.RSSPerSessionBytes != 0 {
				t.Errorf("rss per session %g outside the idle target", rep.Server.RSSPerSessionBytes)
			}
			if !strings.Contains(out.String(), "HTTP has no flush") {
				t.Error("the text report does not say what TTFA after flush means here")
			}
		})
	}
	// The engines are deterministic: the same text is the same audio,
	// whether it comes as a body or as chunk events.
	if b, e := audio[TargetHTTPBatch], audio[TargetSSE]; b != e {
		t.Errorf("batch received %.4f s of audio, SSE %.4f s, for the same texts", b, e)
	}
}

// checkServer checks that every scrape of a run against a Parley server
// found both figures, with open sessions at the peak.
func checkServer(t *testing.T, f *ServerFigures, url string, open int) {
	t.Helper()
	if f == nil {
		t.Fatal("no server figures")
	}
	if f.MetricsURL != url {
		t.Errorf("metrics URL %s, want %s", f.MetricsURL, url)
	}
	for name, sc := range map[string]Scrape{"start": f.Start, "peak": f.Peak, "end": f.End} {
		if sc.Error != "" || sc.RSSBytes <= 0 || sc.Goroutines <= 0 {
			t.Errorf("%s scrape = %+v", name, sc)
		}
	}
	if f.Start.SessionsOpen != 0 || f.Peak.SessionsOpen != open || f.End.SessionsOpen != 0 {
		t.Errorf("sessions open at start, peak, end: %d, %d, %d; want 0, %d, 0", f.Start.SessionsOpen, f.Peak.SessionsOpen, f.End.SessionsOpen, open)
	}
	if !(f.Start.AtS <= f.Peak.AtS && f.Peak.AtS <= f.End.AtS) {
		t.Errorf("scrapes at %g, %g, %g s", f.Start.AtS, f.Peak.AtS, f.End.AtS)
	}
}

func TestRunHTTPWrongKey(t *testing.T) {
	s := startServer(t)
	for _, target := range []string{TargetHTTPBatch, TargetSSE} {
		t.Run(target, func(t *testing.T) {
			cfg := s.config()
			cfg.Target, cfg.URL, cfg.APIKey, cfg.Sessions, cfg.Generations = target, s.base(), "pk_not_a_key", 2, 3
			rep := run(t, context.Background(), cfg)
			if rep.Sessions != (SessionCounts{Established: 2, Failed: 2}) {
				t.Errorf("sessions = %+v, want 2 failed", rep.Sessions)
			}
			if rep.Errors.HTTP[401] != 2 || len(rep.Errors.HTTP) != 1 || len(rep.Errors.Closes)+len(rep.Errors.Client) != 0 {
				t.Errorf("errors = %+v, want 2 × http 401", rep.Errors)
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
			// The example carries the server's {"error": ...} message.
			for _, want := range []string{"http 401 (Unauthorized): 2 sessions", "e.g. http 401: missing, unknown or revoked API key"} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("text report lacks %q:\n%s", want, text.String())
				}
			}
		})
	}
}
