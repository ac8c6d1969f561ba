// Package bench owns Parley's load generator, the engine of `parley bench`.
// It drives any murmr-compatible realtime endpoint the way voice agents do
// and measures what a listener would hear: when the first audio arrives,
// how evenly the rest follows, and whether a player would run dry.
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
// Token sizes and text choice come from a generator seeded with Config.Seed
// and the session's index, so runs are repeatable.
//
// A session never reconnects: a session that the server closes, that cannot
// connect, or whose done does not come within Config.GenerationTimeout has
// failed, and its close code or error is reported.
//
// # Measurements
//
// Every timestamp is time.Now (monotonic). A send is stamped just before its
// frame is written; an arrival just after the frame header is read, which
// is the first byte of the frame on a loopback or LAN. Percentiles are exact
// nearest-rank values over all samples. Latencies are signed: in streaming
// mode audio can start before the flush, or before the first sentence ends
// (the server may speak a first clause early), and the negative value says
// by how much.
//
//   - TTFA after flush: flush sent → first audio frame.
//   - TTFA after the first sentence: the token that completes the first
//     sentence end and the whitespace after it → first audio frame. A text
//     with no such boundary (a single sentence) gives no sample.
//   - TTFA after the first text: first text sent → first audio frame.
//   - Chunk gaps: between consecutive audio frames of a generation.
//   - Underruns: a simulated player per generation starts once
//     Config.PrebufferChunks frames have arrived (PROTOCOL.md section 4:
//     2–3 chunks) and plays in real time; each time its buffer runs dry
//     before a later frame arrives is an underrun, and the wait is underrun
//     time. Silence after the last frame is the end of speech, not an
//     underrun.
//   - Real-time factor: audio seconds received / wall seconds from the first
//     text to done, per generation; and audio seconds of the whole run /
//     the run's wall time (which grows with the number of sessions).
//
// # Engine baseline
//
// With Config.EngineBaseline the same first segments are also spoken on the
// bare engines in this process, through tts.Pipeline.Speak (language,
// normalisation, voice and engine: what the server does per segment), and
// the time from the call to the first emitted chunk is compared with the
// server's TTFA. The two are interleaved: each generation is measured on
// both, alternating which goes first so that neither always runs on a warm
// cache. The comparison is only meaningful against a server on the same
// machine with the same engines.
//
// # Targets
//
// A target is one kind of endpoint, behind the small target and conn
// interfaces in target.go. Only the realtime WebSocket is implemented; it
// uses github.com/coder/websocket directly, so the bench measures the wire
// with a thin client of its own.
package bench
