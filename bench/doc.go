// Package bench owns Parley's load generator, the engine of `parley bench`.
// It drives any murmr-compatible server the way voice agents do, through
// the realtime WebSocket or the HTTP endpoints, and measures what a
// listener would hear: when the first audio arrives, how evenly the rest
// follows, and whether a player would run dry. It can also hold idle
// sessions, and reads the server's memory and goroutines from its metrics.
//
// # Workload
//
// Config.Sessions sessions connect, ramped up over Config.Ramp so that the
// connection storm does not dominate, and each runs generations back to
// back until Config.Duration has passed (a generation in flight then
// finishes) or it has run Config.Generations. A generation streams one text
// of the corpus (BuiltinCorpus, or Config.Corpus) as tokens of 1 to 6
// characters at Config.TokensPerSec, like an LLM, then flushes and waits for
// done. With TokensPerSec 0 the whole text goes in one message. In
// one-sentence mode (Config.OneSentence) each generation sends one short
// sentence of the corpus in one message, followed at once by the flush.
// With Config.Listen a session waits after each generation until its
// simulated player (see Underruns) has played the audio, as a voice agent's
// user listens to an answer before the next: each session then needs audio
// at the rate it plays, where back-to-back generations need it as fast as
// the server can make it, a much heavier load per session.
// Token sizes and text choice come from a generator seeded with Config.Seed
// and the session's index, so runs are repeatable.
//
// A session never reconnects: a session that the server closes, that cannot
// connect, or whose done does not come within Config.GenerationTimeout has
// failed, and its close code or error is reported. A session that ends
// normally stays open until every session has finished, so that the
// server's figures at the peak (below) see them all.
//
// The HTTP targets (TargetHTTPBatch, TargetSSE) have no text stream: a
// session is a client sending one request after another, each with a whole
// text (TokensPerSec is ignored and reported as 0), over a connection it
// keeps. A request answered with an error status ends the session, like a
// close ends a realtime one, and is counted by status ("http 429"); so are
// a broken connection (reset), a response that does not end within
// Config.GenerationTimeout (timeout) and an SSE error event (sse_error).
// The key goes in an Authorization: Bearer header.
//
// The idle target (TargetIdle) opens Config.Sessions realtime sessions,
// ramped, sends config (and binary_mode in binary mode), waits for the
// acknowledgement, and holds them without generations until Config.Duration
// has passed since the run began (and every session has been opened); the
// WebSocket library answers the server's pings meanwhile. It reports how
// many sessions were established, how many were still open at the end
// ("held") and how the others failed, by close code, with connect times.
// With the server's metrics this is "RSS with N idle sessions". A Parley
// server's default limits (10 connections per key, 50 per address, 500 in
// all) must be raised for large N.
//
// # Measurements
//
// Every timestamp is time.Now (monotonic). A send is stamped just before its
// frame is written; an arrival just after the frame header is read, which
// is the first byte of the frame on a loopback or LAN. An HTTP request is
// stamped when it has a connection, just before it is written (setting up
// a connection is not counted, as the WebSocket dial is not); a batch
// body's audio arrives with each read of the body that returns bytes, and
// an SSE chunk when the data line of its event has been read. Percentiles
// are exact nearest-rank values over all samples. Latencies are signed: in streaming
// mode audio can start before the flush, or before the first sentence ends
// (the server may speak a first clause early), and the negative value says
// by how much.
//
//   - TTFA after flush: flush sent → first audio frame. HTTP has no flush:
//     for the HTTP targets the request being sent stands for it (and for
//     the first text), so this is request sent → first body bytes (batch)
//     or first chunk event (SSE), and the text report says so.
//   - TTFA after the first sentence: the token that completes the first
//     sentence end and the whitespace after it → first audio frame. A text
//     with no such boundary (a single sentence) gives no sample.
//   - TTFA after the first text: first text sent → first audio frame.
//   - Chunk gaps: between consecutive audio frames of a generation: chunk
//     events for SSE, body reads that carry audio for batch (what one read
//     returns arrived together).
//   - Underruns: a simulated player per generation starts once
//     Config.PrebufferChunks frames have arrived (PROTOCOL.md section 4:
//     2–3 chunks) and plays in real time; each time its buffer runs dry
//     before a later frame arrives is an underrun, and the wait is underrun
//     time. Silence after the last frame is the end of speech, not an
//     underrun.
//   - Real-time factor: audio seconds received / wall seconds from the first
//     text to done (batch: the end of the body), per generation; and audio
//     seconds of the whole run / the run's wall time (which grows with the
//     number of sessions).
//   - Connect time (realtime, idle): dial → config_ack (binary_mode_ack in
//     binary mode).
//
// # Server figures
//
// Unless Config.MetricsURL is "", the server's Prometheus endpoint (by
// default /metrics on the host of Config.URL) is read for
// process_resident_memory_bytes and go_goroutines three times: at the
// start, before any session opens; at the peak, when every session has
// done its work (or been held) and none has been closed; and at the end,
// just after the last one closed. The report gives the sessions open at
// each, and (peak RSS - start RSS) / sessions open at the peak. A scrape
// that fails is reported, not fatal.
//
// # Engine baseline
//
// With Config.EngineBaseline the same first segments are also spoken on the
// bare engines in this process, through tts.Pipeline.Speak (language,
// normalisation, voice and engine: what the server does per segment), and
// the time from the call to the first emitted chunk is compared with the
// server's TTFA (after flush in one-sentence mode and for the HTTP
// targets, after the first sentence otherwise). The two are interleaved:
// each generation is measured on both, alternating which goes first so
// that neither always runs on a warm cache. The comparison is only meaningful against a server on the same
// machine with the same engines.
//
// # Targets
//
// A target is one kind of endpoint, behind the small target and conn
// interfaces in target.go: the realtime WebSocket (also used by the idle
// target), which uses github.com/coder/websocket directly, and the HTTP
// endpoints, with net/http and an SSE parser of its own (the WHATWG
// event-stream rules, and PROTOCOL.md's events checked strictly: chunk
// indexes in order, whole 16-bit samples at 24 kHz, done last). The bench
// measures the wire with thin clients of its own.
//
// Config.URL is the realtime endpoint for the realtime and idle targets (a
// URL without a path gets /v1/realtime). For the HTTP targets it may be the
// server's base URL (http://HOST:PORT) or any of its endpoint URLs: a
// Parley endpoint path at its end is replaced by the target's, which is
// appended to any other path.
package bench
