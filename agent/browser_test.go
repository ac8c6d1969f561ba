package agent_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
)

var (
	v2vTurns         = flag.Int("v2v-turns", 1, "voice turns the browser test runs; 20 or more measures voice-to-voice latency for BENCHMARKS.md")
	updateScreenshot = flag.Bool("update-screenshot", false, "save the browser test's screenshot as docs/agent.png")
)

// TestAgentInBrowser runs the real agent page in Debian's Chromium against a
// real server: Chromium's fake microphone plays a WAV of a question spoken
// by the default voice (in a loop), and the page must show the transcript,
// play the answer and draw the latency waterfall. With -v2v-turns N it
// reports the median latency of each stage over N turns.
func TestAgentInBrowser(t *testing.T) {
	nodeDir, err := filepath.Abs("../tests/node")
	if err != nil {
		t.Fatal(err)
	}
	for _, need := range []string{filepath.Join(nodeDir, "node_modules", "playwright-core"), "/usr/bin/chromium"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing (run make test-deps): %v", need, err)
		}
	}
	base, key := startNode(t, "")
	// One turn of the loop: silence, the question, silence long enough for
	// the answer to be played before the question comes round again.
	var mic []int16
	mic = append(mic, silence(time.Second)...)
	mic = append(mic, speech(t, "What time is it?")...)
	mic = append(mic, silence(4*time.Second)...)
	wav := filepath.Join(t.TempDir(), "mic.wav")
	if err := os.WriteFile(wav, audio.EncodeWAV(mic, 16000), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "agent.png")
	if *updateScreenshot {
		shot, _ = filepath.Abs("../docs/agent.png")
	}
	turns := max(*v2vTurns, 1)
	timeout := 25*time.Second + time.Duration(turns)*7*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "agent-page.mjs", "--url", base+"/agent#key="+key,
		"--fake-audio", wav, "--screenshot", shot, "--turns", strconv.Itoa(turns),
		"--timeout", strconv.Itoa(int(timeout.Milliseconds())))
	cmd.Dir = nodeDir
	out, err := cmd.Output()
	var res struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		Parley struct {
			Transcripts []struct {
				Turn  int    `json:"turn"`
				Text  string `json:"text"`
				Final bool   `json:"final"`
			} `json:"transcripts"`
			Responses      map[string]string  `json:"responses"`
			PlayedMs       map[string]float64 `json:"playedMs"`
			WaterfallTurns []int              `json:"waterfallTurns"`
			Underruns      int                `json:"underruns"`
			MetricsLog     []map[string]any   `json:"metricsLog"`
		} `json:"parley"`
		Console []string `json:"console"`
		Steps   []struct {
			Name string `json:"name"`
			MS   int    `json:"ms"`
		} `json:"steps"`
	}
	if jerr := json.Unmarshal(lastJSONLine(out), &res); jerr != nil {
		t.Fatalf("harness output %q: %v (%v)", out, jerr, err)
	}
	if !res.OK || err != nil {
		t.Fatalf("browser run failed: %s (%v); page state %+v; console %v", res.Error, err, res.Parley, res.Console)
	}
	t.Logf("browser steps: %+v", res.Steps)
	p := res.Parley
	// The page keeps the last 50 transcripts and 10 waterfall rows: check
	// the last turn.
	var final string
	last := 0
	for _, tr := range p.Transcripts {
		if tr.Final && tr.Turn > last {
			last, final = tr.Turn, tr.Text
		}
	}
	if !strings.Contains(final, "time") {
		t.Errorf("final transcript of turn %d: %q", last, final)
	}
	turn := strconv.Itoa(last)
	if a := p.Responses[turn]; !strings.Contains(a, "It's") {
		t.Errorf("answer of turn %d: %q", last, a)
	}
	// The answer tells the time: "It's twelve AM." at midnight is short.
	if p.PlayedMs[turn] < 600 {
		t.Errorf("turn %d played %.0f ms of answer audio", last, p.PlayedMs[turn])
	}
	if n := len(p.WaterfallTurns); n == 0 || p.WaterfallTurns[n-1] != last {
		t.Errorf("waterfall turns %v, want the last to be %d", p.WaterfallTurns, last)
	}
	if len(p.MetricsLog) < turns {
		t.Errorf("%d metrics for %d turns", len(p.MetricsLog), turns)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot: %v", err)
	}
	if turns > 1 {
		reportLatency(t, p.MetricsLog)
	}
}

// reportLatency logs the median and 90th percentile of each stage.
func reportLatency(t *testing.T, log []map[string]any) {
	stages := []string{"speech_end_to_transcript_ms", "transcript_to_first_token_ms", "first_token_to_first_audio_ms",
		"first_audio_to_played_ms", "speech_end_to_played_ms"}
	for _, st := range stages {
		var v []float64
		for _, m := range log {
			if x, ok := m[st].(float64); ok && x > 0 {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			continue
		}
		sort.Float64s(v)
		t.Logf("%-32s n=%d median %.0f ms, p90 %.0f ms, min %.0f, max %.0f", st, len(v), v[len(v)/2], v[len(v)*9/10], v[0], v[len(v)-1])
	}
}

func lastJSONLine(b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return []byte(lines[len(lines)-1])
}
