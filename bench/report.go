package bench

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
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
	Config RunConfig `json:"config"`
	// Stalled is what the stalled requests of Config.Stallers did; nil
	// without them.
	Stalled     *StalledFigures `json:"stalled,omitempty"`
	ElapsedS    float64         `json:"elapsed_s"`   // wall time of the whole run
	Interrupted bool            `json:"interrupted"` // the run's context ended early

	Sessions    SessionCounts    `json:"sessions"`
	Generations GenerationCounts `json:"generations"`

	// ConnectMS is dial → session configured (config_ack, or
	// binary_mode_ack in binary mode), for the realtime and idle targets.
	ConnectMS Dist `json:"connect_ms"`

	// TTFAFlushMS is flush sent → first audio. The HTTP targets have no
	// flush: for them it is the request sent → the first audio bytes of the
	// body (batch) or the first chunk event (SSE).
	TTFAFlushMS     Dist `json:"ttfa_flush_ms"`
	TTFASentenceMS  Dist `json:"ttfa_sentence_ms"`   // first sentence end sent → first audio
	TTFAFirstTextMS Dist `json:"ttfa_first_text_ms"` // first text (HTTP: the request) sent → first audio
	// ChunkGapMS is between consecutive audio frames of a generation: chunk
	// events for SSE, body reads that carry audio for the batch target.
	ChunkGapMS Dist `json:"chunk_gap_ms"`

	Underruns Underruns `json:"underruns"`

	// RTF is audio seconds / wall seconds (first text → done), per
	// generation.
	RTF Dist `json:"rtf"`
	// RTFAggregate is all audio seconds / ElapsedS: throughput, which grows
	// with the number of sessions.
	RTFAggregate float64 `json:"rtf_aggregate"`
	// AudioS is the audio received; DoneAudioS the sum of the done
	// messages' audio_duration_ms (0 from servers without the extension,
	// and from the batch target, which has no done message).
	AudioS     float64 `json:"audio_s"`
	DoneAudioS float64 `json:"done_audio_s"`

	Errors Errors `json:"errors"`

	// Baseline is set with Config.EngineBaseline.
	Baseline *Baseline `json:"engine_baseline,omitempty"`

	// Server is the server's own figures, unless Config.MetricsURL is "".
	Server *ServerFigures `json:"server,omitempty"`
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
	Listen           bool    `json:"listen"`       // each generation heard before the next
	CorpusTexts      int     `json:"corpus_texts"` // texts, or sentences in one-sentence mode
	Seed             uint64  `json:"seed"`
	PrebufferChunks  int     `json:"prebuffer_chunks"`
}

// SessionCounts says how sessions ended.
type SessionCounts struct {
	// Established sessions were opened: for the realtime and idle targets,
	// connected and configured; the HTTP targets have nothing to open, so
	// every session that started.
	Established int `json:"established"`
	Completed   int `json:"completed"`   // ran to the end of the run; idle: held for the duration
	Failed      int `json:"failed"`      // closed by the server, refused a request, unreachable, or timed out
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

// Errors counts what went wrong. Closes, HTTP and Client count failed
// sessions (one reason each); Messages counts the server's `error`
// messages, fatal or not.
type Errors struct {
	Closes   map[int]int `json:"closes"`   // by close code; 1006: no close frame
	HTTP     map[int]int `json:"http"`     // by the status of the failed request
	Messages map[int]int `json:"messages"` // `error` messages by code
	// Client is by kind: dial, timeout, protocol, reset (an HTTP
	// connection ended early), sse_error (an SSE error event), and
	// chunk_count_mismatch (done's total_chunks differs from the frames
	// received; not a failure).
	Client map[string]int `json:"client"`
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
	for _, v := range e.HTTP {
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
	ew.printf("parley bench: %s %s (%s)\n", c.Target, c.URL, describeAudio(c))
	voice := c.VoiceDescription
	if voice == "" {
		voice = "the server's default"
	}
	ew.printf("workload: %d %s, %s; voice %s, language %s\n", c.Sessions, plural(c.Sessions, "session", "sessions"), describeWorkload(c), voice, c.Language)
	state := ""
	if r.Interrupted {
		state = " (interrupted)"
	}
	s := r.Sessions
	switch c.Target {
	case TargetIdle:
		ew.printf("ran %.1f s%s; sessions: %d established, %d held to the end, %d failed, %d interrupted\n\n",
			r.ElapsedS, state, s.Established, s.Completed, s.Failed, s.Interrupted)
	case TargetHTTPBatch, TargetSSE:
		ew.printf("ran %.1f s%s; sessions: %d completed, %d failed, %d interrupted; generations: %d completed, %d failed\n\n",
			r.ElapsedS, state, s.Completed, s.Failed, s.Interrupted, r.Generations.Completed, r.Generations.Failed)
	default:
		ew.printf("ran %.1f s%s; sessions: %d established, %d completed, %d failed, %d interrupted; generations: %d completed, %d failed\n\n",
			r.ElapsedS, state, s.Established, s.Completed, s.Failed, s.Interrupted, r.Generations.Completed, r.Generations.Failed)
	}

	rows := [][]string{{"", "n", "p50", "p90", "p99", "max", "min", "mean"}}
	row := func(name string, d Dist) {
		if d.N == 0 {
			rows = append(rows, []string{name, "0", "-", "-", "-", "-", "-", "-"})
			return
		}
		rows = append(rows, []string{name, strconv.Itoa(d.N), num(d.P50), num(d.P90), num(d.P99), num(d.Max), num(d.Min), num(d.Mean)})
	}
	if c.Target == TargetIdle {
		row("connect (ms)", r.ConnectMS)
		writeTable(ew, rows)
		ew.printf("\n")
		r.writeServer(ew)
		r.writeErrors(ew)
		return ew.err
	}
	row("TTFA after flush (ms)", r.TTFAFlushMS)
	if c.Target == TargetRealtime {
		row("TTFA after 1st sentence (ms)", r.TTFASentenceMS)
		row("TTFA after 1st text (ms)", r.TTFAFirstTextMS)
	}
	row("chunk gap (ms)", r.ChunkGapMS)
	row("real-time factor", r.RTF)
	if c.Target == TargetRealtime {
		row("connect (ms)", r.ConnectMS)
	}
	if b := r.Baseline; b != nil {
		row("bare engine first chunk (ms)", b.FirstChunkMS)
	}
	writeTable(ew, rows)
	switch c.Target {
	case TargetHTTPBatch:
		ew.printf("(HTTP has no flush: TTFA is from the request being sent to the first body bytes; chunks are body reads)\n")
	case TargetSSE:
		ew.printf("(HTTP has no flush: TTFA is from the request being sent to the first chunk event; chunks are chunk events)\n")
	}
	if c.Target == TargetHTTPBatch {
		ew.printf("\naudio: %.1f s received; aggregate real-time factor %.1f\n", r.AudioS, r.RTFAggregate)
	} else {
		ew.printf("\naudio: %.1f s received (done messages: %.1f s); aggregate real-time factor %.1f\n", r.AudioS, r.DoneAudioS, r.RTFAggregate)
	}
	ew.printf("underruns (player starts after %d %s): %d of %d generations, %d in all, %.0f ms waiting\n",
		c.PrebufferChunks, plural(c.PrebufferChunks, "chunk", "chunks"), r.Underruns.Generations, r.Generations.Completed, r.Underruns.Events, r.Underruns.TotalMS)
	if st := r.Stalled; st != nil {
		ew.printf("stalled SSE requests of another key held open throughout: %d at once, %d opened, %d failed to open\n", st.Held, st.Opened, st.Failed)
	}
	r.writeServer(ew)
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

// writeServer writes the server's figures, if they were scraped.
func (r *Report) writeServer(ew *errWriter) {
	f := r.Server
	if f == nil {
		return
	}
	ew.printf("server (%s):\n", f.MetricsURL)
	rows := [][]string{{"", "at (s)", "sessions open", "RSS (MiB)", "goroutines"}}
	var failed []string
	for _, p := range []struct {
		name string
		sc   Scrape
	}{{"start", f.Start}, {"peak", f.Peak}, {"end", f.End}} {
		if p.sc.Error != "" {
			failed = append(failed, fmt.Sprintf("  %s: %s\n", p.name, p.sc.Error))
		}
		rss, gr := "-", "-"
		if p.sc.RSSBytes > 0 {
			rss = fmt.Sprintf("%.1f", float64(p.sc.RSSBytes)/(1<<20))
		}
		if p.sc.Goroutines > 0 {
			gr = strconv.Itoa(p.sc.Goroutines)
		}
		rows = append(rows, []string{"  " + p.name, num(p.sc.AtS), strconv.Itoa(p.sc.SessionsOpen), rss, gr})
	}
	writeTable(ew, rows)
	for _, line := range failed {
		ew.printf("%s", line)
	}
	switch {
	case f.RSSPerSessionBytes != 0:
		ew.printf("  RSS with %d idle %s: %+.1f MiB over the start, %s per session\n",
			f.Peak.SessionsOpen, plural(f.Peak.SessionsOpen, "session", "sessions"),
			float64(f.Peak.RSSBytes-f.Start.RSSBytes)/(1<<20), kibOrMiB(f.RSSPerSessionBytes))
	case f.Start.RSSBytes > 0 && f.Peak.RSSBytes > 0:
		ew.printf("  RSS at the peak: %+.1f MiB over the start\n", float64(f.Peak.RSSBytes-f.Start.RSSBytes)/(1<<20))
	}
}

func (r *Report) writeErrors(ew *errWriter) {
	e := r.Errors
	if len(e.Closes) == 0 && len(e.HTTP) == 0 && len(e.Messages) == 0 && len(e.Client) == 0 {
		ew.printf("errors: none\n")
		return
	}
	ew.printf("errors:\n")
	for _, code := range slices.Sorted(maps.Keys(e.Closes)) {
		ew.printf("  closed with %d (%s): %d %s\n", code, closeName(code), e.Closes[code], plural(e.Closes[code], "session", "sessions"))
	}
	for _, code := range slices.Sorted(maps.Keys(e.HTTP)) {
		ew.printf("  http %d (%s): %d %s\n", code, http.StatusText(code), e.HTTP[code], plural(e.HTTP[code], "session", "sessions"))
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

// describeAudio says how the target receives audio.
func describeAudio(c RunConfig) string {
	switch c.Target {
	case TargetHTTPBatch:
		return "raw pcm body"
	case TargetSSE:
		return "base64 chunk events"
	}
	return c.Mode + " audio"
}

func describeWorkload(c RunConfig) string {
	if c.Target == TargetIdle {
		return fmt.Sprintf("configured, then held idle for %g s", c.DurationS)
	}
	var s string
	switch {
	case c.OneSentence:
		s = fmt.Sprintf("one sentence per generation (%d %s)", c.CorpusTexts, plural(c.CorpusTexts, "sentence", "sentences"))
	case c.Target == TargetHTTPBatch || c.Target == TargetSSE:
		s = fmt.Sprintf("whole texts, one request each (%d %s)", c.CorpusTexts, plural(c.CorpusTexts, "text", "texts"))
	case c.TokensPerSec == 0:
		s = fmt.Sprintf("whole texts in one message (%d %s)", c.CorpusTexts, plural(c.CorpusTexts, "text", "texts"))
	default:
		s = fmt.Sprintf("texts streamed as %d–%d character tokens at %g/s (%d %s)", minTokenChars, maxTokenChars, c.TokensPerSec, c.CorpusTexts, plural(c.CorpusTexts, "text", "texts"))
	}
	if c.Listen {
		s += ", each played to the end before the next"
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

func kibOrMiB(b float64) string {
	if math.Abs(b) >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", b/(1<<10))
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

// StalledFigures describes the run's stalled requests (Config.Stallers):
// how many were held open at once, and how many were opened and failed to
// open over the run.
type StalledFigures struct {
	Held   int   `json:"held"`
	Opened int64 `json:"opened"`
	Failed int64 `json:"failed"`
}
