package agent

import (
	"context"
	"time"

	"github.com/parley-voice/parley/agent/turn"
)

// ttsSegment is an answer segment sent to TTS, in send order; the TTS
// server answers in the same order, so audio belongs to the oldest one not
// yet done.
type ttsSegment struct {
	turn      int
	cancelled bool
}

// brain owns the turn machine and everything it decides about.
type brain struct {
	s      *session
	m      *turn.Machine
	fifo   []ttsSegment
	answer struct {
		turn     int
		cancel   context.CancelFunc
		running  bool
		recorded bool // the assistant message is in the history
	}
}

func (s *session) brainLoop() {
	cfg := s.srv.cfg.Turn
	cfg.HoldPlayback = s.t.holdsPlayback()
	b := &brain{s: s, m: turn.New(cfg)}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	defer func() {
		if b.answer.cancel != nil {
			b.answer.cancel()
		}
	}()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-tick.C:
			b.do(b.m.Tick(now))
		case e := <-s.events:
			b.handle(e)
		}
	}
}

func (b *brain) handle(e event) {
	s, m := b.s, b.m
	switch e.kind {
	case evSpeechStart:
		s.t.send(vadMsg{Type: "vad", Event: "speech_start"})
		b.do(m.SpeechStart(e.at))
	case evSpeechEnd:
		s.t.send(vadMsg{Type: "vad", Event: "speech_end"})
		b.do(m.SpeechEnd(e.at))
	case evPartial:
		b.do(m.Partial(e.text, e.at))
	case evFinal:
		b.do(m.Final(e.text, e.at))
	case evTyped:
		b.do(m.TypedText(e.text, e.at))
	case evPlayback:
		b.do(m.Playback(e.turn, int64(e.ms), e.at))
	case evLLMDelta:
		if e.turn == b.answer.turn && b.answer.running {
			s.t.send(responseMsg{Type: "response", Turn: e.turn, Delta: e.text})
		}
		b.do(m.LLMDelta(e.turn, e.text, e.at))
	case evLLMError:
		s.log.Error("answer failed", "turn", e.turn, "err", e.err)
		s.t.send(errorMsg{Type: "error", Message: e.msg, Code: int(closeServerError)})
		fallthrough
	case evLLMDone:
		if e.turn == b.answer.turn && b.answer.running {
			b.answer.running = false
			s.t.send(responseDoneMsg{Type: "response_done", Turn: e.turn, Text: e.text})
		}
		b.do(m.LLMDone(e.turn, e.text, e.at))
	case evSegmentQueued:
		b.fifo = append(b.fifo, ttsSegment{turn: e.turn, cancelled: e.turn != b.answer.turn || !b.answer.running})
		if !b.fifo[len(b.fifo)-1].cancelled {
			b.do(m.SegmentQueued(e.turn, e.text, e.at))
		}
	case evTTSAudio:
		if len(b.fifo) == 0 || b.fifo[0].cancelled {
			return // audio of a cleared answer
		}
		// The machine first, so that the page learns the turn is speaking
		// before its first audio arrives.
		b.do(m.SegmentAudio(b.fifo[0].turn, len(e.pcm)/2, e.at))
		s.t.send(audioOut{turn: b.fifo[0].turn, pcm: e.pcm})
	case evTTSDone:
		if len(b.fifo) == 0 {
			return
		}
		head := b.fifo[0]
		b.fifo = b.fifo[1:]
		if !head.cancelled {
			s.t.send(segmentEnd{turn: head.turn})
			b.do(m.SegmentDone(head.turn, e.at))
		}
	case evTTSCleared:
		kept := b.fifo[:0]
		for _, seg := range b.fifo {
			if !seg.cancelled {
				kept = append(kept, seg)
			}
		}
		b.fifo = kept
	case evTTSError:
		s.log.Warn("TTS error", "message", e.text)
	}
}

// do performs the machine's actions, in order. Recognition follows the
// VAD in the ear, which starts and finishes it on its own and always
// delivers a Final, as the machine expects.
func (b *brain) do(acts []turn.Action) {
	s := b.s
	for _, a := range acts {
		switch a := a.(type) {
		case turn.StateChanged:
			s.t.send(stateMsg{Type: "state", State: a.To.String(), Turn: a.Turn})
		case turn.EmitTranscript:
			s.t.send(transcriptMsg{Type: "transcript", Turn: a.Turn, Text: a.Text, Final: a.Final, Continues: a.Continues})
		case turn.AddUser:
			s.history.AddUser(a.Text)
		case turn.AddAssistant:
			s.history.AddAssistant(a.Text)
		case turn.StartResponse:
			b.startAnswer(a.Turn)
		case turn.CancelResponse:
			b.cancelAnswer(a.Turn)
		case turn.StopPlayback:
			s.t.send(stopPlaybackMsg{Type: "stop_playback", Turn: a.Turn})
		case turn.HoldPlayback:
			s.t.send(holdMsg{turn: a.Turn})
		case turn.ResumePlayback:
			s.t.send(resumeMsg{turn: a.Turn})
		case turn.Interrupted:
			s.t.send(interruptedMsg{Type: "interrupted", Turn: a.Turn, HeardText: a.HeardText})
		case turn.Metrics:
			b.metrics(a)
		}
	}
}

func (b *brain) startAnswer(turnN int) {
	s := b.s
	if b.answer.cancel != nil {
		b.answer.cancel()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	b.answer.turn, b.answer.cancel, b.answer.running = turnN, cancel, true
	msgs := s.history.Messages()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.speakAnswer(ctx, turnN, msgs)
	}()
}

// cancelAnswer stops the answer of turnN: the LLM stream and the TTS of its
// segments. Audio still in flight for them is dropped.
func (b *brain) cancelAnswer(turnN int) {
	s := b.s
	for i := range b.fifo {
		if b.fifo[i].turn == turnN {
			b.fifo[i].cancelled = true
		}
	}
	if b.answer.turn != turnN {
		return
	}
	if b.answer.running {
		// The mouth clears TTS itself once it has stopped sending, so no
		// text of this answer can follow the clear.
		b.answer.cancel()
		b.answer.running = false
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		defer cancel()
		_ = s.tts.Clear(ctx)
	}()
}

func (b *brain) metrics(a turn.Metrics) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rec := turnRecord{Turn: a.Turn,
		SpeechEndToTranscript:  ms(a.SpeechEndToTranscript),
		TranscriptToFirstToken: ms(a.TranscriptToFirstToken),
		FirstTokenToFirstAudio: ms(a.FirstTokenToFirstAudio),
		FirstAudioToPlayed:     ms(a.FirstAudioToPlayed),
		SpeechEndToPlayed:      ms(a.SpeechEndToPlayed),
		Interrupted:            a.Interrupted,
	}
	b.s.t.send(metricsMsg{Type: "metrics", turnRecord: rec})
	if len(b.s.turns) < maxRecordedTurns {
		b.s.turns = append(b.s.turns, rec)
	}
	h := b.s.srv.deps.Metrics.AgentStage
	kind := b.s.t.kind()
	for stage, d := range map[string]time.Duration{
		"speech_end_to_transcript": a.SpeechEndToTranscript, "transcript_to_first_token": a.TranscriptToFirstToken,
		"first_token_to_first_audio": a.FirstTokenToFirstAudio, "first_audio_to_played": a.FirstAudioToPlayed,
		"speech_end_to_played": a.SpeechEndToPlayed,
	} {
		if d > 0 {
			h.WithLabelValues(stage, kind).Observe(d.Seconds())
		}
	}
}
