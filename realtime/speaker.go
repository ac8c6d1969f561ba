package realtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
)

// speakLoop takes jobs in order and turns them into queued audio and
// messages. It owns each generation's admission and usage accounting.
func (s *session) speakLoop() {
	// The tracks whose generations the speaker has been on, to release
	// what they reserved when it stops.
	seen := map[*track]bool{}
	defer func() {
		for tr := range seen {
			s.end(tr.speaking)
		}
	}()
	authed := false
	for {
		j, ok := s.jobs.pop(s.ctx)
		if !ok {
			return
		}
		tr := j.tr
		seen[tr] = true
		if j.kind == jobSegment {
			tr.queuedChars.Add(-int64(j.chars))
		}
		if !authed {
			select {
			case <-s.ctx.Done():
				return
			case <-s.authDone:
				authed = true
			}
		}
		if j.kind != jobClear && j.kind != jobClose && j.epoch != tr.epoch.Load() {
			continue // cleared before its turn
		}
		switch j.kind {
		case jobSegment:
			if tr.speaking != j.gen {
				s.end(tr.speaking)
				tr.speaking = j.gen
			}
			if !s.speak(j) {
				return
			}
		case jobFlush:
			// The reader is done with the generation once it has queued
			// the flush, so chars is safe to read here. A flush without
			// text is not a generation and costs no rate.
			if j.gen.chars > 0 && !s.admit(j.gen) {
				return
			}
			if c := j.gen.carry; c != nil {
				// What an SSML generation still holds: the quiet after its
				// last speech, or a pause it ended with.
				// An error here is a slow client (failed already) or a
				// session ending, which the next pop sees.
				_ = c.Flush(s.emitter(j))
			}
			s.end(j.gen)
			if tr.speaking == j.gen {
				tr.speaking = nil
			}
			s.srv.deps.Metrics.Generations.WithLabelValues("done").Inc()
			if !s.out.Push(outItem{kind: outDone, gen: j.gen, tr: tr, epoch: j.epoch}) {
				s.fail(protocol.ErrSlowClient)
				return
			}
		case jobClear, jobClose:
			if g := tr.speaking; g != nil && !g.ended {
				s.srv.deps.Metrics.Generations.WithLabelValues("cleared").Inc()
			}
			s.end(tr.speaking)
			tr.speaking = nil
			typ := protocol.TypeCleared
			if j.kind == jobClose {
				typ = protocol.TypeContextClosed
				delete(seen, tr)
			}
			s.sendJSON(protocol.ContextMessage{Type: typ, ContextID: tr.id})
		case jobDrain:
			if !s.out.Push(outItem{kind: outClose, code: protocol.CloseGoingAway, reason: "server shutting down"}) {
				s.fail(goingAway)
			}
			return
		}
	}
}

// admit applies the per-key generation rate when a generation speaks for
// the first time.
func (s *session) admit(g *generation) bool {
	if g.admitted {
		return true
	}
	g.admitted = true
	acct := s.srv.deps.Accounting
	if err := acct.AllowGeneration(s.ctx, s.principal); err != nil {
		s.fail(protocol.ErrTooManyGens)
		return false
	}
	return true
}

// speak synthesises one segment job. It reports false when the session must
// end.
func (s *session) speak(j job) bool {
	if !s.admit(j.gen) {
		return false
	}
	d := s.srv.deps
	tr := j.tr
	seg := s.srv.deps.Pipeline.Prepare(tts.Request{Text: j.text, Language: s.language, Voice: s.profile,
		Lookahead: j.lookahead, Previous: tr.lastLang, SSML: j.chunk, Lexicon: s.lexicon, Speed: s.speed, Pitch: s.pitch,
		Timestamps: s.timestamps, SourceOffset: j.source})
	seg.Consumed = j.consumed
	if !seg.Speaks() {
		return true
	}
	if j.chunk != nil {
		if j.gen.carry == nil {
			j.gen.carry = &tts.Carry{}
		}
		seg.Carry = j.gen.carry
	}
	if seg.Spoken() > tts.MaxSpokenChars {
		d.Metrics.Errors.WithLabelValues(metrics.Code(int(protocol.CloseInvalid))).Inc()
		e := protocol.Errorf(protocol.CloseInvalid,
			"segment not spoken: it is %d characters long when spoken (numbers and symbols read out), at most %d allowed", seg.Spoken(), tts.MaxSpokenChars)
		e.ContextID = tr.id
		s.sendJSON(protocol.NewErrorMessage(e))
		return true
	}
	if !s.reserve(j.gen, int64(seg.Billed())) {
		return false
	}
	emit := s.emitter(j)
	// The engines serve the segment whose listener runs dry first: now for
	// a generation not yet heard, else when its queued audio has played,
	// less the time a segment takes to start.
	seg.Due = time.Now()
	if g := j.gen; g.pushed > 0 {
		seg.Due = g.playFrom.Add(audio.Duration(int(g.pushed), protocol.SampleRate) - startMargin)
	}
	if s.timestamps {
		seg.Words = s.wordsSink(j, j.gen.pushed)
	}
	err := s.synthesize(j.ctx, &seg, emit)
	if errors.Is(err, errHung) && j.gen.carry != nil {
		// The abandoned engine may still write into the old one.
		j.gen.carry = &tts.Carry{}
	}
	tr.lastLang = seg.Language
	if seg.Samples > 0 {
		s.charge(j.gen, &seg)
	}
	switch {
	case err == nil, errors.Is(err, errStopped), errors.Is(err, context.Canceled):
		return s.ctx.Err() == nil
	case errors.Is(err, errHung):
		s.log.Error("engine did not finish a segment; abandoned", "timeout", s.srv.cfg.SegmentTimeout.String(),
			"engine", seg.Voice.Engine, "voice", seg.Voice.Name)
		if s.ctx.Err() == nil && j.ctx.Err() == nil {
			d.Metrics.Errors.WithLabelValues(metrics.Code(int(protocol.CloseServerError))).Inc()
			s.sendJSON(protocol.NewErrorMessage(&protocol.Error{Code: protocol.CloseServerError, Message: "synthesis timed out for a segment", ContextID: tr.id}))
		}
		return s.ctx.Err() == nil
	default:
		// An engine failure costs this segment, not the session.
		s.log.Error("synthesis failed", "err", err, "engine", seg.Voice.Engine, "voice", seg.Voice.Name)
		d.Metrics.Errors.WithLabelValues(metrics.Code(int(protocol.CloseServerError))).Inc()
		s.sendJSON(protocol.NewErrorMessage(&protocol.Error{Code: protocol.CloseServerError, Message: "synthesis failed for a segment", ContextID: tr.id}))
		return s.ctx.Err() == nil
	}
}

// emitter is where a job's audio goes: into the send queue, unless the
// job's generation was cleared or the session is ending.
func (s *session) emitter(j job) func([]int16) error {
	return func(pcm []int16) error {
		// Cancelled engines stop at their next chunk even if they do not
		// watch ctx themselves.
		if j.epoch != j.tr.epoch.Load() || j.ctx.Err() != nil {
			return errStopped
		}
		b := audio.PCMToBytes(make([]byte, 0, 2*len(pcm)), pcm)
		if !s.out.Push(outItem{kind: outAudio, data: b, gen: j.gen, tr: j.tr, epoch: j.epoch}) {
			s.fail(protocol.ErrSlowClient)
			return errStopped
		}
		if j.gen.pushed == 0 {
			j.gen.playFrom = time.Now()
		}
		j.gen.pushed += int64(len(pcm))
		return nil
	}
}

// wordsSink sends a segment's word timestamps (extension) into the send
// queue ahead of its audio. base is the samples of the generation queued
// before the segment, so that times count from the generation's start.
func (s *session) wordsSink(j job, base int64) func([]tts.Word) {
	return func(ws []tts.Word) {
		if j.epoch != j.tr.epoch.Load() || j.ctx.Err() != nil {
			return
		}
		m := protocol.Timestamps{Type: protocol.TypeTimestamps, Words: make([]protocol.Word, len(ws)), ContextID: j.tr.id}
		for i, w := range ws {
			m.Words[i] = protocol.Word{Word: w.Text, StartMS: ms(base + int64(w.Start)), EndMS: ms(base + int64(w.End)),
				CharStart: w.SourceStart, CharEnd: w.SourceEnd}
		}
		if !s.out.Push(outItem{kind: outWords, data: protocol.Marshal(m), tr: j.tr, epoch: j.epoch}) {
			s.fail(protocol.ErrSlowClient)
		}
	}
}

// ms is samples at 24 kHz in milliseconds.
func ms(samples int64) int64 { return samples * 1000 / protocol.SampleRate }

var (
	errHung        = errors.New("realtime: engine did not finish the segment in time")
	errEnginePanic = errors.New("realtime: engine panicked")
)

// startMargin is what a segment needs to reach the client's player before
// the audio ahead of it runs out: the engine's time to its first chunk,
// with room to spare.
const startMargin = 250 * time.Millisecond

// stopGrace is how long a cancelled segment may take to stop before its
// engine is deemed hung: engines stop within a chunk.
const stopGrace = 5 * time.Second

// synthesize speaks one segment under a watchdog, on a goroutine of its
// own so that the engine cannot take the session (or the process) down
// with it. A panic fails the segment. An engine still busy after
// SegmentTimeout, or stopGrace after ctx ended, is abandoned with errHung:
// its goroutine lives on until the engine returns, but what it emits from
// then on is dropped. The speaker waits for the goroutine in every other
// case.
func (s *session) synthesize(ctx context.Context, seg *tts.Segment, emit func([]int16) error) error {
	var mu sync.Mutex // held while emitting, so nothing is emitted after abandon
	abandoned := false
	pushed := 0 // samples emitted, for an abandoned segment's charge
	guarded := func(pcm []int16) error {
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			return errStopped
		}
		pushed += len(pcm)
		return emit(pcm)
	}
	// The engine's goroutine speaks into a copy, which is read only once
	// it has finished: an abandoned engine may still be counting.
	work := *seg
	if words := seg.Words; words != nil {
		work.Words = func(ws []tts.Word) {
			mu.Lock()
			defer mu.Unlock()
			if !abandoned {
				words(ws)
			}
		}
	}
	done := make(chan error, 1)
	go func() {
		var err error
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("engine panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				err = fmt.Errorf("%w: %v", errEnginePanic, p)
			}
			done <- err
		}()
		err = s.srv.deps.Pipeline.SpeakPrepared(ctx, &work, guarded)
	}()
	watchdog := time.NewTimer(s.srv.cfg.SegmentTimeout)
	defer watchdog.Stop()
	select {
	case err := <-done:
		*seg = work
		return err
	case <-watchdog.C:
	case <-ctx.Done():
		grace := time.NewTimer(stopGrace)
		defer grace.Stop()
		select {
		case err := <-done:
			*seg = work
			return err
		case <-watchdog.C:
		case <-grace.C:
		}
	}
	mu.Lock()
	abandoned = true
	seg.Samples = pushed
	mu.Unlock()
	return errHung
}

// reserve sets a segment's billed characters aside in the generation's
// hold, taking the hold with the generation's first segment. It reports
// false when the session must end: the quota is exhausted (4004), or it
// could not be read (4005).
func (s *session) reserve(g *generation, chars int64) bool {
	var err error
	if g.hold == nil {
		g.hold, err = s.srv.deps.Accounting.Reserve(s.ctx, s.principal, chars)
	} else {
		err = g.hold.Extend(s.ctx, chars)
	}
	switch {
	case err == nil:
		return true
	case errors.Is(err, auth.ErrQuotaExceeded):
		s.fail(protocol.ErrQuotaExceeded)
	case s.ctx.Err() == nil:
		s.log.Error("quota lookup failed", "err", err)
		s.fail(serverError(err))
	}
	return false
}

// charge records a spoken segment against the generation's hold, durably,
// even when the session is ending: its audio was made.
func (s *session) charge(g *generation, seg *tts.Segment) {
	g.spoken = true
	d := s.srv.deps
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	if err := g.hold.Charge(ctx, int64(seg.Billed())); err != nil {
		s.log.Error("recording usage failed", "err", err, "chars", seg.Billed())
	}
	d.Metrics.Characters.Add(float64(seg.Billed()))
	d.Metrics.AudioSeconds.Add(float64(seg.Samples) / protocol.SampleRate)
}

// end releases what a generation reserved and did not speak, once.
func (s *session) end(g *generation) {
	if g == nil || g.ended {
		return
	}
	g.ended = true
	if g.hold != nil {
		g.hold.Release()
	}
}
