package bench

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/protocol"
)

// fakeServer is a minimal murmr-style server that misbehaves on the first
// flush as told, to check that the bench reports it rather than hanging.
func fakeServer(t *testing.T, onFlush func(ctx context.Context, c *websocket.Conn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			m, err := protocol.DecodeClient(b)
			if err != nil {
				return
			}
			switch m.Type {
			case protocol.TypeConfig:
				_ = c.Write(ctx, websocket.MessageText, protocol.Marshal(protocol.ConfigAck{Type: protocol.TypeConfigAck, SessionID: "sess_fake"}))
			case protocol.TypeFlush:
				onFlush(ctx, c)
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func audioFrame(ms int) []byte {
	return protocol.AppendAudioJSON(nil, make([]byte, 2*protocol.SampleRate*ms/1000))
}

func TestRunMisbehavingServer(t *testing.T) {
	write := func(ctx context.Context, c *websocket.Conn, frames ...[]byte) {
		for _, f := range frames {
			_ = c.Write(ctx, websocket.MessageText, f)
		}
	}
	tests := []struct {
		name      string
		onFlush   func(ctx context.Context, c *websocket.Conn)
		want      SessionCounts
		closes    map[int]int
		client    map[string]int
		completed int
	}{
		{"drops the connection", func(_ context.Context, c *websocket.Conn) { _ = c.CloseNow() },
			SessionCounts{Established: 1, Failed: 1}, map[int]int{closeAbnormal: 1}, map[string]int{}, 0},
		{"closes with a code", func(_ context.Context, c *websocket.Conn) { _ = c.Close(4005, "server error") },
			SessionCounts{Established: 1, Failed: 1}, map[int]int{4005: 1}, map[string]int{}, 0},
		{"never sends done", func(ctx context.Context, c *websocket.Conn) { write(ctx, c, audioFrame(40)) },
			SessionCounts{Established: 1, Failed: 1}, map[int]int{}, map[string]int{failTimeout: 1}, 0},
		{"sends garbage", func(ctx context.Context, c *websocket.Conn) { write(ctx, c, []byte("not json")) },
			SessionCounts{Established: 1, Failed: 1}, map[int]int{}, map[string]int{failProtocol: 1}, 0},
		{"miscounts chunks", func(ctx context.Context, c *websocket.Conn) {
			write(ctx, c, audioFrame(40), audioFrame(40), protocol.Marshal(protocol.Done{Type: protocol.TypeDone, TotalChunks: 3, AudioDurationMS: 80}))
		}, SessionCounts{Established: 1, Completed: 1}, map[int]int{}, map[string]int{clientChunkMismatch: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.URL, cfg.APIKey = fakeServer(t, tt.onFlush), "k"
			cfg.Duration, cfg.Generations, cfg.TokensPerSec = 0, 1, 0
			cfg.GenerationTimeout = 300 * time.Millisecond
			rep := run(t, context.Background(), cfg)
			if rep.Sessions != tt.want {
				t.Errorf("sessions = %+v, want %+v", rep.Sessions, tt.want)
			}
			if !equalMaps(rep.Errors.Closes, tt.closes) || !equalMaps(rep.Errors.Client, tt.client) {
				t.Errorf("closes %v, client errors %v; want %v, %v", rep.Errors.Closes, rep.Errors.Client, tt.closes, tt.client)
			}
			if rep.Generations.Completed != tt.completed || rep.Generations.Failed != 1-tt.completed {
				t.Errorf("generations = %+v", rep.Generations)
			}
			if len(rep.Errors.Examples) == 0 {
				t.Error("no example description")
			}
		})
	}
}

func TestRunCountsAudio(t *testing.T) {
	// Lengths that base64 pads with none, one and two "=".
	sizes := []int{4800, 4802, 4804}
	url := fakeServer(t, func(ctx context.Context, c *websocket.Conn) {
		for _, n := range sizes {
			chunk := base64.StdEncoding.EncodeToString(make([]byte, n))
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"audio","chunk":"`+chunk+`"}`))
		}
		_ = c.Write(ctx, websocket.MessageText, protocol.Marshal(protocol.Done{Type: protocol.TypeDone, TotalChunks: 3, AudioDurationMS: 300}))
	})
	cfg := DefaultConfig()
	cfg.URL, cfg.APIKey, cfg.Duration, cfg.Generations, cfg.TokensPerSec = url, "k", 0, 3, 0
	rep := run(t, context.Background(), cfg)
	checkClean(t, rep, 1, 3)
	if want := 3 * (2400 + 2401 + 2402) / float64(protocol.SampleRate); rep.AudioS != want {
		t.Errorf("audio_s = %g, want %g", rep.AudioS, want)
	}
	if rep.DoneAudioS != 0.9 {
		t.Errorf("done_audio_s = %g, want 0.9", rep.DoneAudioS)
	}
	if rep.ChunkGapMS.N != 6 {
		t.Errorf("chunk gaps = %+v, want two per generation", rep.ChunkGapMS)
	}
}

func equalMaps[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
