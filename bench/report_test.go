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
		Sessions:        SessionCounts{Completed: 3, Failed: 1},
		Generations:     GenerationCounts{Completed: 57, Failed: 1},
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
