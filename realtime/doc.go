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
// The send queue is bounded in bytes: the engine never waits for a slow
// client; a client that falls too far behind is closed with 4005. clear
// cancels the generation in progress (the engine stops within one chunk)
// and drops its unsent audio. Shutdown drains sessions: buffered text is
// spoken, done is sent, and then the socket is closed with 1001.
package realtime
