package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeLLM is an OpenAI-compatible chat server that streams a fixed answer
// word by word and records the conversations it was sent.
type fakeLLM struct {
	answer string
	delay  time.Duration
	mu     sync.Mutex
	convs  [][]map[string]string
}

func (f *fakeLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Messages []map[string]string `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.convs = append(f.convs, req.Messages)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	for i, word := range strings.SplitAfter(f.answer, " ") {
		fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", word)
		w.(http.Flusher).Flush()
		if i < 3 || f.delay == 0 {
			continue
		}
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (f *fakeLLM) conversations() [][]map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]map[string]string(nil), f.convs...)
}

// startNode runs a whole Parley node with the agent on loopback.
func startNode(t testing.TB, llmURL string, opts ...func(*server.Config)) (base, key string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(), Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	cfg.Agent.WarmDecoders = 1
	for _, o := range opts {
		o(&cfg)
	}
	if llmURL != "" {
		cfg.Agent.LLMURL, cfg.Agent.LLMKey = llmURL, "test"
		cfg.Agent.LLM = "openai"
	} else {
		cfg.Agent.LLM = "offline"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if cfg.PublicURL == "" {
		// Twilio's webhook is signed for the URL it reaches.
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatal(err)
	}
	key, _, err = srv.Store().CreateKey(ctx, "agent", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return "http://" + ln.Addr().String(), key
}

// speech returns text spoken by the default voice at 16 kHz, as a user's
// microphone would deliver it.
func speech(t testing.TB, text string) []int16 {
	t.Helper()
	return audio.Resample(synthesise(t, text), protocol.SampleRate, 16000)
}

// agentClient plays the page's part: it streams microphone audio in real
// time, plays the answer audio in real time (starting when its first chunk
// arrives) and reports the playback, and records everything the server
// says.
type agentClient struct {
	t    testing.TB
	c    *websocket.Conn
	ctx  context.Context
	mu   sync.Mutex
	msgs []map[string]any
	// audio received per turn, in 24 kHz samples, and when it started
	audio   map[int]int
	started map[int]time.Time
	curTurn int
	closed  chan struct{}
	stop    chan struct{}
	hangUp  func() // ends the session; idempotent
}

func dialAgent(t testing.TB, base, key string) *agentClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/v1/agent", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	a := &agentClient{t: t, c: c, ctx: ctx, audio: map[int]int{}, started: map[int]time.Time{},
		closed: make(chan struct{}), stop: make(chan struct{})}
	a.hangUp = sync.OnceFunc(func() { close(a.stop); c.CloseNow(); <-a.closed })
	t.Cleanup(a.hangUp)
	a.send(map[string]any{"type": "start", "api_key": key, "input_sample_rate": 16000, "language": "English"})
	go a.read()
	go a.play()
	return a
}

// play reports, every 100 ms, how much of the current turn's audio a
// real-time player would have played by now.
func (a *agentClient) play() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
		a.mu.Lock()
		turn := a.curTurn
		var played float64
		if start, ok := a.started[turn]; ok && turn > 0 {
			played = min(float64(a.audio[turn])/24, float64(time.Since(start).Milliseconds()))
		}
		a.mu.Unlock()
		if played > 0 {
			a.send(map[string]any{"type": "playback", "turn": turn, "played_ms": played})
		}
	}
}

func (a *agentClient) send(v any) {
	b, _ := json.Marshal(v)
	if err := a.c.Write(a.ctx, websocket.MessageText, b); err != nil {
		a.t.Errorf("write: %v", err)
	}
}

func (a *agentClient) read() {
	defer close(a.closed)
	for {
		typ, b, err := a.c.Read(a.ctx)
		if err != nil {
			return
		}
		a.mu.Lock()
		if typ == websocket.MessageBinary {
			if _, ok := a.started[a.curTurn]; !ok {
				a.started[a.curTurn] = time.Now()
			}
			a.audio[a.curTurn] += len(b) / 2
			a.mu.Unlock()
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			a.mu.Unlock()
			a.t.Errorf("server sent %q", b)
			return
		}
		if m["type"] == "state" && m["state"] == "speaking" {
			a.curTurn = int(m["turn"].(float64))
		}
		if m["type"] == "stop_playback" {
			a.curTurn = 0 // audio after this is not played
		}
		a.msgs = append(a.msgs, m)
		a.mu.Unlock()
	}
}

// stream sends pcm (16 kHz) in 20 ms frames at real-time pace.
func (a *agentClient) stream(pcm []int16) {
	const frame = 320
	next := time.Now()
	for off := 0; off < len(pcm); off += frame {
		chunk := pcm[off:min(off+frame, len(pcm))]
		if err := a.c.Write(a.ctx, websocket.MessageBinary, audio.PCMToBytes(nil, chunk)); err != nil {
			a.t.Fatalf("audio write: %v", err)
		}
		next = next.Add(20 * time.Millisecond)
		time.Sleep(time.Until(next))
	}
}

// wait returns the first message of type typ that matches ok, waiting up
// to d for it.
func (a *agentClient) wait(d time.Duration, typ string, ok func(map[string]any) bool) map[string]any {
	a.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		for _, m := range a.msgs {
			if m["type"] == typ && (ok == nil || ok(m)) {
				a.mu.Unlock()
				return m
			}
		}
		a.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.t.Fatalf("no %q message in %v; got %v", typ, d, a.msgs)
	return nil
}

func silence(d time.Duration) []int16 { return make([]int16, int(d.Seconds()*16000)) }

func TestAgentTurnEndToEnd(t *testing.T) {
	base, key := startNode(t, "")
	a := dialAgent(t, base, key)
	ready := a.wait(10*time.Second, "ready", nil)
	if ready["output_sample_rate"].(float64) != 24000 || ready["llm"] != "offline" {
		t.Fatalf("ready %v", ready)
	}
	utterance := speech(t, "What time is it?")
	a.stream(silence(500 * time.Millisecond))
	a.stream(utterance)
	a.stream(silence(1500 * time.Millisecond))

	a.wait(5*time.Second, "vad", func(m map[string]any) bool { return m["event"] == "speech_start" })
	a.wait(5*time.Second, "vad", func(m map[string]any) bool { return m["event"] == "speech_end" })
	final := a.wait(10*time.Second, "transcript", func(m map[string]any) bool { return m["final"] == true })
	if text := final["text"].(string); !strings.Contains(text, "time") {
		t.Fatalf("final transcript %q", text)
	}
	done := a.wait(10*time.Second, "response_done", nil)
	answer := done["text"].(string)
	if !strings.Contains(answer, "It's") && !strings.Contains(answer, "It is") {
		t.Fatalf("answer to the time question: %q", answer)
	}
	m := a.wait(10*time.Second, "metrics", nil)
	for _, k := range []string{"speech_end_to_transcript_ms", "transcript_to_first_token_ms", "first_token_to_first_audio_ms", "speech_end_to_played_ms"} {
		if v, _ := m[k].(float64); v <= 0 {
			t.Errorf("metrics %s = %v", k, m[k])
		}
	}
	turn := int(done["turn"].(float64))
	a.wait(10*time.Second, "state", func(m map[string]any) bool { return m["state"] == "listening" && int(m["turn"].(float64)) >= turn })
	a.mu.Lock()
	got := a.audio[turn]
	a.mu.Unlock()
	// The answer is a sentence: over a second of audio.
	if got < 24000 {
		t.Fatalf("%d samples of answer audio", got)
	}
	t.Logf("turn metrics: %v", m)
}

func TestAgentBargeInTruncatesHistory(t *testing.T) {
	llm := &fakeLLM{answer: "Once upon a time there was a very patient robot who liked to talk about the weather for a long, long time, " +
		"and it went on and on about clouds, rain, wind and sunshine without ever stopping to breathe.", delay: 30 * time.Millisecond}
	ts := httptest.NewServer(llm)
	defer ts.Close()
	base, key := startNode(t, ts.URL+"/v1")
	a := dialAgent(t, base, key)
	a.wait(10*time.Second, "ready", nil)
	a.stream(silence(300 * time.Millisecond))
	a.send(map[string]any{"type": "text", "text": "Tell me a long story."})
	// Let it speak for a while, then talk over it.
	speaking := a.wait(10*time.Second, "state", func(m map[string]any) bool { return m["state"] == "speaking" })
	turn := int(speaking["turn"].(float64))
	a.stream(silence(1200 * time.Millisecond))
	a.stream(speech(t, "Stop, please stop talking now."))
	a.stream(silence(1500 * time.Millisecond))

	a.wait(5*time.Second, "stop_playback", func(m map[string]any) bool { return int(m["turn"].(float64)) == turn })
	intr := a.wait(5*time.Second, "interrupted", func(m map[string]any) bool { return int(m["turn"].(float64)) == turn })
	heard := intr["heard_text"].(string)
	if heard == "" || !strings.HasPrefix(llm.answer, heard) || len(heard) >= len(llm.answer) {
		t.Fatalf("heard_text %q is not a proper prefix of the answer", heard)
	}
	// The next turn's request carries only the heard words as the answer.
	assistant := historyAnswers(t, llm)
	if len(assistant) != 1 || assistant[0] != heard {
		t.Fatalf("history's answer %q, want the heard text %q", assistant, heard)
	}
}

// historyAnswers waits for the LLM's second request (the answer to an
// interruption) and returns the assistant messages of its history.
func historyAnswers(t *testing.T, llm *fakeLLM) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(llm.conversations()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	convs := llm.conversations()
	if len(convs) < 2 {
		t.Fatalf("the interruption got no answer (%d LLM requests)", len(convs))
	}
	var assistant []string
	for _, msg := range convs[1] {
		if msg["role"] == "assistant" {
			assistant = append(assistant, msg["content"])
		}
	}
	return assistant
}

func TestAgentRejectsBadStart(t *testing.T) {
	base, key := startNode(t, "")
	for _, tc := range []struct {
		msg  map[string]any
		code websocket.StatusCode
	}{
		{map[string]any{"type": "start", "api_key": "nope", "input_sample_rate": 16000}, 4002},
		{map[string]any{"type": "start", "api_key": key, "input_sample_rate": 10}, 4003},
		{map[string]any{"type": "text", "text": "hi"}, 4003},
		{map[string]any{"type": "start", "api_key": key, "input_sample_rate": 16000, "language": "Klingon"}, 4003},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/v1/agent", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(tc.msg)
		_ = c.Write(ctx, websocket.MessageText, b)
		var closeErr error
		for closeErr == nil {
			_, _, closeErr = c.Read(ctx)
		}
		if websocket.CloseStatus(closeErr) != tc.code {
			t.Errorf("%v: closed with %v, want %d", tc.msg, closeErr, tc.code)
		}
		c.CloseNow()
		cancel()
	}
}
