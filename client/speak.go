package client

import (
	"context"
	"slices"

	"github.com/parley-voice/parley/protocol"
)

// Speak sends text, flushes, and collects the generation's audio until its
// Done: the whole utterance as PCM (s16le, 24 kHz, mono). Text sent with
// SendText and not yet flushed is spoken with it.
//
// Speak reads Events itself, so it must not run while another goroutine
// consumes Events, and events it has no use for (Pong, Reconnecting, other
// generations' audio) are discarded. Across a reconnection it returns the
// replayed generation's audio once, from the start. It returns ErrCleared
// if Clear cancelled the generation, ErrLost if a reconnection dropped it,
// and a *ServerError, with the audio and Done, if the server reported an
// error during the generation. When ctx ends, the generation goes on at
// the server; a later Speak skips what is left of it.
func (c *Conn) Speak(ctx context.Context, text string) ([]byte, protocol.Done, error) {
	if text == "" {
		return nil, protocol.Done{}, ErrEmptyText
	}
	gen, err := c.sendText(ctx, text)
	if err != nil {
		return nil, protocol.Done{}, err
	}
	if err := c.Flush(ctx); err != nil {
		return nil, protocol.Done{}, err
	}
	var pcm []byte
	var serverErr error
	for {
		var ev Event
		select {
		case <-ctx.Done():
			return nil, protocol.Done{}, ctx.Err()
		case e, ok := <-c.events:
			if !ok {
				return nil, protocol.Done{}, c.closedErr()
			}
			ev = e
		}
		switch e := ev.(type) {
		case *Audio:
			if e.Generation == gen {
				pcm = append(pcm, e.PCM...)
			}
		case *Done:
			// A later generation's Done means this one ended unseen; that
			// only happens if the server broke the protocol, and waiting
			// would then never end.
			if e.Generation >= gen {
				return pcm, e.Done, serverErr
			}
		case *ErrorEvent:
			if e.Generation == gen && serverErr == nil {
				serverErr = &ServerError{Code: e.Code, Message: e.Message}
			}
		case *Cleared:
			if e.Generation >= gen {
				return nil, protocol.Done{}, ErrCleared
			}
		case *Reconnected:
			if slices.Contains(e.Generations, gen) {
				if !e.Replayed {
					return nil, protocol.Done{}, ErrLost
				}
				pcm = pcm[:0]
			}
		}
	}
}
