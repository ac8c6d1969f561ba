package client

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// BenchmarkReceiveAudio measures how fast the client turns 100 ms audio
// chunks into Audio events, in JSON+base64 and in binary mode: "decode" is
// the client's own work on a received frame, "loopback" the whole path
// from a server socket to the Events channel. MB/s counts PCM bytes;
// x-realtime is how many times faster than playback that is.
func BenchmarkReceiveAudio(b *testing.B) {
	pcm := synth(strings.Repeat("x", 10)) // 100 ms
	for _, mode := range []struct {
		name  string
		typ   websocket.MessageType
		frame []byte
	}{
		{"json", websocket.MessageText, protocol.AppendAudioJSON(nil, pcm)},
		{"binary", websocket.MessageBinary, pcm},
	} {
		b.Run(mode.name+"/decode", func(b *testing.B) {
			c := &Conn{nextGen: 1, recvGen: 1, wake: make(chan struct{}, 1)}
			b.SetBytes(int64(len(pcm)))
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				// A read hands over a fresh frame each time, which the
				// binary event then owns.
				if err := c.handleFrame(mode.typ, bytes.Clone(mode.frame)); err != nil {
					b.Fatal(err)
				}
				c.queue = c.queue[:0]
			}
			reportRealtime(b, len(pcm), time.Since(start))
		})
		b.Run(mode.name+"/loopback", func(b *testing.B) {
			benchLoopback(b, mode.typ == websocket.MessageBinary, mode.typ, mode.frame, len(pcm))
		})
	}
}

func benchLoopback(b *testing.B, binary bool, typ websocket.MessageType, frame []byte, pcmBytes int) {
	n := b.N
	start := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := context.Background()
		if _, _, err := ws.Read(ctx); err != nil {
			return
		}
		ws.Write(ctx, websocket.MessageText, protocol.Marshal(protocol.ConfigAck{Type: protocol.TypeConfigAck, SessionID: "bench"}))
		if binary {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
			ws.Write(ctx, websocket.MessageText, protocol.Marshal(protocol.BinaryModeAck{Type: protocol.TypeBinaryModeAck, SampleRate: protocol.SampleRate, Format: protocol.Format}))
		}
		<-start
		for range n {
			if ws.Write(ctx, typ, frame) != nil {
				return
			}
		}
		ws.Write(ctx, websocket.MessageText, protocol.Marshal(protocol.Done{Type: protocol.TypeDone, TotalChunks: n}))
		ws.Read(ctx) // until the client closes
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), Config{
		URL:        "ws" + strings.TrimPrefix(srv.URL, "http"),
		APIKey:     "bench",
		BinaryMode: binary,
		HTTPClient: srv.Client(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(pcmBytes))
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	got := 0
	for ev := range c.Events() {
		if a, ok := ev.(*Audio); ok {
			got += len(a.PCM)
		}
		if _, ok := ev.(*Done); ok {
			break
		}
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	if got != n*pcmBytes {
		b.Fatalf("received %d bytes, want %d", got, n*pcmBytes)
	}
	reportRealtime(b, pcmBytes, elapsed)
}

func reportRealtime(b *testing.B, pcmBytes int, elapsed time.Duration) {
	audio := time.Duration(b.N*pcmBytes/2) * time.Second / protocol.SampleRate
	b.ReportMetric(audio.Seconds()/elapsed.Seconds(), "x-realtime")
}
