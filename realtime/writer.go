package realtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// writeLoop owns every write to the socket, including the close.
func (s *session) writeLoop() {
	binary := false
	var buf []byte
	// framed is the context of the last binary frame: binary frames start
	// in the default context, and audio_context announces a change.
	var framed *track
	for {
		it, closing, ok := s.out.Pop()
		if !ok {
			<-s.out.Ready()
			continue
		}
		if closing {
			s.closeWith(it)
			return
		}
		if (it.kind == outAudio || it.kind == outDone || it.kind == outWords) && it.epoch != it.tr.epoch.Load() {
			continue // cleared: this audio must not be heard
		}
		var err error
		switch it.kind {
		case outJSON, outWords:
			err = s.write(websocket.MessageText, it.data)
		case outBinaryMode:
			binary = true
			err = s.write(websocket.MessageText, it.data)
		case outAudio:
			g := it.gen
			if binary {
				if framed == nil {
					framed = s.def
				}
				if it.tr != framed && s.named.Load() {
					framed = it.tr
					err = s.write(websocket.MessageText, protocol.Marshal(protocol.ContextMessage{Type: protocol.TypeAudioContext, ContextID: it.tr.id}))
				}
				if err == nil {
					err = s.write(websocket.MessageBinary, it.data)
				}
			} else {
				buf = protocol.AppendContextAudioJSON(buf[:0], it.data, it.tr.id)
				err = s.write(websocket.MessageText, buf)
			}
			now := time.Now()
			if g.chunks == 0 {
				g.firstAudio = now
				s.srv.deps.Metrics.TTFA.Observe(now.Sub(g.firstReady).Seconds())
			}
			g.chunks++
			g.samples += int64(len(it.data) / 2)
			g.lastAudio = now
		case outDone:
			d := doneFor(it.gen, time.Now())
			d.ContextID = it.tr.id
			err = s.write(websocket.MessageText, protocol.Marshal(d))
		case outClose:
			s.closeWith(it)
			return
		}
		if err != nil {
			// The connection is gone, or the client did not take a frame
			// within WriteTimeout: end the session. No close frame can
			// follow a frame cut short.
			if errors.Is(err, errWriteTimeout) && s.closeCode.CompareAndSwap(0, int32(protocol.CloseServerError)) {
				s.log.Info("client too slow to read; connection dropped")
			}
			s.cancel()
			_ = s.conn.CloseNow()
			return
		}
	}
}

// errWriteTimeout marks a write that the client did not take within
// WriteTimeout.
var errWriteTimeout = errors.New("realtime: client did not read a frame in time")

// write writes one frame. Its deadline is independent of the session
// context, so that a clear or a fatal error never cuts a frame in half.
// A write that fails once its deadline has passed is errWriteTimeout,
// whatever the library returned: it may report the timeout as the closed
// connection it made of it.
func (s *session) write(typ websocket.MessageType, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.WriteTimeout)
	defer cancel()
	err := s.conn.Write(ctx, typ, data)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", errWriteTimeout, err)
	}
	return err
}

// closeWith closes the socket as c, an outClose item, says: the control
// messages still queued, c's message if any, then the close.
func (s *session) closeWith(c outItem) {
	s.closeCode.CompareAndSwap(0, int32(c.code))
	s.expire()
	// A config_ack queued before an authentication failure must still
	// precede the error; a done, whose audio is dropped, is not sent.
	for _, it := range s.out.TakeControl() {
		if it.kind != outJSON && it.kind != outBinaryMode {
			continue
		}
		if s.write(websocket.MessageText, it.data) != nil {
			break
		}
	}
	if c.data != nil {
		_ = s.write(websocket.MessageText, c.data)
	}
	_ = s.conn.Close(websocket.StatusCode(c.code), c.reason)
}

// doneFor builds a generation's done message from what was written.
func doneFor(g *generation, now time.Time) protocol.Done {
	d := protocol.Done{
		Type:            protocol.TypeDone,
		TotalChunks:     g.chunks,
		Characters:      g.chars,
		AudioDurationMS: g.samples * 1000 / protocol.SampleRate,
	}
	end := now
	if g.chunks > 0 {
		end = g.lastAudio
		d.FirstChunkLatencyMS = g.firstAudio.Sub(g.firstReady).Milliseconds()
	}
	d.DurationMS = end.Sub(g.started).Milliseconds()
	return d
}

// keepalive pings the client so that one that vanished without a FIN is
// noticed and its session freed.
func (s *session) keepalive() {
	t := time.NewTicker(s.srv.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.srv.cfg.PingInterval)
		err := s.conn.Ping(ctx)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.log.Info("client did not answer ping", "err", err)
			s.cancel()
			_ = s.conn.CloseNow()
			return
		}
	}
}
