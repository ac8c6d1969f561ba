// Package agent owns Parley's voice agent: the /v1/agent WebSocket between
// the browser page and the server, and each conversation's session, which
// runs the pipeline
//
//	microphone PCM → resample to 16 kHz → VAD → STT → LLM (streamed) →
//	segments → TTS over /v1/realtime → audio frames → browser
//
// with barge-in. The turn-taking decisions are package agent/turn's (a pure
// state machine); this package feeds it events and performs its actions.
//
// A session has these goroutines, all owned by the connection's handler and
// stopped with it:
//
//   - the reader (the handler): decodes client frames and passes audio to
//     the ear and everything else to the brain;
//   - the ear: resamples, runs the VAD and the recogniser, and reports
//     speech start and end, partial and final transcripts;
//   - the brain: owns the turn machine, the conversation history and the
//     TTS bookkeeping; it alone decides, and it never blocks on I/O;
//   - the mouth: one goroutine per answer that streams the LLM and sends
//     each finished segment to TTS (text, then flush, so that every segment
//     is one TTS generation whose done gives its audio length: that is how
//     the agent knows which words the user has heard when interrupted);
//   - the TTS listener: turns TTS events into brain events and forwards
//     audio to the writer;
//   - the writer: the only goroutine that writes to the browser.
//
// A socket counts against its client address's connection limit (shared
// with /v1/realtime) from before its upgrade, and takes one of the
// server's places only once its start carries a valid key; each answer
// checks the key again, so a revoked key ends the session with 4002.
//
// # Transports
//
// One pipeline, two transports (transport.go): the browser's /v1/agent
// socket (browser.go) and a Twilio media stream at /v1/twilio/media
// (twilio.go), which package phone admits. On the phone, the caller's
// 8 kHz μ-law is decoded and, for pocketsphinx, widened to 16 kHz
// (audio.Widener); the answer is resampled to 8 kHz, coded as μ-law and
// sent in 20 ms media messages at most Config.PhoneLead ahead of real
// time, each followed by a mark, so that Twilio's echoed marks say what
// the caller has heard, as the page's playback reports do. Speech over
// the answer holds playback at once with a clear (turn.HoldPlayback) and
// rewinds to the last mark heard; a confirmed barge-in keeps in the
// history only the words of the audio heard. A DTMF key reaches the LLM
// as "The caller pressed N.". When a session ends its record (transport,
// numbers, duration, each turn's latencies) goes to the store, for
// GET /v1/calls, and the agent's metrics carry a transport label.
//
// The agent reaches TTS through the same realtime protocol as any client
// (the Go client package), by default at this server's own address with
// the user's key, or at any murmr-compatible URL.
package agent
