// Package wsqueue owns the queue between a WebSocket session's producers
// and its one writer, as the realtime and agent sessions use it: bounded,
// never blocking a producer, with a close that jumps the queue.
//
// Producers (the reader answering messages, a speaker pushing audio, a
// timer) push from any goroutine and never wait: Push fails when the queue
// is over its bound, which means the client is not keeping up, and the
// session then closes it. Items are data (audio), bounded in bytes, or
// control (everything else), bounded in number, so that a client that sends
// messages and reads none of the answers cannot grow the queue either;
// WaitRoom is the backpressure a reader applies before it reads the next
// message. Close asks the writer to close ahead of anything queued; the
// writer can still send the control items queued (TakeControl), which a
// closing client should see.
package wsqueue
