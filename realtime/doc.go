// Package realtime owns the murmr-compatible WebSocket endpoint
// /v1/realtime: one session per connection, with three goroutines that the
// connection's handler owns and waits for:
//
//   - the reader (the handler itself) decodes client frames, keeps the text
//     buffer (a segment.Segmenter) and turns text into an ordered queue of
//     jobs: segments to speak, flush marks (done) and clear marks; when a
//     generation's first text arrives it checks the key again (through the
//     server's auth.KeyCache), closing a revoked key's session with 4002;
//   - the speaker takes jobs in order, waits for authentication to finish,
//     applies the per-key generation rate and the monthly quota, and speaks
//     each segment through the tts pipeline, pushing audio into the send
//     queue as the engine produces it;
//   - the writer drains the send queue to the socket, encoding audio as
//     base64 JSON or binary frames, and computes each generation's done
//     fields from what it actually wrote.
//
// A config with text_type "ssml" (an extension) puts an ssml.Segmenter
// in front of the buffer: a text message with malformed markup is refused
// with a non-fatal 4003 error naming the tag and its position, nothing of
// it kept, and each queued segment carries its marks; the speaker joins
// the segments of a generation through one tts.Carry, so that a break
// across two segments measures what it asks, and sends what the Carry
// still holds before done. pronunciation_dictionaries are compiled once,
// when the session authenticates; speed and pitch apply to every segment.
//
// Contexts (an extension): text, flush and clear may name a context_id,
// and each context is a track with its own segmenter, generation, epoch
// and clear; the default track is what a murmr client uses alone. The job
// queue keeps a lane per track and the one speaker takes a segment at a
// time from the lane whose flush came first (in arrival order while none
// has one), clears and closes before anything else, the drain last. At
// most protocol.MaxContexts named tracks are open. Each outgoing audio,
// done and timestamps item carries its track, whose epoch drops it after
// a clear; in binary mode the writer announces a change of track with
// audio_context, once a client has named a context.
//
// Word timestamps (config timestamps "word", an extension): each segment
// job knows where its text starts in the generation's (its code points);
// the speaker asks the pipeline for the segment's words (tts.Segment.Words)
// and queues a timestamps message as each batch comes, ahead of the audio
// it starts in, times counted from the generation's first sample.
//
// The send queue is bounded in bytes: the engine never waits for a slow
// client; a client that falls too far behind is closed with 4005. clear
// cancels the generation in progress (the engine stops within one chunk)
// and drops its unsent audio. Shutdown drains sessions: buffered text is
// spoken, done is sent, and then the socket is closed with 1001.
//
// A Server takes what it uses as small interfaces (deps.go): an
// Authenticator, a VoiceResolver, Accounting, a Synthesizer (the tts
// pipeline) and a ConnLimiter.
//
// # Tests
//
// The tests come in two layers. The protocol layer, `go test ./realtime`,
// runs every case of PROTOCOL.md section 1 (config and ack, buffering,
// flush and done, binary mode, clear, each close code), admission, quotas,
// slow clients and engine faults against a Server whose keys, usage and
// voices are in memory and whose engine is enginetest.Engine: its audio is
// a function of the text, so each test knows the exact bytes a client must
// receive. It needs no C library (CGO_ENABLED=0 go test ./realtime passes)
// and takes seconds. The end-to-end layer, `go test -tags e2e ./realtime`,
// runs a whole node (server.New: the store on disk, the real engines) for
// what only it shows: real speech through the protocol, a Node.js client,
// a soak, revocation through another handle on the store, and engine
// faults and cancellation with the real engines. `make test` runs both. A
// build tag rather than a package of its own keeps one raw protocol client
// (client_test.go) for both layers.
package realtime
