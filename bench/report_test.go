package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sampleReport() *Report {
	return &Report{
		Config: RunConfig{Target: TargetRealtime, URL: "ws://127.0.0.1:8080/v1/realtime", Mode: ModeBinary,
			VoiceDescription: "a British man", Language: "Auto", Sessions: 4, RampS: 1, DurationS: 30,
			TokensPerSec: 30, CorpusTexts: 33, Seed: 1, PrebufferChunks: 2},
		ElapsedS:        31.25,
		Sessions:        SessionCounts{Established: 4, Completed: 3, Failed: 1},
		Generations:     GenerationCounts{Completed: 57, Failed: 1},
		ConnectMS:       Dist{N: 4, Min: 1.5, Mean: 2, P50: 1.75, P90: 3, P99: 3, Max: 3},
		TTFAFlushMS:     Dist{N: 57, Min: -4200.5, Mean: -2100, P50: -2000, P90: -900, P99: -120.25, Max: -100},
		TTFASentenceMS:  Dist{N: 57, Min: -80, Mean: 30, P50: 25.5, P90: 60, P99: 95, Max: 120},
		TTFAFirstTextMS: Dist{N: 57, Min: 180, Mean: 400, P50: 390, P90: 520, P99: 640, Max: 700},
		ChunkGapMS:      Dist{N: 20000, Min: 0, Mean: 20, P50: 2, P90: 40, P99: 400, Max: 900},
		Underruns:       Underruns{Generations: 3, Events: 4, TotalMS: 512.5},
		RTF:             Dist{N: 57, Min: 4.5, Mean: 9, P50: 8.5, P90: 12, P99: 14, Max: 15},
		RTFAggregate:    41.2,
		AudioS:          1287.5,
		DoneAudioS:      1287.4,
		Errors: Errors{
			Closes:   map[int]int{4004: 1},
			Messages: map[int]int{4004: 1, 4003: 2},
			Client:   map[string]int{clientChunkMismatch: 1},
			Examples: []string{"error message 4003: buffer overflow", "close 4004: too many generations per minute for this key"},
		},
		Baseline: &Baseline{Order: "interleaved", FirstChunkMS: Dist{N: 57, Min: 1, Mean: 3, P50: 2.5, P90: 5, P99: 9, Max: 10},
			ServerMetric: "ttfa_sentence_ms", RatioP50: 10.2, RatioP99: 10.56},
		Server: &ServerFigures{MetricsURL: "http://127.0.0.1:8080/metrics",
			Start: Scrape{RSSBytes: 52 << 20, Goroutines: 41},
			Peak:  Scrape{AtS: 31.2, SessionsOpen: 3, RSSBytes: 61 << 20, Goroutines: 77},
			End:   Scrape{AtS: 31.25, Error: "GET http://127.0.0.1:8080/metrics: 503 Service Unavailable"}},
	}
}

// httpReport is a run of an HTTP target that went wrong.
func httpReport(target, url string) *Report {
	return &Report{
		Config: RunConfig{Target: target, URL: url, Language: "Auto", Sessions: 2,
			Generations: 5, CorpusTexts: 33, Seed: 1, PrebufferChunks: 2},
		ElapsedS:        3.5,
		Sessions:        SessionCounts{Established: 2, Completed: 1, Failed: 1},
		Generations:     GenerationCounts{Completed: 5, Failed: 1},
		TTFAFlushMS:     Dist{N: 5, Min: 20, Mean: 30, P50: 25, P90: 40, P99: 40, Max: 40},
		TTFAFirstTextMS: Dist{N: 5, Min: 20, Mean: 30, P50: 25, P90: 40, P99: 40, Max: 40},
		ChunkGapMS:      Dist{N: 40, Min: 0.1, Mean: 20, P50: 15, P90: 60, P99: 90, Max: 90},
		RTF:             Dist{N: 5, Min: 9, Mean: 12, P50: 12, P90: 15, P99: 15, Max: 15},
		RTFAggregate:    8.5,
		AudioS:          30.5,
		DoneAudioS:      30.5,
		Errors: Errors{
			HTTP:     map[int]int{429: 1},
			Examples: []string{"http 429: too many concurrent requests for this key"},
		},
		Server: &ServerFigures{MetricsURL: "http://127.0.0.1:8080/metrics",
			Start: Scrape{RSSBytes: 52 << 20, Goroutines: 41},
			Peak:  Scrape{AtS: 3.4, SessionsOpen: 1, RSSBytes: 60 << 20, Goroutines: 45},
			End:   Scrape{AtS: 3.5, RSSBytes: 60 << 20, Goroutines: 44}},
	}
}

func idleReport() *Report {
	return &Report{
		Config: RunConfig{Target: TargetIdle, URL: "ws://127.0.0.1:8080/v1/realtime", Mode: ModeJSON, Language: "Auto",
			Sessions: 1000, RampS: 10, DurationS: 30, CorpusTexts: 33, Seed: 1, PrebufferChunks: 2},
		ElapsedS:  30.9,
		Sessions:  SessionCounts{Established: 998, Completed: 997, Failed: 3},
		ConnectMS: Dist{N: 998, Min: 0.8, Mean: 2.5, P50: 1.9, P90: 4, P99: 12.5, Max: 40},
		Errors: Errors{
			Closes:   map[int]int{4006: 1},
			Messages: map[int]int{4006: 2},
			Client:   map[string]int{failDial: 2},
			Examples: []string{"dial: connection refused", "close 4006: all slots occupied"},
		},
		Server: &ServerFigures{MetricsURL: "http://127.0.0.1:8080/metrics",
			Start:              Scrape{RSSBytes: 52 << 20, Goroutines: 41},
			Peak:               Scrape{AtS: 30.5, SessionsOpen: 997, RSSBytes: 152 << 20, Goroutines: 4029},
			End:                Scrape{AtS: 30.9, SessionsOpen: 0, RSSBytes: 150 << 20, Goroutines: 44},
			RSSPerSessionBytes: float64(100<<20) / 997},
	}
}

func TestReportText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", b.Bytes())

	clean := &Report{Config: RunConfig{Target: TargetRealtime, URL: "ws://h/v1/realtime", Mode: ModeJSON, Language: "Auto",
		Sessions: 1, Generations: 200, OneSentence: true, CorpusTexts: 143, PrebufferChunks: 2}}
	b.Reset()
	if err := clean.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report_empty.txt", b.Bytes())

	for name, r := range map[string]*Report{
		"report_batch.txt": httpReport(TargetHTTPBatch, "http://127.0.0.1:8080/v1/audio/speech"),
		"report_sse.txt":   httpReport(TargetSSE, "http://127.0.0.1:8080/v1/audio/speech/stream"),
		"report_idle.txt":  idleReport(),
	} {
		b.Reset()
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, name, b.Bytes())
	}
}

// TestReportJSON pins the field names that scripts read.
func TestReportJSON(t *testing.T) {
	b, err := json.MarshalIndent(sampleReport(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", append(b, '\n'))
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.MarshalIndent(&back, "", "  "); !bytes.Equal(again, b) {
		t.Error("the report does not survive a JSON round trip")
	}
}

func TestErrorsTotal(t *testing.T) {
	e := sampleReport().Errors
	if got := e.total(); got != 1 {
		t.Errorf("total = %d, want 1 (chunk mismatches are not session failures)", got)
	}
}

func TestWriteTextError(t *testing.T) {
	if err := sampleReport().WriteText(failingWriter{}); err == nil {
		t.Error("WriteText ignored a write error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }
