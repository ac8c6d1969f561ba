package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the collectors. Each server (and each test server) has its
// own, on its own registry.
type Metrics struct {
	Registry *prometheus.Registry

	SessionsActive prometheus.Gauge
	SessionsTotal  prometheus.Counter
	Generations    *prometheus.CounterVec // by outcome: done, cleared, aborted
	TTFA           prometheus.Histogram   // first segment ready → first audio written
	Errors         *prometheus.CounterVec // error messages and fatal errors, by code
	Closes         *prometheus.CounterVec // closes by code
	Characters     prometheus.Counter
	AudioSeconds   prometheus.Counter
	SynthSeconds   *prometheus.HistogramVec // engine time per segment, by engine
	HTTPRequests   *prometheus.CounterVec   // by route and status
	VoiceAnalyses  *prometheus.CounterVec   // reference audio analyses by outcome
	AgentSessions  *prometheus.GaugeVec     // by transport: browser, twilio
	AgentStage     *prometheus.HistogramVec // agent turn latency by stage and transport
	AgentCalls     *prometheus.HistogramVec // finished agent sessions' length, by transport
	TwilioWebhooks *prometheus.CounterVec   // voice webhooks by outcome
}

// latencyBuckets covers 0.5 ms to 10 s, dense where time to first audio
// lives: espeak-ng's first audio takes about a millisecond, flite's tens.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .02, .03, .05, .075, .1, .15, .2, .3, .5, .75, 1, 2, 5, 10}

// New creates the collectors on a fresh registry, with the Go and process
// collectors included.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		SessionsActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_realtime_sessions", Help: "Open realtime WebSocket sessions."}),
		SessionsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_realtime_sessions_total", Help: "Realtime WebSocket sessions accepted."}),
		Generations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_generations_total", Help: "Generations by outcome (done, cleared, aborted)."}, []string{"outcome"}),
		TTFA: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parley_time_to_first_audio_seconds",
			Help:    "From the first segment of a generation being ready to its first audio byte written.",
			Buckets: latencyBuckets}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_errors_total", Help: "Errors reported to clients, by protocol code."}, []string{"code"}),
		Closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_realtime_closes_total", Help: "Realtime sessions closed, by close code."}, []string{"code"}),
		Characters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_characters_total", Help: "Characters synthesised."}),
		AudioSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_audio_seconds_total", Help: "Seconds of audio produced."}),
		SynthSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_engine_segment_seconds", Help: "Engine wall time per segment.", Buckets: latencyBuckets}, []string{"engine"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP API requests by route and status."}, []string{"route", "status"}),
		VoiceAnalyses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_voice_analyses_total",
			Help: "Analyses of reference audio by outcome: matched, refused (the audio cannot describe a voice), cancelled (the client left), failed."}, []string{"outcome"}),
		AgentSessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_agent_sessions", Help: "Open voice agent sessions, by transport (browser, twilio)."}, []string{"transport"}),
		AgentStage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_agent_turn_stage_seconds",
			Help: "Voice agent turn latency by stage (speech_end_to_transcript, transcript_to_first_token, first_token_to_first_audio, " +
				"first_audio_to_played, speech_end_to_played) and transport (browser, twilio).",
			Buckets: latencyBuckets}, []string{"stage", "transport"}),
		AgentCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parley_agent_session_seconds",
			Help:    "Length of finished voice agent sessions (phone calls, browser conversations), by transport.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600}}, []string{"transport"}),
		TwilioWebhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_twilio_webhooks_total",
			Help: "Twilio voice webhooks by outcome: connected, refused (the number's key cannot take calls), forbidden (not signed by Twilio for a registered number), error."},
			[]string{"outcome"}),
	}
	for _, t := range []string{"browser", "twilio"} {
		m.AgentSessions.WithLabelValues(t)
	}
	reg.MustRegister(m.SessionsActive, m.SessionsTotal, m.Generations, m.TTFA, m.Errors, m.Closes,
		m.Characters, m.AudioSeconds, m.SynthSeconds, m.HTTPRequests, m.VoiceAnalyses, m.AgentSessions, m.AgentStage,
		m.AgentCalls, m.TwilioWebhooks)
	return m
}

// Code formats a protocol code as a label value.
func Code(code int) string { return strconv.Itoa(code) }

// EngineStat is one engine's load at a moment.
type EngineStat struct {
	Engine string
	Queued int // requests waiting for the engine
	Busy   int // requests being synthesised
}

// ObserveEngines exports the engines' queue and busy gauges, read from stats
// at every scrape.
func (m *Metrics) ObserveEngines(stats func() []EngineStat) {
	m.Registry.MustRegister(engineCollector(stats))
}

type engineCollector func() []EngineStat

var (
	engineQueueDesc = prometheus.NewDesc("parley_engine_queue", "Segments waiting for an engine.", []string{"engine"}, nil)
	engineBusyDesc  = prometheus.NewDesc("parley_engine_busy", "Segments being synthesised.", []string{"engine"}, nil)
)

func (c engineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- engineQueueDesc
	ch <- engineBusyDesc
}

func (c engineCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c() {
		ch <- prometheus.MustNewConstMetric(engineQueueDesc, prometheus.GaugeValue, float64(s.Queued), s.Engine)
		ch <- prometheus.MustNewConstMetric(engineBusyDesc, prometheus.GaugeValue, float64(s.Busy), s.Engine)
	}
}

// ObserveRedis exports parley_redis_up, read from up at every scrape: 1
// while limits are shared through Redis, 0 while this node counts alone
// because Redis is unreachable. Only nodes started with Redis have it.
func (m *Metrics) ObserveRedis(up func() bool) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_redis_up",
		Help: "1 while per-key and per-address limits are shared through Redis; 0 while Redis is unreachable and this node counts alone.",
	}, func() float64 {
		if up() {
			return 1
		}
		return 0
	}))
}

// ObservePendingCharges exports parley_usage_charges_pending_chars, read
// from pending at every scrape: the characters spoken whose usage charge
// waits in memory for the store to answer again (0 normally).
func (m *Metrics) ObservePendingCharges(pending func() int64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_usage_charges_pending_chars",
		Help: "Characters spoken whose usage charge is kept in memory until the store can be reached again.",
	}, func() float64 { return float64(pending()) }))
}

// ModelStat is one loaded neural model's memory.
type ModelStat struct {
	Engine, Model string
	Bytes         int64
}

// ObserveModels exports a gauge per loaded neural model, its resident
// memory, read from stats at every scrape.
func (m *Metrics) ObserveModels(stats func() []ModelStat) {
	m.Registry.MustRegister(modelCollector(stats))
}

type modelCollector func() []ModelStat

var modelBytesDesc = prometheus.NewDesc("parley_engine_model_bytes",
	"Resident memory that loading each neural model added to the process.", []string{"engine", "model"}, nil)

func (c modelCollector) Describe(ch chan<- *prometheus.Desc) { ch <- modelBytesDesc }

func (c modelCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c() {
		ch <- prometheus.MustNewConstMetric(modelBytesDesc, prometheus.GaugeValue, float64(s.Bytes), s.Engine, s.Model)
	}
}
