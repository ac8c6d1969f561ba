// Package client is the Go SDK for Parley's realtime endpoint /v1/realtime
// (PROTOCOL.md sections 1 and 4). It owns one logical session with the
// server across as many WebSocket connections as it takes: dialling and
// configuring, sending text, turning server frames into ordered events,
// keepalive, and reconnecting with exponential backoff.
//
// # Use
//
//	c, err := client.Dial(ctx, client.Config{URL: "ws://localhost:8080/v1/realtime", APIKey: key})
//	...
//	defer c.Close()
//	c.SendText(ctx, "Hello there. ")   // tokens of any size, e.g. from an LLM stream
//	c.Flush(ctx)                        // speak the rest; a Done event follows
//	for ev := range c.Events() { ... }  // *Audio, *Done, *ErrorEvent, *Cleared, *Pong, *Reconnecting, *Reconnected
//
// Speak wraps SendText, Flush and the event loop for one-shot use.
//
// # Generations
//
// Every event that belongs to a generation carries its number: the first
// text after Dial starts generation 1, and each Done or Cleared moves on to
// the next. After Clear, audio of the cancelled generation may still be in
// flight; it arrives before the Cleared event and carries the old number, so
// a player discards Audio until Cleared (or by number).
//
// # Slow consumers
//
// The socket is always read at full speed and events wait in an unbounded
// queue in front of Events. Speech is produced faster than real time and
// apps naturally read at playback pace; if the client stopped reading, the
// server's bounded send queue would close the connection with 4005 in the
// middle of an utterance and the replay would repeat audio. Memory is
// bounded by the audio of the text the app itself sent (about 48 kB per
// second of speech). Nothing is ever dropped, except by Close.
//
// # Reconnection
//
// When a connection drops or the server closes with any code but 1000, the
// Conn reconnects after InitialBackoff, doubling up to MaxBackoff (1 s to 30
// s by default: 1, 2, 4, 8, 16, 30, 30, ...), sends config (and binary_mode)
// again, and reports it with Reconnecting and Reconnected events. The
// sequence starts over once a connection has stayed up for MaxBackoff; one
// that fails sooner continues it. Authentication may finish after
// config_ack, so a revoked key is an accepted connection closed at once
// with 4002: such a server is retried ever more slowly, not every second.
// The Conn never reconnects after a 1000 close from either side, after
// Close, or once a sequence has used up MaxReconnects attempts.
//
// The server forgets a connection's unspoken text when it drops, so the
// client keeps the text of every generation that has not reached its Done
// and sends it again on the new connection: nothing the app sent is lost,
// but the generations listed in Reconnected start over from their beginning
// and their first audio may be heard twice. Config.DisableReplay drops that
// text instead.
//
// SendText, Flush, Clear and Ping block while the Conn is reconnecting,
// until the new connection is ready, the Conn is finished (ErrClosed), or
// their context ends. Their context bounds that wait, not a write in
// progress: abandoning a half-written frame would break the connection, so
// writes are bounded by Config.WriteTimeout instead.
package client
