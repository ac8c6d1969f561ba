package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/server"
)

// TestAgentErrorsHideInternals makes the language model fail, once by
// being unreachable and once by answering with an error that quotes an
// internal address, and checks that the browser is told the language
// model failed, and nothing of the model's address or its error.
func TestAgentErrorsHideInternals(t *testing.T) {
	const internal = "http://10.1.2.3:9/v1"
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"upstream %s refused: secret-model-7b not loaded","type":"invalid_request_error"}}`, internal)
	}))
	defer failing.Close()

	for _, tc := range []struct {
		name, url string
		secrets   []string
	}{
		{"unreachable", refused, []string{refused, strings.TrimPrefix(refused, "http://")}},
		{"error answer", failing.URL + "/v1", []string{internal, "10.1.2.3", "secret-model", failing.URL, strings.TrimPrefix(failing.URL, "http://")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, key := startNode(t, tc.url)
			a := dialAgent(t, base, key)
			a.wait(10*time.Second, "ready", nil)
			a.send(map[string]any{"type": "text", "text": "Are you there?"})
			e := a.wait(20*time.Second, "error", nil)
			if e["message"] != "the language model failed" {
				t.Errorf("error message %q", e["message"])
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			for _, m := range a.msgs {
				b, _ := json.Marshal(m)
				for _, s := range tc.secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("the browser was sent %q: %s", s, b)
					}
				}
			}
		})
	}
}

// TestAgentTTSRefusalPassesReasonOnly: when the speech server refuses the
// agent's session during its handshake, the browser gets the speech
// server's explanation and close code, not our client library's error
// text. The speech server is a stand-in that refuses every config, since
// Parley's own acknowledges a config before it checks the key.
func TestAgentTTSRefusalPassesReasonOnly(t *testing.T) {
	tts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if _, _, err := c.Read(r.Context()); err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"type":"error","message":"voice not found","code":4003}`))
		_ = c.Close(4003, "invalid config")
	}))
	defer tts.Close()
	base, key := startNode(t, "", func(c *server.Config) {
		c.Agent.TTSURL = strings.Replace(tts.URL, "http", "ws", 1) + "/v1/realtime"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/v1/agent", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	b, _ := json.Marshal(map[string]any{"type": "start", "api_key": key, "input_sample_rate": 16000})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	var msg string
	var closeErr error
	for closeErr == nil {
		var data []byte
		_, data, closeErr = c.Read(ctx)
		var m map[string]any
		if json.Unmarshal(data, &m) == nil && m["type"] == "error" {
			msg, _ = m["message"].(string)
		}
	}
	if msg != "speech: voice not found" || websocket.CloseStatus(closeErr) != 4003 {
		t.Fatalf("error %q, close %v; want the speech server's explanation and its close code", msg, closeErr)
	}
}
