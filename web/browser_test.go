package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "save the agent page's screenshot as testdata/agent.png")

const (
	chromiumPath = "/usr/bin/chromium"
	fakeKey      = "pk_browser_test_key"
	question     = "what time is it"
	answer1      = "It is ten past three in the afternoon."
	answer2      = "Here is a much longer answer, so that there is plenty of audio left to interrupt while it is still playing."
	heard2       = "Here is a much longer answer,"
)

// TestAgentPage runs the agent page in Chromium (tests/node/agent-page.mjs)
// against a fake /v1/agent that speaks the protocol with real speech, and
// checks what each side saw: a reconnect after the first connection is
// dropped, the page's start message and microphone frames, its playback
// reports, the transcript and the waterfall on the page, and a barge-in
// that must drop the buffered audio at once.
func TestAgentPage(t *testing.T) {
	nodeDir, err := filepath.Abs("../tests/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is required for the browser test (apt-get install chromium): %v", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is required for the browser test (make test-deps): %v", err)
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("npm package playwright-core is not installed (make test-deps): %v", err)
	}

	eng, err := engine.Open(engine.Config{DisableEspeak: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	dir := t.TempDir()
	// Chromium's fake capture device loops this file as the microphone.
	wav := filepath.Join(dir, "question.wav")
	q := audio.Resample(speak(t, eng, "What time is it?"), protocol.SampleRate, 16000)
	if err := os.WriteFile(wav, audio.EncodeWAV(q, 16000), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := &fakeAgent{answer1: speak(t, eng, answer1), answer2: speak(t, eng, answer2), done: make(chan struct{})}

	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	mux.Handle(Path+"/", Handler())
	mux.Handle("/v1/agent", fake)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer fake.wait()
	defer close(fake.done)

	shot := filepath.Join(dir, "agent.png")
	if *updateScreenshot {
		shot, err = filepath.Abs(filepath.Join("testdata", "agent.png"))
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "agent-page.mjs",
		"--url", srv.URL+Path+"#key="+fakeKey, "--fake-audio", wav, "--screenshot", shot,
		"--turns", "1", "--type", "tell me more", "--barge-in", "--timeout", "20000")
	cmd.Dir = nodeDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var res pageResult
	if err := json.Unmarshal(lastLine(out), &res); err != nil || runErr != nil || !res.OK {
		t.Fatalf("agent-page.mjs: %v (%v)\nstdout: %s\nstderr: %s\nfake: %s", runErr, err, out, stderr.String(), fake.summary())
	}
	if len(res.Console) > 0 {
		t.Errorf("console errors or warnings: %q", res.Console)
	}

	fake.mu.Lock()
	defer fake.mu.Unlock()
	p := res.Parley
	t.Run("start", func(t *testing.T) {
		s := fake.start
		if s.Type != "start" || s.APIKey != fakeKey || s.Language != "Auto" {
			t.Errorf("start message %+v", s)
		}
		if s.InputSampleRate < 8000 || s.InputSampleRate > 96000 || s.InputSampleRate != p.ContextSampleRate {
			t.Errorf("input_sample_rate %d, the page's AudioContext runs at %d", s.InputSampleRate, p.ContextSampleRate)
		}
		if fake.starts != 2 || fake.conns != 2 {
			t.Errorf("%d connections with %d start messages: want the page to reconnect once after 1001", fake.conns, fake.starts)
		}
		if len(p.Closes) != 1 || p.Closes[0].Code != 1001 || p.Sessions != 2 {
			t.Errorf("page saw closes %+v and %d sessions: want one 1001 close, then a second session", p.Closes, p.Sessions)
		}
		if res.DOM.LocationHash != "" || !res.DOM.StoredKey {
			t.Errorf("the key in the URL fragment: hash %q left, stored %v", res.DOM.LocationHash, res.DOM.StoredKey)
		}
	})
	t.Run("microphone frames", func(t *testing.T) {
		rate := fake.start.InputSampleRate
		want := 2 * int(math.Round(float64(rate)*0.02))
		if len(fake.frameSizes) == 0 || fake.audioBytes < 2*rate {
			t.Fatalf("%d frames, %d bytes: want at least 1 s at %d Hz", len(fake.frameSizes), fake.audioBytes, rate)
		}
		for i, n := range fake.frameSizes {
			if n != want {
				t.Fatalf("frame %d is %d bytes, want %d (20 ms)", i, n, want)
			}
		}
		// The page goes on sending after its counters were read, never less.
		if len(fake.frameSizes) < p.FramesSent {
			t.Errorf("page counted %d frames sent, server got %d", p.FramesSent, len(fake.frameSizes))
		}
	})
	t.Run("transcript", func(t *testing.T) {
		var partial, final bool
		for _, tr := range p.Transcripts {
			partial = partial || (!tr.Final && tr.Text == "what time")
			final = final || (tr.Final && tr.Text == question && tr.Turn == 1)
		}
		if !partial || !final {
			t.Errorf("transcripts %+v: want the partial and the final one", p.Transcripts)
		}
		for _, s := range []string{question, answer1, heard2, "interrupted", "tell me more"} {
			if !strings.Contains(res.DOM.LogText, s) {
				t.Errorf("the conversation lacks %q:\n%s", s, res.DOM.LogText)
			}
		}
	})
	t.Run("playback reports", func(t *testing.T) {
		reps := fake.reports(1)
		durMS := float64(len(fake.answer1)) * 1000 / protocol.SampleRate
		if len(reps) < 3 {
			t.Fatalf("%d playback reports for %.0f ms of audio: %+v", len(reps), durMS, reps)
		}
		for i := 1; i < len(reps); i++ {
			if reps[i].PlayedMS < reps[i-1].PlayedMS {
				t.Errorf("played_ms went back: %+v", reps)
			}
		}
		if last := reps[len(reps)-1].PlayedMS; math.Abs(last-durMS) > 300 {
			t.Errorf("last played_ms %.0f, the turn's audio lasts %.0f ms", last, durMS)
		}
		if p.ChunksReceived < fake.chunksSent {
			t.Errorf("page received %d chunks, fake sent %d", p.ChunksReceived, fake.chunksSent)
		}
	})
	t.Run("waterfall", func(t *testing.T) {
		if got := res.DOM.WaterfallSegments["1"]; got != 4 {
			t.Errorf("turn 1 has %d waterfall bars, want 4 (%v)", got, res.DOM.WaterfallSegments)
		}
		if got := res.DOM.WaterfallSegments["2"]; got != 2 {
			t.Errorf("turn 2 (typed, interrupted) has %d bars, want 2 (%v)", got, res.DOM.WaterfallSegments)
		}
		var labelled bool
		for _, l := range res.DOM.WaterfallLabels {
			labelled = labelled || strings.HasSuffix(l, " ms")
		}
		if !labelled {
			t.Errorf("no ms labels in the waterfall: %q", res.DOM.WaterfallLabels)
		}
	})
	t.Run("barge-in", func(t *testing.T) {
		b := res.BargeIn
		if b == nil || b.Flush == nil {
			t.Fatalf("no flush recorded: %+v", b)
		}
		if b.Flush.Turn != 2 || b.Flush.Dropped <= 0 {
			t.Errorf("flush %+v: want turn 2 with buffered audio dropped", b.Flush)
		}
		if b.FlushDelayMS > 100 {
			t.Errorf("playback flushed %.0f ms after stop_playback", b.FlushDelayMS)
		}
		if b.SamplesAt100 != b.SamplesAt600 || b.SamplesAt100 != b.Flush.Total {
			t.Errorf("frames played kept growing after stop_playback: %d at flush, %d at +100 ms, %d at +600 ms",
				b.Flush.Total, b.SamplesAt100, b.SamplesAt600)
		}
		if p.ChunksDropped < 1 {
			t.Error("audio sent after stop_playback was not dropped")
		}
		reps := fake.reports(2)
		durMS := float64(len(fake.answer2)) * 1000 / protocol.SampleRate
		if len(reps) == 0 {
			t.Fatal("no playback reports for the interrupted turn")
		}
		if last := reps[len(reps)-1].PlayedMS; last < 300 || last > durMS-1000 {
			t.Errorf("interrupted turn reported %.0f ms played of %.0f ms", last, durMS)
		}
	})
	t.Run("screenshot", func(t *testing.T) {
		b, err := os.ReadFile(shot)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("screenshot %s: %v (%d bytes)", shot, err, len(b))
		}
	})
}

// pageResult is what agent-page.mjs prints.
type pageResult struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Console []string `json:"console"`
	DOM     struct {
		LogText           string         `json:"logText"`
		LocationHash      string         `json:"locationHash"`
		StoredKey         bool           `json:"storedKey"`
		WaterfallSegments map[string]int `json:"waterfallSegments"`
		WaterfallLabels   []string       `json:"waterfallLabels"`
	} `json:"dom"`
	Parley struct {
		ContextSampleRate int `json:"contextSampleRate"`
		FramesSent        int `json:"framesSent"`
		ChunksReceived    int `json:"chunksReceived"`
		ChunksDropped     int `json:"chunksDropped"`
		Sessions          int `json:"sessions"`
		Closes            []struct {
			Code int `json:"code"`
		} `json:"closes"`
		Transcripts []struct {
			Turn  int    `json:"turn"`
			Text  string `json:"text"`
			Final bool   `json:"final"`
		} `json:"transcripts"`
	} `json:"parley"`
	BargeIn *struct {
		Flush *struct {
			Turn    int `json:"turn"`
			Dropped int `json:"dropped"`
			Total   int `json:"total"`
		} `json:"flush"`
		FlushDelayMS float64 `json:"flushDelayMs"`
		SamplesAt100 int     `json:"samplesAt100"`
		SamplesAt600 int     `json:"samplesAt600"`
	} `json:"bargeIn"`
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

func speak(t *testing.T, e *engine.Engines, text string) []int16 {
	t.Helper()
	var pcm []int16
	err := e.Synthesize(context.Background(), engine.Segment{Text: text, Language: protocol.English},
		engine.Voice{Engine: engine.Flite, Name: "slt"}, func(p []int16) error {
			pcm = append(pcm, p...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

type playbackReport struct {
	Turn     int
	PlayedMS float64
	At       time.Time
}

// fakeAgent plays a scripted conversation over /v1/agent: a voice turn
// once a second of microphone audio has arrived, and a typed turn that it
// interrupts (stop_playback) once the page reports some of it played.
type fakeAgent struct {
	answer1, answer2 []int16 // 24 kHz speech
	done             chan struct{}
	wg               sync.WaitGroup

	mu    sync.Mutex
	start struct {
		Type            string `json:"type"`
		APIKey          string `json:"api_key"`
		InputSampleRate int    `json:"input_sample_rate"`
		Language        string `json:"language"`
	}
	starts     int // start messages, one per connection
	frameSizes []int
	audioBytes int
	conns      int
	playback   []playbackReport
	texts      []string
	chunksSent int
	errs       []string
}

func (f *fakeAgent) wait() { f.wg.Wait() }

func (f *fakeAgent) summary() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join([]string{
		"conns=" + itoa(f.conns), "start=" + f.start.Type, "frames=" + itoa(len(f.frameSizes)), "reports=" + itoa(len(f.playback)),
		"texts=" + strings.Join(f.texts, "|"), "errors=" + strings.Join(f.errs, "|"),
	}, " ")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func (f *fakeAgent) reports(turn int) []playbackReport {
	var r []playbackReport
	for _, p := range f.playback {
		if p.Turn == turn {
			r = append(r, p)
		}
	}
	return r
}

func (f *fakeAgent) fail(err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err.Error())
	f.mu.Unlock()
}

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.wg.Add(1)
	defer f.wg.Done()
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		f.fail(err)
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(64 << 10)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-f.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	f.mu.Lock()
	f.conns++
	first := f.conns == 1
	f.mu.Unlock()
	s := &fakeSession{f: f, c: c, drop: first, voice: make(chan struct{}), typed: make(chan struct{}, 1), progress: make(chan struct{}, 1)}
	scriptDone := make(chan struct{})
	go func() {
		defer close(scriptDone)
		if err := s.script(ctx); err != nil && ctx.Err() == nil {
			f.fail(err)
		}
	}()
	err = s.read(ctx)
	cancel()
	<-scriptDone
	if err != nil && websocket.CloseStatus(err) != websocket.StatusNormalClosure && ctx.Err() == nil {
		f.fail(err)
	}
}

type fakeSession struct {
	f          *fakeAgent
	c          *websocket.Conn
	drop       bool // close with 1001 once ready, to make the page reconnect
	audioBytes int
	started    bool
	voice      chan struct{} // closed after 1 s of microphone audio
	typed      chan struct{}
	progress   chan struct{} // a playback report arrived
}

func (s *fakeSession) read(ctx context.Context) error {
	f := s.f
	for {
		typ, b, err := s.c.Read(ctx)
		if err != nil {
			return err
		}
		f.mu.Lock()
		if typ == websocket.MessageBinary {
			f.frameSizes = append(f.frameSizes, len(b))
			f.audioBytes += len(b)
			s.audioBytes += len(b)
			enough := f.start.InputSampleRate > 0 && s.audioBytes >= 2*f.start.InputSampleRate
			f.mu.Unlock()
			if enough && !s.started {
				s.started = true
				close(s.voice)
			}
			continue
		}
		var m struct {
			Type     string  `json:"type"`
			Turn     int     `json:"turn"`
			PlayedMS float64 `json:"played_ms"`
			Text     string  `json:"text"`
		}
		err = json.Unmarshal(b, &m)
		switch {
		case err != nil:
		case m.Type == "start":
			f.starts++
			err = json.Unmarshal(b, &f.start)
		case m.Type == "playback":
			f.playback = append(f.playback, playbackReport{Turn: m.Turn, PlayedMS: m.PlayedMS, At: time.Now()})
		case m.Type == "text":
			f.texts = append(f.texts, m.Text)
		}
		f.mu.Unlock()
		if err != nil {
			return err
		}
		switch m.Type {
		case "start":
			if err := s.send(ctx, map[string]any{"type": "ready", "session_id": "sess_fake", "output_sample_rate": protocol.SampleRate}); err != nil {
				return err
			}
		case "playback":
			select {
			case s.progress <- struct{}{}:
			default:
			}
		case "text":
			select {
			case s.typed <- struct{}{}:
			default:
			}
		}
	}
}

func (s *fakeSession) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.c.Write(ctx, websocket.MessageText, b)
}

// sendAudio streams pcm in 60 ms chunks at about three times real time,
// as a TTS engine faster than real time would.
func (s *fakeSession) sendAudio(ctx context.Context, pcm []int16) error {
	const chunk = protocol.SampleRate * 60 / 1000
	for i := 0; i < len(pcm); i += chunk {
		end := min(i+chunk, len(pcm))
		if err := s.c.Write(ctx, websocket.MessageBinary, audio.PCMToBytes(nil, pcm[i:end])); err != nil {
			return err
		}
		s.f.mu.Lock()
		s.f.chunksSent++
		s.f.mu.Unlock()
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// awaitPlayed waits until the page reports at least ms of turn played,
// and returns when the first audio was heard (the report's time less
// what it says was played).
func (s *fakeSession) awaitPlayed(ctx context.Context, turn int, ms float64) (firstPlayed time.Time, err error) {
	deadline := time.After(10 * time.Second)
	for {
		s.f.mu.Lock()
		reps := s.f.reports(turn)
		s.f.mu.Unlock()
		if len(reps) > 0 {
			r := reps[0]
			firstPlayed = r.At.Add(-time.Duration(r.PlayedMS * float64(time.Millisecond)))
			if reps[len(reps)-1].PlayedMS >= ms {
				return firstPlayed, nil
			}
		}
		select {
		case <-s.progress:
		case <-deadline:
			return firstPlayed, errors.New("timed out waiting for playback reports")
		case <-ctx.Done():
			return firstPlayed, ctx.Err()
		}
	}
}

func (s *fakeSession) script(ctx context.Context) error {
	type msg = map[string]any
	if s.drop {
		if err := sleep(ctx, 300*time.Millisecond); err != nil {
			return nil
		}
		return s.c.Close(websocket.StatusGoingAway, "restarting")
	}
	select {
	case <-s.voice:
	case <-ctx.Done():
		return nil
	}
	steps := []struct {
		m     msg
		pause time.Duration
	}{
		{msg{"type": "state", "state": "user_speaking", "turn": 1}, 0},
		{msg{"type": "vad", "event": "speech_start"}, 0},
		{msg{"type": "transcript", "turn": 1, "text": "what time", "final": false}, 150 * time.Millisecond},
		{msg{"type": "vad", "event": "speech_end"}, 0},
		{msg{"type": "state", "state": "thinking", "turn": 1}, 120 * time.Millisecond},
	}
	for _, st := range steps {
		if err := s.send(ctx, st.m); err != nil {
			return err
		}
		if err := sleep(ctx, st.pause); err != nil {
			return err
		}
	}
	speechEnd := time.Now().Add(-120 * time.Millisecond)
	if err := s.send(ctx, msg{"type": "transcript", "turn": 1, "text": question, "final": true}); err != nil {
		return err
	}
	transcript := time.Now()
	if err := sleep(ctx, 80*time.Millisecond); err != nil {
		return err
	}
	firstToken := time.Now()
	for _, d := range []string{"It is ten ", "past three ", "in the afternoon."} {
		if err := s.send(ctx, msg{"type": "response", "turn": 1, "delta": d}); err != nil {
			return err
		}
	}
	if err := s.send(ctx, msg{"type": "state", "state": "speaking", "turn": 1}); err != nil {
		return err
	}
	if err := sleep(ctx, 60*time.Millisecond); err != nil {
		return err
	}
	firstAudio := time.Now()
	if err := s.sendAudio(ctx, s.f.answer1); err != nil {
		return err
	}
	if err := s.send(ctx, msg{"type": "response_done", "turn": 1, "text": answer1}); err != nil {
		return err
	}
	durMS := float64(len(s.f.answer1)) * 1000 / protocol.SampleRate
	played, err := s.awaitPlayed(ctx, 1, durMS-50)
	if err != nil {
		return err
	}
	if err := s.send(ctx, msg{"type": "state", "state": "listening", "turn": 1}); err != nil {
		return err
	}
	ms := func(a, b time.Time) float64 { return float64(b.Sub(a).Microseconds()) / 1000 }
	if err := s.send(ctx, msg{"type": "metrics", "turn": 1,
		"speech_end_to_transcript_ms": ms(speechEnd, transcript), "transcript_to_first_token_ms": ms(transcript, firstToken),
		"first_token_to_first_audio_ms": ms(firstToken, firstAudio), "first_audio_to_played_ms": ms(firstAudio, played),
		"speech_end_to_played_ms": ms(speechEnd, played)}); err != nil {
		return err
	}

	// The typed turn, interrupted.
	select {
	case <-s.typed:
	case <-ctx.Done():
		return nil
	}
	transcript = time.Now()
	if err := s.send(ctx, msg{"type": "state", "state": "thinking", "turn": 2}); err != nil {
		return err
	}
	if err := sleep(ctx, 50*time.Millisecond); err != nil {
		return err
	}
	firstToken = time.Now()
	for _, m := range []msg{
		{"type": "response", "turn": 2, "delta": answer2},
		{"type": "state", "state": "speaking", "turn": 2},
	} {
		if err := s.send(ctx, m); err != nil {
			return err
		}
	}
	firstAudio = time.Now()
	if err := s.sendAudio(ctx, s.f.answer2); err != nil {
		return err
	}
	if err := s.send(ctx, msg{"type": "response_done", "turn": 2, "text": answer2}); err != nil {
		return err
	}
	if played, err = s.awaitPlayed(ctx, 2, 400); err != nil {
		return err
	}
	if err := s.send(ctx, msg{"type": "stop_playback", "turn": 2}); err != nil {
		return err
	}
	// Audio already in flight when the server stopped must not play.
	if err := s.c.Write(ctx, websocket.MessageBinary, audio.PCMToBytes(nil, s.f.answer2[:2400])); err != nil {
		return err
	}
	for _, m := range []msg{
		{"type": "interrupted", "turn": 2, "heard_text": heard2},
		{"type": "state", "state": "listening", "turn": 2},
		{"type": "metrics", "turn": 2, "interrupted": true, "transcript_to_first_token_ms": ms(transcript, firstToken),
			"first_token_to_first_audio_ms": ms(firstToken, firstAudio), "speech_end_to_played_ms": ms(transcript, played)},
	} {
		if err := s.send(ctx, m); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
