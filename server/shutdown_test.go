package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/realtime"
)

// TestShutdownStopsStreamsBeforeClosing shuts a node down while an SSE
// answer far longer than the grace streams. Its handler must be finished
// when Serve returns, that is before the store and the engines are
// closed; the client must be told why its answer stops; nothing may fail
// on a closed store or engine; and the whole shutdown must take at most
// the grace plus the cancel wait.
func TestShutdownStopsStreamsBeforeClosing(t *testing.T) {
	const grace = time.Second
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(), ShutdownGrace: grace,
		Engine: engine.Config{DisableEspeak: true}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := srv.Store().CreateKey(ctx, "t", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	// About four minutes of speech: seconds of synthesis, whatever the
	// machine.
	body, _ := json.Marshal(map[string]string{"text": strings.Repeat("The shutdown must stop this answer before the store closes. ", 65)})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	open := func(tr *http.Transport) (*http.Response, *bufio.Reader) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/audio/speech/stream", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %s", resp.Status)
		}
		br := bufio.NewReader(resp.Body)
		if ev, err := nextEvent(br); err != nil || !strings.Contains(ev, `"chunk"`) {
			t.Fatalf("first event %q, %v", ev, err)
		}
		return resp, br
	}
	_, reading := open(tr)

	type outcome struct {
		events int
		last   string
		err    error
	}
	readDone := make(chan outcome, 1)
	go func() {
		var o outcome
		for {
			ev, err := nextEvent(reading)
			if err != nil {
				o.err = err
				break
			}
			o.events++
			o.last = ev
		}
		readDone <- o
	}()

	signalled := time.Now()
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	took := time.Since(signalled)
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if max := grace + defaultShutdownCancelWait; took > max {
		t.Errorf("shutdown took %v, want at most the grace plus the cancel wait, %v", took, max)
	}

	var o outcome
	select {
	case o = <-readDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the reading client's stream did not end")
	}
	if o.last != `{"error":"server shutting down","done":true}` || !errors.Is(o.err, io.EOF) {
		t.Errorf("the reading client's stream ended with %q then %v after %d events; want the shutdown error event, then the end of the body", o.last, o.err, o.events)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, "panic") {
			t.Errorf("log: %s", line)
		}
	}
	t.Logf("shutdown took %v (grace %v); the reading client got %d more events", took.Round(time.Millisecond), grace, o.events)
}

// nextEvent returns the data of the next SSE event, skipping comments.
func nextEvent(br *bufio.Reader) (string, error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			return strings.TrimSpace(data), nil
		}
	}
}

// TestShutdownForcesBlockedHandlers covers the handlers that cancelling
// their context does not stop. One is blocked writing to a client that
// does not read: its connection is closed half way through the cancel
// wait, and it returns. The other ignores everything: Serve gives up on
// it after the cancel wait and says so, and Close leaves the store open
// rather than close it under the handler.
func TestShutdownForcesBlockedHandlers(t *testing.T) {
	const grace, cancelWait = 300 * time.Millisecond, time.Second
	for _, tc := range []struct {
		name  string
		stuck bool // the handler ignores its connection's close too
	}{
		{"blocked write", false},
		{"stuck", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, err := New(ctx, Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(), ShutdownGrace: grace,
				ShutdownCancelWait: cancelWait, Engine: engine.Config{DisableEspeak: true}})
			if err != nil {
				t.Fatal(err)
			}
			entered, release := make(chan struct{}), make(chan struct{})
			srv.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(entered)
				if tc.stuck {
					<-release
					return
				}
				// Writes without looking at the context, until one fails.
				b := make([]byte, 64<<10)
				for {
					if _, err := w.Write(b); err != nil {
						return
					}
				}
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln) }()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			<-entered
			signalled := time.Now()
			cancel()
			err = <-served
			took := time.Since(signalled)
			if max := grace + cancelWait + 200*time.Millisecond; took > max {
				t.Errorf("Serve returned after %v, want at most %v", took, max)
			}
			if tc.stuck {
				if err == nil || srv.Close() == nil {
					t.Fatalf("Serve = %v, and Close closed the store under a running handler", err)
				}
				if _, err := srv.Store().SchemaVersion(context.Background()); err != nil {
					t.Fatalf("the store was closed under a running handler: %v", err)
				}
				close(release)
				// The handler is gone now: release what Close left.
				srv.stuck.Store(0)
			} else {
				if err != nil {
					t.Fatalf("Serve: %v", err)
				}
				if took < grace+cancelWait/2 {
					t.Errorf("Serve returned after %v: the connection was closed before half the cancel wait", took)
				}
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
