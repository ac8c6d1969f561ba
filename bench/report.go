package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Report is the result of a run; `parley bench --json` prints it. Field
// names are stable. Latencies are in milliseconds (float), audio and wall
// times in seconds, real-time factors are plain ratios.
type Report struct {
	Config      RunConfig `json:"config"`
	ElapsedS    float64   `json:"elapsed_s"`   // wall time of the whole run
	Interrupted bool      `json:"interrupted"` // the run's context ended early

	Sessions    SessionCounts    `json:"sessions"`
	Generations GenerationCounts `json:"generations"`

	TTFAFlushMS     Dist `json:"ttfa_flush_ms"`      // flush sent → first audio
	TTFASentenceMS  Dist `json:"ttfa_sentence_ms"`   // first sentence end sent → first audio
	TTFAFirstTextMS Dist `json:"ttfa_first_text_ms"` // first text sent → first audio
	ChunkGapMS      Dist `json:"chunk_gap_ms"`       // between consecutive audio frames of a generation

	Underruns Underruns `json:"underruns"`

	// RTF is audio seconds / wall seconds (first text → done), per
	// generation.
	RTF Dist `json:"rtf"`
	// RTFAggregate is all audio seconds / ElapsedS: throughput, which grows
	// with the number of sessions.
	RTFAggregate float64 `json:"rtf_aggregate"`
	// AudioS is the audio received; DoneAudioS the sum of the done
	// messages' audio_duration_ms (0 from servers without the extension).
	AudioS     float64 `json:"audio_s"`
	DoneAudioS float64 `json:"done_audio_s"`

	Errors Errors `json:"errors"`

	// Baseline is set with Config.EngineBaseline.
	Baseline *Baseline `json:"engine_baseline,omitempty"`
}

// RunConfig echoes the settings of a run (never the key).
type RunConfig struct {
	Target           string  `json:"target"`
	URL              string  `json:"url"`
	Mode             string  `json:"mode"`
	VoiceDescription string  `json:"voice_description"`
	Language         string  `json:"language"`
	Sessions         int     `json:"sessions"`
	RampS            float64 `json:"ramp_s"`
	DurationS        float64 `json:"duration_s"`  // 0: no limit
	Generations      int     `json:"generations"` // per session; 0: no limit
	TokensPerSec     float64 `json:"tokens_per_sec"`
	OneSentence      bool    `json:"one_sentence"`
	CorpusTexts      int     `json:"corpus_texts"` // texts, or sentences in one-sentence mode
	Seed             uint64  `json:"seed"`
	PrebufferChunks  int     `json:"prebuffer_chunks"`
}

// SessionCounts says how sessions ended.
type SessionCounts struct {
	Completed   int `json:"completed"`   // ran to the end of the run
	Failed      int `json:"failed"`      // closed by the server, unreachable, or timed out
	Interrupted int `json:"interrupted"` // cut short by the run's context
}

// GenerationCounts counts generations.
type GenerationCounts struct {
	Completed int `json:"completed"` // done received
	Failed    int `json:"failed"`    // started, but the session failed before done
}

// Underruns is what the simulated players heard.
type Underruns struct {
	Generations int     `json:"generations"` // generations with at least one underrun
	Events      int     `json:"events"`      // underruns in all
	TotalMS     float64 `json:"total_ms"`    // time spent waiting for audio
}

// Errors counts what went wrong. Closes and Client count failed sessions
// (one reason each); Messages counts the server's `error` messages, fatal
// or not.
type Errors struct {
	Closes   map[int]int    `json:"closes"`   // by close code; 1006: no close frame
	Messages map[int]int    `json:"messages"` // `error` messages by code
	Client   map[string]int `json:"client"`   // dial, timeout, protocol, chunk_count_mismatch
	// Examples are up to 10 distinct descriptions, for diagnosis.
	Examples []string `json:"examples"`
}

// Baseline compares the server with the bare engines.
type Baseline struct {
	Order string `json:"order"`
	// FirstChunkMS is the bare engine's time from call to first chunk.
	FirstChunkMS Dist `json:"first_chunk_ms"`
	Errors       int  `json:"errors"`
	// ServerMetric names the server latency compared: ttfa_flush_ms in
	// one-sentence mode, ttfa_sentence_ms otherwise.
	ServerMetric string  `json:"server_metric"`
	RatioP50     float64 `json:"ratio_p50"` // server p50 / bare p50
	RatioP99     float64 `json:"ratio_p99"` // server p99 / bare p99
}

// total is the number of failed sessions Errors accounts for.
func (e Errors) total() int {
	n := 0
	for _, v := range e.Closes {
		n += v
	}
	for k, v := range e.Client {
		if k != clientChunkMismatch {
			n += v
		}
	}
	return n
}

// WriteText writes the report as a readable table.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	c := r.Config
	ew.printf("parley bench: %s %s (%s audio)\n", c.Target, c.URL, c.Mode)
	voice := c.VoiceDescription
	if voice == "" {
		voice = "the server's default"
	}
	ew.printf("workload: %d %s, %s; voice %s, language %s\n", c.Sessions, plural(c.Sessions, "session", "sessions"), describeWorkload(c), voice, c.Language)
	state := ""
	if r.Interrupted {
		state = " (interrupted)"
	}
	ew.printf("ran %.1f s%s; sessions: %d completed, %d failed, %d interrupted; generations: %d completed, %d failed\n\n",
		r.ElapsedS, state, r.Sessions.Completed, r.Sessions.Failed, r.Sessions.Interrupted, r.Generations.Completed, r.Generations.Failed)

	rows := [][]string{{"", "n", "p50", "p90", "p99", "max", "min", "mean"}}
	row := func(name string, d Dist) {
		if d.N == 0 {
			rows = append(rows, []string{name, "0", "-", "-", "-", "-", "-", "-"})
			return
		}
		rows = append(rows, []string{name, strconv.Itoa(d.N), num(d.P50), num(d.P90), num(d.P99), num(d.Max), num(d.Min), num(d.Mean)})
	}
	row("TTFA after flush (ms)", r.TTFAFlushMS)
	row("TTFA after 1st sentence (ms)", r.TTFASentenceMS)
	row("TTFA after 1st text (ms)", r.TTFAFirstTextMS)
	row("chunk gap (ms)", r.ChunkGapMS)
	row("real-time factor", r.RTF)
	if b := r.Baseline; b != nil {
		row("bare engine first chunk (ms)", b.FirstChunkMS)
	}
	writeTable(ew, rows)
	ew.printf("\naudio: %.1f s received (done messages: %.1f s); aggregate real-time factor %.1f\n", r.AudioS, r.DoneAudioS, r.RTFAggregate)
	ew.printf("underruns (player starts after %d %s): %d of %d generations, %d in all, %.0f ms waiting\n",
		c.PrebufferChunks, plural(c.PrebufferChunks, "chunk", "chunks"), r.Underruns.Generations, r.Generations.Completed, r.Underruns.Events, r.Underruns.TotalMS)
	r.writeErrors(ew)
	if b := r.Baseline; b != nil {
		ew.printf("engine baseline (bare engines in this process; %s):\n  server %s / bare engine first chunk: p50 %.2fx, p99 %.2fx",
			b.Order, b.ServerMetric, b.RatioP50, b.RatioP99)
		if b.Errors > 0 {
			ew.printf("; %d bare-engine errors", b.Errors)
		}
		ew.printf("\n")
	}
	return ew.err
}

func (r *Report) writeErrors(ew *errWriter) {
	e := r.Errors
	if len(e.Closes) == 0 && len(e.Messages) == 0 && len(e.Client) == 0 {
		ew.printf("errors: none\n")
		return
	}
	ew.printf("errors:\n")
	for _, code := range slices.Sorted(maps.Keys(e.Closes)) {
		ew.printf("  closed with %d (%s): %d %s\n", code, closeName(code), e.Closes[code], plural(e.Closes[code], "session", "sessions"))
	}
	for _, code := range slices.Sorted(maps.Keys(e.Messages)) {
		ew.printf("  error messages with code %d: %d\n", code, e.Messages[code])
	}
	for _, kind := range slices.Sorted(maps.Keys(e.Client)) {
		ew.printf("  %s: %d\n", kind, e.Client[kind])
	}
	for _, ex := range e.Examples {
		ew.printf("  e.g. %s\n", ex)
	}
}

func closeName(code int) string {
	if code == closeAbnormal {
		return "no close frame"
	}
	return protocol.CloseCode(code).String()
}

func describeWorkload(c RunConfig) string {
	var s string
	switch {
	case c.OneSentence:
		s = fmt.Sprintf("one sentence per generation (%d sentences)", c.CorpusTexts)
	case c.TokensPerSec == 0:
		s = fmt.Sprintf("whole texts in one message (%d texts)", c.CorpusTexts)
	default:
		s = fmt.Sprintf("texts streamed as %d–%d character tokens at %g/s (%d texts)", minTokenChars, maxTokenChars, c.TokensPerSec, c.CorpusTexts)
	}
	var limits []string
	if c.Generations > 0 {
		limits = append(limits, fmt.Sprintf("%d %s per session", c.Generations, plural(c.Generations, "generation", "generations")))
	}
	if c.DurationS > 0 {
		limits = append(limits, fmt.Sprintf("%g s", c.DurationS))
	}
	return s + ", " + strings.Join(limits, " or ")
}

// writeTable writes rows with the first column left-aligned and the others
// right-aligned.
func writeTable(ew *errWriter, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s", widths[0], r[0])
		for i, cell := range r[1:] {
			line += fmt.Sprintf("  %*s", widths[i+1], cell)
		}
		ew.printf("%s\n", line)
	}
}

func num(v float64) string { return fmt.Sprintf("%.1f", v) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
