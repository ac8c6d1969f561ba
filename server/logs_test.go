package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/realtime"
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsHoldNoKeysOrText captures the server's log, at the default level,
// through realtime sessions (a good one, a failing one, one with a wrong
// key) and HTTP requests, and checks that no API key and none of the text
// spoken appears in it.
func TestLogsHoldNoKeysOrText(t *testing.T) {
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(),
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
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
	base := "http://" + ln.Addr().String()
	ws := "ws://" + ln.Addr().String() + "/v1/realtime"
	const text = "Quokka marmalade arrives in Zanzibar at dawn."
	const wrongKey = "pk_aaaaaaaaaa_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"

	cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
	defer ccancel()
	c, err := client.Dial(cctx, client.Config{URL: ws, APIKey: key, BinaryMode: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Speak(cctx, text); err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, first := range []string{
		`{"type":"config","api_key":"` + key + `"}`,
		`{"type":"config","api_key":"` + wrongKey + `"}`,
	} {
		conn, _, err := websocket.Dial(cctx, ws, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.Write(cctx, websocket.MessageText, []byte(first))
		// Invalid: closes the session with 4003, which is logged.
		_ = conn.Write(cctx, websocket.MessageText, []byte(`{"type":"text","text":"`+text+`","oops":`))
		for {
			if _, _, err := conn.Read(cctx); err != nil {
				break
			}
		}
		conn.CloseNow()
	}
	for _, r := range []struct{ path, key, body string }{
		{"/v1/audio/speech", key, `{"text":"` + text + `","response_format":"pcm"}`},
		{"/v1/audio/speech", key, `{"model":"tts-1","input":"` + text + `","voice":"alloy","response_format":"wav"}`},
		{"/v1/audio/speech", wrongKey, `{"text":"` + text + `"}`},
		{"/v1/audio/speech", key, `{"text":"` + text + `","language":"Klingon"}`},
		{"/v1/audio/speech", key, `{"text":"` + text},
		{"/v1/audio/speech/stream", key, `{"text":"` + text + `"}`},
		{"/v1/voices/design", key, `{"voice_description":"a calm woman","text":"` + text + `"}`},
		{"/v1/voices", key, `{"name":"` + text + `","voice_description":"` + text + `"}`},
	} {
		req, _ := http.NewRequest("POST", base+r.path, strings.NewReader(r.body))
		req.Header.Set("Authorization", "Bearer "+r.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	srv.Close()

	out := logs.String()
	if !strings.Contains(out, "realtime session authenticated") || !strings.Contains(out, "realtime session failed") {
		t.Fatalf("the log lacks the sessions' lines, so the test shows nothing:\n%s", out)
	}
	secrets := map[string]string{"the API key": key, "the wrong API key": wrongKey,
		"the key's secret": key[strings.LastIndex(key, "_")+1:]}
	for _, w := range strings.Fields(strings.Trim(text, ".")) {
		if len(w) >= 6 { // short words are in log lines anyway
			secrets["the word "+w] = w
		}
	}
	for what, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the log contains %s (%q)", what, s)
		}
	}
	t.Logf("%d log lines checked", strings.Count(out, "\n"))
}
