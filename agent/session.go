package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/agent/llm"
	"github.com/parley-voice/parley/agent/vad"
	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/store"
)

// sttRate is the rate the VAD and the recognisers work at.
const sttRate = 16000

// Close codes of /v1/agent (the realtime protocol's, where they fit).
const (
	closeAuthTimeout = websocket.StatusCode(protocol.CloseAuthTimeout)
	closeAuthFailed  = websocket.StatusCode(protocol.CloseAuthFailed)
	closeInvalid     = websocket.StatusCode(protocol.CloseInvalid)
	closeServerError = websocket.StatusCode(protocol.CloseServerError)
	closeServerFull  = websocket.StatusCode(protocol.CloseSlotsOccupied)
)

type evKind uint8

const (
	evSpeechStart evKind = iota
	evSpeechEnd
	evPartial
	evFinal
	evTyped
	evPlayback
	evLLMDelta
	evLLMDone
	evLLMError
	evSegmentQueued
	evTTSAudio
	evTTSDone
	evTTSCleared
	evTTSError
)

// event is one input to the brain.
type event struct {
	kind evKind
	at   time.Time // when it happened (for speech end: when the speech ended)
	turn int
	text string
	pcm  []byte  // evTTSAudio
	ms   float64 // evPlayback
	err  error
	// msg is what the client is told of err (evLLMError): err may quote
	// internal addresses, and goes only to the log.
	msg string
}

// session is one conversation with the agent, over either transport.
type session struct {
	srv    *Server
	t      transport
	ttsURL string
	id     string
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	audioIn chan []int16 // transport → ear, at the input rate
	events  chan event   // everyone → brain
	earCtl  chan struct{}

	// Set by the handshake and open, before the other goroutines run.
	principal auth.Principal
	language  protocol.Language
	inputRate int
	tts       *client.Conn
	rec       Recognizer
	det       vad.Detector
	vadName   string
	history   *llm.History
	// call is a phone call's admission, nil in the browser.
	call      *phone.Call
	opened    bool
	startedAt time.Time

	// releasePlace gives back the place open took; run calls it.
	releasePlace func()
	// apiKey is the user's key (a phone call's credential), checked
	// again at every answer.
	apiKey string

	// turns records each answered turn's latencies for the call record;
	// the brain writes it, run reads it once the brain has stopped.
	turns []turnRecord

	endOnce   sync.Once
	endReason string // written once, by end
}

// maxRecordedTurns bounds a call record's turns.
const maxRecordedTurns = 1000

func newSession(srv *Server, t transport, ttsURL string) *session {
	ctx, cancel := context.WithCancel(context.Background())
	var b [9]byte
	_, _ = rand.Read(b[:])
	id := "agent_" + hex.EncodeToString(b[:])
	return &session{
		srv: srv, t: t, ttsURL: ttsURL, id: id,
		log:     srv.log.With("agent_session", id, "transport", t.kind()),
		ctx:     ctx,
		cancel:  cancel,
		audioIn: make(chan []int16, 64),
		events:  make(chan event, 512),
		earCtl:  make(chan struct{}, 1),
	}
}

// end closes the session with code (once); safe from any goroutine.
func (s *session) end(code websocket.StatusCode, reason string) {
	s.endOnce.Do(func() {
		s.endReason = reason
		s.t.close(code, reason)
		s.cancel()
	})
}

func (s *session) fail(code websocket.StatusCode, msg string) {
	s.t.send(errorMsg{Type: "error", Message: msg, Code: int(code)})
	s.end(code, msg)
}

func (s *session) run() {
	kind := s.t.kind()
	sessions := s.srv.deps.Metrics.AgentSessions.WithLabelValues(kind)
	sessions.Inc()
	defer sessions.Dec()
	s.startedAt = time.Now()
	writerDone := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(writerDone)
		s.t.writeLoop(s)
	}()
	defer func() {
		s.end(websocket.StatusNormalClosure, "")
		select {
		case <-writerDone:
		case <-time.After(5 * time.Second):
			s.t.closeNow()
		}
		s.t.closeNow()
		s.wg.Wait()
		if s.tts != nil {
			_ = s.tts.Close()
		}
		if s.det != nil {
			_ = s.det.Close()
		}
		if s.releasePlace != nil {
			s.releasePlace()
		}
		if s.call != nil {
			s.call.Release()
		}
		if s.opened {
			s.srv.deps.Metrics.AgentCalls.WithLabelValues(kind).Observe(time.Since(s.startedAt).Seconds())
		}
		s.record()
	}()
	o, err := s.t.handshake(s)
	if err != nil {
		return
	}
	if err := s.open(o); err != nil {
		return
	}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.earLoop() }()
	go func() { defer s.wg.Done(); s.brainLoop() }()
	go func() { defer s.wg.Done(); s.listenTTS() }()
	s.t.readLoop(s)
}

// open authenticates, takes a place, and opens TTS, VAD and STT. It
// reports errors to the client itself.
func (s *session) open(o opening) error {
	p, err := s.srv.deps.Keys.Authenticate(s.ctx, o.apiKey)
	if err != nil {
		switch {
		case errors.Is(err, auth.ErrUnauthorized):
			s.fail(closeAuthFailed, "Authentication failed")
		case errors.Is(err, store.ErrUnavailable):
			s.log.Error("agent authentication failed", "err", err)
			s.fail(closeServerError, "service temporarily unavailable: its database cannot be reached; reconnect shortly")
		default:
			s.log.Error("agent authentication failed", "err", err)
			s.fail(closeServerError, "internal server error")
		}
		return err
	}
	if !p.Plan.WebSocket {
		s.fail(closeAuthFailed, "the key's plan has no realtime access, which the agent's speech needs")
		return errors.New("plan")
	}
	release, ok := s.srv.takePlace()
	if !ok {
		s.fail(closeServerFull, "too many agent sessions")
		return errors.New("no place")
	}
	s.releasePlace, s.apiKey = release, o.apiKey
	s.principal, s.language, s.inputRate = p, o.language, o.inputRate

	key := s.srv.cfg.TTSKey
	if key == "" {
		key = o.apiKey
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.srv.cfg.ConnectTimeout)
	defer cancel()
	tts, err := client.Dial(ctx, client.Config{
		URL: s.ttsURL, APIKey: key, VoiceDescription: o.voiceDescription, Voice: o.voice,
		Language: string(o.language), BinaryMode: true, KeepAlive: -1,
	})
	if err != nil {
		var ce *client.CloseError
		if errors.As(err, &ce) {
			// The TTS server's close reason is written for its clients,
			// which the agent passes on; the rest of the error is ours.
			s.log.Warn("TTS refused the agent's session", "err", err)
			reason := ce.Message
			if reason == "" {
				reason = ce.Reason
			}
			s.fail(websocket.StatusCode(ce.Code), "speech: "+reason)
		} else {
			s.log.Error("agent could not reach TTS", "url", s.ttsURL, "err", err)
			s.fail(closeServerError, "speech service unavailable")
		}
		return err
	}
	s.tts = tts
	det, fallback, err := vad.New(s.srv.cfg.VAD)
	if err != nil {
		s.fail(closeServerError, "voice activity detection unavailable")
		return err
	}
	s.det, s.vadName = det, "silero"
	if fallback != nil {
		s.vadName = "energy"
		s.log.Warn("Silero VAD unavailable, using the energy detector", "reason", fallback)
	}
	s.rec = s.srv.deps.STT.NewRecognizer(string(o.language))
	system := s.srv.cfg.SystemPrompt
	if strings.TrimSpace(o.instructions) != "" {
		system += "\n\n" + o.instructions
	}
	s.history = llm.NewHistory(llm.HistoryConfig{System: system})
	s.opened = true
	s.t.send(readyMsg{Type: "ready", SessionID: s.id, OutputSampleRate: protocol.SampleRate,
		VAD: s.vadName, STT: s.srv.deps.STT.Name(), LLM: s.srv.deps.LLM.Name()})
	s.log.Info("agent session started", "key", p.KeyID, "vad", s.vadName, "stt", s.srv.deps.STT.Name(), "llm", s.srv.deps.LLM.Name())
	return nil
}

// hear hands the user's audio, at the input rate, to the ear; it reports
// false once the session has ended.
func (s *session) hear(pcm []int16) bool {
	select {
	case s.audioIn <- pcm:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// record stores the call record of a session that was opened.
func (s *session) record() {
	if !s.opened || s.srv.deps.Calls == nil {
		return
	}
	metrics, err := json.Marshal(s.turns)
	if err != nil {
		s.log.Error("call record", "err", err)
		return
	}
	if s.turns == nil {
		metrics = []byte("[]")
	}
	reason := s.endReason
	if reason == "" {
		reason = "connection closed"
	}
	c := store.Call{ID: s.id, AccountID: s.principal.AccountID, KeyID: s.principal.KeyID, Transport: s.t.kind(),
		StartedAt: s.startedAt, EndedAt: time.Now(), Turns: len(s.turns), TurnMetrics: metrics, EndReason: reason}
	if s.call != nil {
		c.NumberID, c.CallSID, c.From, c.To = s.call.NumberID, s.call.CallSID, s.call.From, s.call.To
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.deps.Calls.CreateCall(ctx, c); err != nil {
		s.log.Error("call record not stored", "err", err)
	}
}

// emit hands an event to the brain.
func (s *session) emit(e event) {
	select {
	case s.events <- e:
	case <-s.ctx.Done():
	}
}

// earLoop turns microphone audio into speech events and transcripts.
func (s *session) earLoop() {
	// toSTT brings the microphone to the recogniser's rate. Telephone
	// audio is widened rather than resampled for pocketsphinx: its model
	// is wideband and hears next to nothing in a signal with an empty
	// upper band (audio.Widener). Other recognisers get it as it is.
	toSTT := audio.NewResampler(s.inputRate, sttRate).Process
	if _, sphinx := s.srv.deps.STT.(Sphinx); sphinx && s.inputRate == 8000 && sttRate == 16000 {
		toSTT = audio.NewWidener().Process
	}
	var buf []int16
	var streamed int64 // 16 kHz samples given to the VAD
	inUtterance := false
	tick := time.NewTicker(s.srv.cfg.PartialInterval)
	defer tick.Stop()
	lastPartial := ""
	for {
		select {
		case <-s.ctx.Done():
			s.rec.Cancel()
			return
		case <-s.earCtl:
			if inUtterance {
				s.rec.Cancel()
				inUtterance = false
			}
		case <-tick.C:
			if inUtterance {
				if p := s.rec.Partial(); p != "" && p != lastPartial {
					lastPartial = p
					s.emit(event{kind: evPartial, at: time.Now(), text: p})
				}
			}
		case pcm := <-s.audioIn:
			now := time.Now()
			buf = toSTT(buf[:0], pcm)
			evs, err := s.det.Write(buf)
			if err != nil {
				s.log.Error("VAD failed", "err", err)
				s.fail(closeServerError, "voice activity detection failed")
				return
			}
			end := streamed + int64(len(buf))
			streamed = end
			wall := func(at time.Duration) time.Time {
				// Audio arrives in real time: the end of this chunk is now.
				return now.Add(at - time.Duration(end)*time.Second/sttRate)
			}
			wrote := false
			for _, ev := range evs {
				switch ev.Type {
				case vad.SpeechStart:
					if err := s.rec.Start(s.ctx); err != nil {
						if s.ctx.Err() == nil {
							s.log.Error("recogniser unavailable", "err", err)
						}
						continue
					}
					inUtterance, lastPartial, wrote = true, "", true
					// The turn machine hears of the speech before the
					// recogniser decodes its onset: a barge-in's hold must
					// not wait for that.
					s.emit(event{kind: evSpeechStart, at: wall(ev.At)})
					_ = s.rec.Write(ev.Audio)
				case vad.SpeechEnd:
					if !inUtterance {
						continue
					}
					if !wrote {
						_ = s.rec.Write(buf)
						wrote = true
					}
					inUtterance = false
					s.emit(event{kind: evSpeechEnd, at: wall(ev.At)})
					s.wg.Add(1)
					go func() {
						defer s.wg.Done()
						text, err := s.rec.Finish(s.ctx)
						if err != nil && s.ctx.Err() == nil {
							s.log.Warn("recognition failed", "err", err)
						}
						s.emit(event{kind: evFinal, at: time.Now(), text: text})
					}()
				}
			}
			if inUtterance && !wrote {
				if err := s.rec.Write(buf); err != nil {
					s.log.Warn("recogniser write failed", "err", err)
				}
			}
		}
	}
}

// listenTTS turns TTS events into brain events.
func (s *session) listenTTS() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev, ok := <-s.tts.Events():
			if !ok {
				if err := s.tts.Err(); err != nil && s.ctx.Err() == nil {
					s.log.Error("TTS connection ended", "err", err)
					s.fail(closeServerError, "speech service connection lost")
				}
				return
			}
			now := time.Now()
			switch e := ev.(type) {
			case *client.Audio:
				s.emit(event{kind: evTTSAudio, at: now, pcm: e.PCM})
			case *client.Done:
				s.emit(event{kind: evTTSDone, at: now})
			case *client.Cleared:
				s.emit(event{kind: evTTSCleared, at: now})
			case *client.ErrorEvent:
				s.emit(event{kind: evTTSError, at: now, text: e.Message})
			case *client.Reconnected:
				s.log.Warn("TTS reconnected; audio of unfinished segments may repeat", "session", e.SessionID)
			}
		}
	}
}

// speakAnswer streams the LLM's answer for turn and sends each finished
// segment to TTS as its own generation. When ctx is cancelled (barge-in) it
// stops sending and clears the TTS generation in progress.
func (s *session) speakAnswer(ctx context.Context, turnN int, msgs []llm.Message) {
	defer func() {
		if ctx.Err() != nil && s.ctx.Err() == nil {
			cctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
			_ = s.tts.Clear(cctx)
			cancel()
		}
	}()
	if s.keyRevoked(ctx) {
		s.fail(closeAuthFailed, "API key revoked")
		return
	}
	cfg := segment.DefaultConfig()
	cfg.Language = s.language
	seg, err := segment.New(cfg)
	if err != nil {
		s.emit(event{kind: evLLMError, turn: turnN, err: err, msg: "the answer failed"})
		return
	}
	var sent strings.Builder // the answer as far as it went to TTS
	var ttsErr error         // set when sending to TTS failed, not the LLM
	send := func(parts []string) error {
		for _, p := range parts {
			if strings.TrimSpace(p) == "" {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sent.WriteString(p)
			s.emit(event{kind: evSegmentQueued, at: time.Now(), turn: turnN, text: p})
			if err := s.tts.SendText(ctx, p); err != nil {
				ttsErr = err
				return err
			}
			if err := s.tts.Flush(ctx); err != nil {
				ttsErr = err
				return err
			}
		}
		return nil
	}
	full, err := s.srv.deps.LLM.Stream(ctx, msgs, func(delta string) error {
		s.emit(event{kind: evLLMDelta, at: time.Now(), turn: turnN, text: delta})
		return send(seg.Push(delta))
	})
	if err == nil {
		err = send(seg.Flush())
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		msg := "the language model failed"
		if ttsErr != nil {
			msg = "the speech service failed"
		}
		// Only what reached TTS can be heard, and so go into the history.
		s.emit(event{kind: evLLMError, at: time.Now(), turn: turnN, text: strings.TrimSpace(sent.String()), err: err, msg: msg})
		return
	}
	s.emit(event{kind: evLLMDone, at: time.Now(), turn: turnN, text: full})
}

// keyRevoked checks the user's key again as an answer starts (through the
// server's KeyCache: one store lookup per key per KeyRecheck), so that a
// key revoked during a conversation ends it. A store that fails leaves the
// session be: it was authenticated, and closing every session on a store
// hiccup would be worse.
func (s *session) keyRevoked(ctx context.Context) bool {
	_, err := s.srv.keys.Authenticate(ctx, s.apiKey)
	switch {
	case err == nil, ctx.Err() != nil:
		return false
	case errors.Is(err, auth.ErrUnauthorized):
		return true
	}
	s.log.Warn("re-checking the key failed", "err", err)
	return false
}
