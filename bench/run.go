package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// progressEvery is how often the progress line is refreshed.
const progressEvery = 500 * time.Millisecond

// Run runs the benchmark described by cfg and returns its report. Problems
// of sessions (closes, timeouts, unreachable server) are counted in the
// report, not returned. If ctx ends, Run stops every session at once and
// returns the report so far, marked Interrupted, with ctx's error. If
// progress is not nil, a progress line is refreshed on it about twice a
// second.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.httpTarget() {
		cfg.TokensPerSec = 0
	}
	cfg.URL = cfg.endpoint()
	texts := cfg.Corpus
	if texts == nil {
		texts = BuiltinCorpus()
	}
	if cfg.OneSentence {
		texts = sentences(texts)
		if len(texts) == 0 {
			return nil, ErrNoSentences
		}
	}
	lang, _ := protocol.ParseLanguage(cfg.Language)
	col := newCollector(cfg.OneSentence || cfg.httpTarget())
	r := &runner{cfg: cfg, texts: texts, lang: lang, col: col, gate: make(chan struct{})}
	if cfg.EngineBaseline {
		b, err := openBaseline(cfg.VoiceDescription, lang)
		if err != nil {
			return nil, fmt.Errorf("bench: engine baseline: %w", err)
		}
		defer b.close()
		r.base = b
	}
	client, tr := newHTTPClient(cfg)
	defer tr.CloseIdleConnections()
	switch cfg.Target {
	case TargetHTTPBatch, TargetSSE:
		r.target = &httpTarget{cfg: cfg, url: cfg.URL, client: client, sse: cfg.Target == TargetSSE}
	default:
		r.target = &realtimeTarget{cfg: cfg, sink: col.serverError}
	}
	var server *ServerFigures
	if u := cfg.metricsEndpoint(); u != "" {
		r.scraper = &scraper{url: u, client: client}
		server = &ServerFigures{MetricsURL: u}
		server.Start = r.scrapeNow(ctx)
	}

	var stalled *stallers
	if cfg.Stallers > 0 {
		var err error
		if stalled, err = startStallers(ctx, cfg, longText(texts)); err != nil {
			return nil, err
		}
	}
	r.start = time.Now()
	var wg, peak sync.WaitGroup
	r.arrived.Add(cfg.Sessions)
	peak.Go(func() {
		r.arrived.Wait()
		if server != nil {
			server.Peak = r.scrapeNow(ctx)
		}
		close(r.gate)
	})
	for i := range cfg.Sessions {
		wg.Go(func() { r.session(ctx, i) })
	}
	if progress != nil {
		stop := make(chan struct{})
		var pw sync.WaitGroup
		pw.Go(func() { r.progress(progress, stop) })
		defer pw.Wait()
		defer close(stop)
	}
	wg.Wait()
	peak.Wait()
	elapsed := time.Since(r.start)
	if stalled != nil {
		stalled.stop()
	}
	if server != nil {
		server.End = r.scrapeNow(ctx)
		server.perSession(cfg.Target)
	}
	rep := col.report(cfg, len(texts), elapsed)
	rep.Server = server
	if stalled != nil {
		rep.Stalled = &StalledFigures{Held: cfg.Stallers, Opened: stalled.opened.Load(), Failed: stalled.failed.Load()}
	}
	if err := ctx.Err(); err != nil {
		rep.Interrupted = true
		return rep, err
	}
	return rep, nil
}

// runner is one run: it owns the sessions' goroutines through Run.
type runner struct {
	cfg     Config
	texts   []string
	lang    protocol.Language
	target  target
	base    *baseline
	col     *collector
	scraper *scraper // nil: no metrics
	start   time.Time

	// Sessions that end normally stay open until every session has
	// arrived at the peak and the peak has been measured: gate is closed
	// then.
	arrived sync.WaitGroup
	gate    chan struct{}
}

func (r *runner) expired() bool {
	return r.cfg.Duration > 0 && time.Since(r.start) >= r.cfg.Duration
}

func (r *runner) scrapeNow(ctx context.Context) Scrape {
	at := time.Now()
	open := int(r.col.up.Load())
	sc := r.scraper.scrape(ctx)
	if !r.start.IsZero() {
		sc.AtS = at.Sub(r.start).Seconds()
	}
	sc.SessionsOpen = open
	return sc
}

// session runs session i from its ramp delay to its end, and keeps it open
// until the peak if it ended normally.
func (r *runner) session(ctx context.Context, i int) {
	c, err := r.run(ctx, i)
	r.col.sessionEnded(err)
	r.arrived.Done()
	select {
	case <-r.gate:
	case <-ctx.Done():
	}
	if c != nil {
		c.close()
		r.col.up.Add(-1)
	}
}

// run opens session i and does its work. It returns the conn, still open,
// unless the session failed, and why the session ended (nil: normally).
func (r *runner) run(ctx context.Context, i int) (conn, error) {
	delay := r.cfg.Ramp * time.Duration(i) / time.Duration(r.cfg.Sessions)
	t := time.NewTimer(delay)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		return nil, ctx.Err()
	}
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(i)))
	opened := time.Now()
	c, err := r.target.open(ctx)
	if err != nil {
		return nil, err
	}
	r.col.opened(time.Since(opened), !r.cfg.httpTarget())
	r.col.up.Add(1)
	if r.cfg.Target == TargetIdle {
		// realtimeTarget's conns are holders.
		err = c.(holder).hold(ctx, r.start.Add(r.cfg.Duration))
	} else {
		err = r.generations(ctx, c, rng)
	}
	if err != nil && ctx.Err() == nil {
		c.close()
		r.col.up.Add(-1)
		return nil, err
	}
	return c, err
}

// generations runs the session's generations on c.
func (r *runner) generations(ctx context.Context, c conn, rng *rand.Rand) error {
	for n := 0; r.cfg.Generations == 0 || n < r.cfg.Generations; n++ {
		if r.expired() || ctx.Err() != nil {
			break
		}
		w := r.newWork(rng)
		// Alternate which of the two goes first, so that neither is always
		// the one that finds the text's data in the caches.
		if r.base != nil && n%2 == 0 {
			r.measureBaseline(ctx, w)
		}
		g, err := c.generate(ctx, w)
		if err != nil {
			r.col.generationFailed(ctx.Err() == nil)
			return err
		}
		if r.base != nil && n%2 == 1 {
			r.measureBaseline(ctx, w)
		}
		played := r.col.addGeneration(g, r.cfg.PrebufferChunks)
		if r.cfg.Listen {
			// A conversation: the next answer comes once this one has been
			// heard.
			t := time.NewTimer(time.Until(played))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
	}
	return ctx.Err()
}

func (r *runner) newWork(rng *rand.Rand) *work {
	text := r.texts[rng.IntN(len(r.texts))]
	runes := []rune(text)
	w := &work{text: text, boundary: -1}
	at := firstBoundary(runes)
	if r.cfg.OneSentence || r.cfg.TokensPerSec == 0 {
		w.tokens = []string{text}
		if at >= 0 {
			w.boundary = 0
		}
	} else {
		var ends []int
		w.tokens, ends = tokenize(runes, rng)
		w.interval = time.Duration(float64(time.Second) / r.cfg.TokensPerSec)
		if at >= 0 {
			// The token holding character at completes the boundary.
			w.boundary, _ = slices.BinarySearch(ends, at+1)
		}
	}
	if r.base != nil {
		w.firstSegment = firstSegment(text, r.lang)
	}
	return w
}

func (r *runner) measureBaseline(ctx context.Context, w *work) {
	d, err := r.base.firstChunk(ctx, w.firstSegment)
	if ctx.Err() != nil {
		return
	}
	r.col.addBaseline(d, err)
}

func (r *runner) progress(w io.Writer, stop <-chan struct{}) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			fmt.Fprintf(w, "\r%s\n", r.col.progressLine(time.Since(r.start), r.cfg.Sessions))
			return
		case <-t.C:
			fmt.Fprintf(w, "\r%s", r.col.progressLine(time.Since(r.start), r.cfg.Sessions))
		}
	}
}

// maxExamples bounds Errors.Examples.
const maxExamples = 10

// clientChunkMismatch counts done messages whose total_chunks differs from
// the audio frames received.
const clientChunkMismatch = "chunk_count_mismatch"

// collector gathers every sample of a run. Sessions add to it as they go,
// so the progress line can show the run so far.
type collector struct {
	flushPrimary bool         // TTFA after flush is the primary latency
	up           atomic.Int64 // sessions open

	mu                                          sync.Mutex
	ttfaFlush, ttfaSentence, ttfaText           []float64
	gaps, rtf, baseFirst, connect               []float64
	gens, gensFailed, baseErrors                int
	samples, doneAudioMS                        int64
	underrunGens, underruns                     int
	dry                                         time.Duration
	established, completed, failed, interrupted int
	closes, statuses, messages                  map[int]int
	client                                      map[string]int
	examples                                    []string
}

// newCollector returns an empty collector. flushPrimary makes TTFA after
// flush the latency of the progress line and of the baseline comparison:
// in one-sentence mode, and for the HTTP targets, where the whole text
// comes at once.
func newCollector(flushPrimary bool) *collector {
	return &collector{flushPrimary: flushPrimary, closes: map[int]int{}, statuses: map[int]int{}, messages: map[int]int{}, client: map[string]int{}}
}

// opened counts a session opened in d; connected says that it made a
// connection (the WebSocket targets), whose time is a sample.
func (c *collector) opened(d time.Duration, connected bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.established++
	if connected {
		c.connect = append(c.connect, ms(d))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// addGeneration records a completed generation and returns when its
// simulated player has played the last of its audio.
func (c *collector) addGeneration(g *genRecord, prebuffer int) time.Time {
	var gaps []float64
	frames := make([]arrival, len(g.frames))
	samples := 0
	for i, f := range g.frames {
		samples += f.samples
		frames[i] = arrival{at: f.at.Sub(g.firstText), audio: samplesDuration(f.samples)}
		if i > 0 {
			gaps = append(gaps, ms(f.at.Sub(g.frames[i-1].at)))
		}
	}
	pb := simulatePlayback(frames, prebuffer)
	audio := samplesDuration(samples)
	wall := g.done.Sub(g.firstText)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens++
	c.samples += int64(samples)
	c.gaps = append(c.gaps, gaps...)
	if len(g.frames) > 0 {
		first := g.frames[0].at
		c.ttfaFlush = append(c.ttfaFlush, ms(first.Sub(g.flush)))
		c.ttfaText = append(c.ttfaText, ms(first.Sub(g.firstText)))
		if !g.boundary.IsZero() {
			c.ttfaSentence = append(c.ttfaSentence, ms(first.Sub(g.boundary)))
		}
	}
	if audio > 0 && wall > 0 {
		c.rtf = append(c.rtf, audio.Seconds()/wall.Seconds())
	}
	if pb.underruns > 0 {
		c.underrunGens++
		c.underruns += pb.underruns
		c.dry += pb.dry
	}
	if d := g.doneMsg; d != nil {
		c.doneAudioMS += d.audioDurationMS
		if d.totalChunks != len(g.frames) {
			c.client[clientChunkMismatch]++
			c.example(fmt.Sprintf("done.total_chunks %d, %d audio frames received", d.totalChunks, len(g.frames)))
		}
	}
	return g.firstText.Add(pb.end)
}

func samplesDuration(n int) time.Duration {
	return time.Duration(n) * time.Second / protocol.SampleRate
}

func (c *collector) addBaseline(d time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.baseErrors++
		c.example("engine baseline: " + err.Error())
		return
	}
	c.baseFirst = append(c.baseFirst, ms(d))
}

func (c *collector) generationFailed(failed bool) {
	if !failed {
		return
	}
	c.mu.Lock()
	c.gensFailed++
	c.mu.Unlock()
}

// sessionEnded counts a session by how it ended: nil is a normal end, a
// context error an interruption, anything else a failure.
func (c *collector) sessionEnded(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var f *failure
	switch {
	case err == nil:
		c.completed++
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		c.interrupted++
	case errors.As(err, &f):
		c.failed++
		switch f.kind {
		case failClose:
			c.closes[f.code]++
		case failHTTP:
			c.statuses[f.code]++
		default:
			c.client[f.kind]++
		}
		c.example(f.Error())
	default:
		c.failed++
		c.client[failProtocol]++
		c.example(err.Error())
	}
}

// serverError is the errorSink of every session.
func (c *collector) serverError(code int, message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.messages[code]++
	c.example(fmt.Sprintf("error message %d: %s", code, message))
}

// example records a distinct description. Called with mu held.
func (c *collector) example(s string) {
	if len(c.examples) < maxExamples && !slices.Contains(c.examples, s) {
		c.examples = append(c.examples, s)
	}
}

// primary is the TTFA the progress line and the baseline ratio use.
func (c *collector) primary() ([]float64, string) {
	if c.flushPrimary {
		return c.ttfaFlush, "ttfa_flush_ms"
	}
	return c.ttfaSentence, "ttfa_sentence_ms"
}

func (c *collector) progressLine(elapsed time.Duration, sessions int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttfa, _ := c.primary()
	p50 := "-"
	if len(ttfa) > 0 {
		p50 = fmt.Sprintf("%.1f ms", percentile(slices.Sorted(slices.Values(ttfa)), 50))
	}
	return fmt.Sprintf("%6.1fs  sessions up %d/%d  generations %d  TTFA p50 %s   ",
		elapsed.Seconds(), c.up.Load(), sessions, c.gens, p50)
}

func (c *collector) report(cfg Config, corpus int, elapsed time.Duration) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Report{
		Config: RunConfig{
			Target: cfg.Target, URL: cfg.URL, Mode: cfg.Mode,
			VoiceDescription: cfg.VoiceDescription, Language: cfg.Language,
			Sessions: cfg.Sessions, RampS: cfg.Ramp.Seconds(), DurationS: cfg.Duration.Seconds(),
			Generations: cfg.Generations, TokensPerSec: cfg.TokensPerSec, OneSentence: cfg.OneSentence,
			Listen:      cfg.Listen,
			CorpusTexts: corpus, Seed: cfg.Seed, PrebufferChunks: cfg.PrebufferChunks,
		},
		ElapsedS:        elapsed.Seconds(),
		Sessions:        SessionCounts{Established: c.established, Completed: c.completed, Failed: c.failed, Interrupted: c.interrupted},
		Generations:     GenerationCounts{Completed: c.gens, Failed: c.gensFailed},
		ConnectMS:       distOf(c.connect),
		TTFAFlushMS:     distOf(c.ttfaFlush),
		TTFASentenceMS:  distOf(c.ttfaSentence),
		TTFAFirstTextMS: distOf(c.ttfaText),
		ChunkGapMS:      distOf(c.gaps),
		Underruns:       Underruns{Generations: c.underrunGens, Events: c.underruns, TotalMS: ms(c.dry)},
		RTF:             distOf(c.rtf),
		AudioS:          samplesDuration(int(c.samples)).Seconds(),
		DoneAudioS:      float64(c.doneAudioMS) / 1000,
		Errors: Errors{
			Closes: c.closes, HTTP: c.statuses, Messages: c.messages, Client: c.client,
			Examples: append([]string{}, c.examples...),
		},
	}
	if elapsed > 0 {
		r.RTFAggregate = r.AudioS / elapsed.Seconds()
	}
	if cfg.EngineBaseline {
		_, metric := c.primary()
		b := &Baseline{
			Order:        "interleaved: each generation's first segment just before or after it, alternating",
			FirstChunkMS: distOf(c.baseFirst),
			Errors:       c.baseErrors,
			ServerMetric: metric,
		}
		server := r.TTFASentenceMS
		if c.flushPrimary {
			server = r.TTFAFlushMS
		}
		if b.FirstChunkMS.P50 > 0 {
			b.RatioP50 = server.P50 / b.FirstChunkMS.P50
		}
		if b.FirstChunkMS.P99 > 0 {
			b.RatioP99 = server.P99 / b.FirstChunkMS.P99
		}
		r.Baseline = b
	}
	return r
}

// longText is the corpus joined to about protocol.MaxBufferChars
// characters: several minutes of speech, far more than socket buffers
// hold.
func longText(texts []string) string {
	var b strings.Builder
	for b.Len() < protocol.MaxBufferChars-500 {
		for _, t := range texts {
			if b.Len()+len(t)+1 > protocol.MaxBufferChars-100 {
				return b.String()
			}
			b.WriteString(t)
			b.WriteByte(' ')
		}
	}
	return b.String()
}
