package bench

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name, stream string
		want         []sseEvent // name and data only
		comments     int
	}{
		{"LF", "data: a\n\ndata: b\n\n", []sseEvent{{data: []byte("a")}, {data: []byte("b")}}, 0},
		{"CRLF and CR", "data: a\r\n\r\ndata: b\r\rdata: c\n\n", []sseEvent{{data: []byte("a")}, {data: []byte("b")}, {data: []byte("c")}}, 0},
		{"multi-line data", "data: a\ndata:b\ndata\n\n", []sseEvent{{data: []byte("a\nb\n")}}, 0},
		{"one space dropped", "data:  a \n\n", []sseEvent{{data: []byte(" a ")}}, 0},
		{"comments and keepalives", ": keepalive\n\n:x\ndata: a\n: mid\n\n", []sseEvent{{data: []byte("a")}}, 3},
		{"event name, id, retry, unknown fields", "event: audio\nid: 7\nretry: 10\nfoo: bar\ndata: a\n\n", []sseEvent{{name: "audio", data: []byte("a")}}, 0},
		{"name without data is dropped and reset", "event: x\n\ndata: a\n\n", []sseEvent{{data: []byte("a")}}, 0},
		{"empty data dispatches", "data\n\n", []sseEvent{{data: []byte("")}}, 0},
		{"unfinished event dropped", "data: a\n\ndata: b\n", []sseEvent{{data: []byte("a")}}, 0},
		{"unfinished line dropped", "data: a\n\ndata: b", []sseEvent{{data: []byte("a")}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read, so that every line end falls between reads.
			s := newSSEReader(&oneByteReader{r: strings.NewReader(tt.stream)}, 100)
			var got []sseEvent
			for {
				ev, err := s.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ev.at.IsZero() {
					t.Error("event not stamped")
				}
				got = append(got, sseEvent{name: ev.name, data: ev.data})
			}
			if show(got) != show(tt.want) {
				t.Errorf("events %s, want %s", show(got), show(tt.want))
			}
			if s.comments != tt.comments {
				t.Errorf("%d comments, want %d", s.comments, tt.comments)
			}
		})
	}
}

func show(evs []sseEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "[%q %q]", ev.name, ev.data)
	}
	return b.String()
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

func TestSSEReaderLimit(t *testing.T) {
	for _, stream := range []string{"data: " + strings.Repeat("x", 100) + "\n\n", "data: 0123456789\n" + strings.Repeat("data: 0123456789\n", 10) + "\n"} {
		s := newSSEReader(strings.NewReader(stream), 100)
		if _, err := s.next(); !errors.Is(err, errLineTooLong) {
			t.Errorf("next = %v, want errLineTooLong", err)
		}
	}
}

func FuzzSSEReader(f *testing.F) {
	f.Add("data: a\r\n\r\n: keepalive\n\nevent: done\ndata: {\"done\":true}\r\r")
	f.Add("data\ndata:\n\n\r\n")
	f.Fuzz(func(t *testing.T, stream string) {
		s := newSSEReader(strings.NewReader(stream), 64)
		for range len(stream) + 1 {
			ev, err := s.next()
			if err != nil {
				return
			}
			if len(ev.data) > 64 {
				t.Fatalf("event of %d bytes past a limit of 64", len(ev.data))
			}
		}
		t.Fatal("more events than bytes")
	})
}

// sseServer answers every request with the stream body as text/event-stream
// (or contentType), written in one go.
func sseServer(t *testing.T, contentType, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func chunkEvent(i, samples int) string {
	return fmt.Sprintf("data: {\"chunk\":%q,\"chunk_index\":%d,\"sample_rate\":24000,\"format\":\"pcm_s16le\",\"first_chunk_latency_ms\":3}\n\n",
		base64.StdEncoding.EncodeToString(make([]byte, 2*samples)), i)
}

// TestRunSSEStrict checks that the SSE target reports a stream that breaks
// PROTOCOL.md instead of measuring it. The Parley server does not break
// it, so these streams are canned.
func TestRunSSEStrict(t *testing.T) {
	done := "data: {\"done\":true,\"total_chunks\":2,\"total_time_ms\":9,\"audio_duration_ms\":100}\n\n"
	good := chunkEvent(0, 1200) + ": keepalive\n\n" + chunkEvent(1, 1200) + done
	tests := []struct {
		name, contentType, body string
		client                  map[string]int // nil: a clean run
	}{
		{"good", "text/event-stream", good, nil},
		{"named events", "text/event-stream; charset=utf-8", "event: audio\n" + chunkEvent(0, 1200) + "event: message\n" + chunkEvent(1, 1200) + "event: done\n" + done, nil},
		{"keepalive after done", "text/event-stream", good + ": keepalive\n\n", nil},
		{"miscounted", "text/event-stream", chunkEvent(0, 1200) + done, map[string]int{clientChunkMismatch: 1}},
		{"not SSE", "application/json", good, map[string]int{failProtocol: 1}},
		{"no done", "text/event-stream", chunkEvent(0, 1200), map[string]int{failProtocol: 1}},
		{"chunk index gap", "text/event-stream", chunkEvent(0, 1200) + chunkEvent(2, 1200) + done, map[string]int{failProtocol: 1}},
		{"odd chunk", "text/event-stream", "data: {\"chunk\":\"AAAA\",\"chunk_index\":0}\n\n" + done, map[string]int{failProtocol: 1}},
		{"bad base64", "text/event-stream", "data: {\"chunk\":\"A!==\",\"chunk_index\":0}\n\n" + done, map[string]int{failProtocol: 1}},
		{"other sample rate", "text/event-stream", strings.Replace(good, "24000", "16000", 1), map[string]int{failProtocol: 1}},
		{"not JSON", "text/event-stream", "data: hello\n\n", map[string]int{failProtocol: 1}},
		{"unknown event", "text/event-stream", "data: {\"type\":\"x\"}\n\n", map[string]int{failProtocol: 1}},
		{"misnamed event", "text/event-stream", "event: done\n" + chunkEvent(0, 1200) + done, map[string]int{failProtocol: 1}},
		{"event after done", "text/event-stream", good + chunkEvent(2, 1200), map[string]int{failProtocol: 1}},
		{"error event", "text/event-stream", chunkEvent(0, 1200) + "data: {\"error\":\"synthesis failed\",\"done\":true}\n\n", map[string]int{failSSEError: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Target, cfg.URL, cfg.APIKey, cfg.MetricsURL = TargetSSE, sseServer(t, tt.contentType, tt.body), "k", ""
			cfg.Duration, cfg.Generations = 0, 1
			rep := run(t, context.Background(), cfg)
			if tt.client == nil {
				checkClean(t, rep, 1, 1)
				if rep.AudioS != 0.1 || rep.DoneAudioS != 0.1 || rep.ChunkGapMS.N != 1 {
					t.Errorf("audio %g s, done %g s, gaps %+v; want 0.1 s in two chunks", rep.AudioS, rep.DoneAudioS, rep.ChunkGapMS)
				}
				return
			}
			if !equalMaps(rep.Errors.Client, tt.client) || len(rep.Errors.Examples) == 0 {
				t.Errorf("client errors %v, examples %q; want %v", rep.Errors.Client, rep.Errors.Examples, tt.client)
			}
		})
	}
}

// TestRunBatchStrict does the same for the batch target.
func TestRunBatchStrict(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		client                  map[string]int
		http                    map[int]int
	}{
		{"pcm", "audio/pcm", string(make([]byte, 4800)), nil, nil},
		{"odd length", "audio/pcm", string(make([]byte, 4801)), map[string]int{failProtocol: 1}, nil},
		{"wav", "audio/wav", "RIFF", map[string]int{failProtocol: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Target, cfg.URL, cfg.APIKey, cfg.MetricsURL = TargetHTTPBatch, sseServer(t, tt.contentType, tt.body), "k", ""
			cfg.Duration, cfg.Generations = 0, 1
			rep := run(t, context.Background(), cfg)
			if tt.client == nil {
				checkClean(t, rep, 1, 1)
				if rep.AudioS != 0.1 || rep.TTFAFlushMS.N != 1 {
					t.Errorf("audio %g s, ttfa %+v; want 0.1 s", rep.AudioS, rep.TTFAFlushMS)
				}
				return
			}
			if !equalMaps(rep.Errors.Client, tt.client) {
				t.Errorf("client errors %v, want %v", rep.Errors.Client, tt.client)
			}
		})
	}
}

func TestRunHTTPTimeoutAndReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, chunkEvent(0, 1200))
		w.(http.Flusher).Flush()
		if r.URL.Query().Get("reset") != "" {
			panic(http.ErrAbortHandler) // drops the connection mid-body
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	for _, tt := range []struct {
		query string
		want  string
	}{{"", failTimeout}, {"?reset=1", failReset}} {
		cfg := DefaultConfig()
		cfg.Target, cfg.URL, cfg.APIKey, cfg.MetricsURL = TargetSSE, srv.URL+"/v1/audio/speech/stream"+tt.query, "k", ""
		cfg.Duration, cfg.Generations, cfg.GenerationTimeout = 0, 1, 300*time.Millisecond
		rep := run(t, context.Background(), cfg)
		if rep.Errors.Client[tt.want] != 1 || rep.Sessions.Failed != 1 {
			t.Errorf("%q: sessions %+v, client errors %v; want one %s", tt.query, rep.Sessions, rep.Errors.Client, tt.want)
		}
	}
}
