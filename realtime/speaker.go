package realtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
)

// speakLoop takes jobs in order and turns them into queued audio and
// messages. It owns each generation's admission and usage accounting.
func (s *session) speakLoop() {
	var last *generation // the generation of the last segment spoken
	defer func() {
		// Characters of a generation cut short by the end of the session
		// were synthesised all the same.
		s.record(last)
	}()
	authed := false
	for {
		var j job
		select {
		case <-s.ctx.Done():
			return
		case j = <-s.jobs:
		}
		if j.kind == jobSegment {
			s.queuedChars.Add(-int64(j.chars))
		}
		if !authed {
			select {
			case <-s.ctx.Done():
				return
			case <-s.authDone:
				authed = true
			}
		}
		if j.kind != jobClear && j.epoch != s.epoch.Load() {
			continue // cleared before its turn
		}
		switch j.kind {
		case jobSegment:
			if last != j.gen {
				s.record(last)
				last = j.gen
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
			s.record(j.gen)
			s.srv.deps.Metrics.Generations.WithLabelValues("done").Inc()
			if !s.out.push(outItem{kind: outDone, gen: j.gen, epoch: j.epoch}) {
				s.fail(protocol.ErrSlowClient)
				return
			}
		case jobClear:
			if last != nil && !last.recorded {
				s.srv.deps.Metrics.Generations.WithLabelValues("cleared").Inc()
			}
			s.record(last)
			last = nil
			s.sendJSON(struct {
				Type string `json:"type"`
			}{protocol.TypeCleared}, j.epoch)
		case jobDrain:
			if !s.out.push(outItem{kind: outClose, code: protocol.CloseGoingAway}) {
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
	remaining, err := d.Accounting.Remaining(s.ctx, s.principal)
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Error("quota lookup failed", "err", err)
			s.fail(protocol.ErrServer)
		}
		return false
	}
	if int64(j.chars) > remaining {
		s.fail(protocol.ErrQuotaExceeded)
		return false
	}
	emit := func(pcm []int16) error {
		// Cancelled engines stop at their next chunk even if they do not
		// watch ctx themselves.
		if j.epoch != s.epoch.Load() || j.ctx.Err() != nil {
			return errStopped
		}
		b := audio.PCMToBytes(make([]byte, 0, 2*len(pcm)), pcm)
		if !s.out.push(outItem{kind: outAudio, data: b, gen: j.gen, epoch: j.epoch}) {
			s.fail(protocol.ErrSlowClient)
			return errStopped
		}
		if j.gen.pushed == 0 {
			j.gen.playFrom = time.Now()
		}
		j.gen.pushed += int64(len(pcm))
		return nil
	}
	// The engines serve the segment whose listener runs dry first: now for
	// a generation not yet heard, else when its queued audio has played,
	// less the time a segment takes to start.
	ctx := sched.Urgent(j.ctx)
	if g := j.gen; g.pushed > 0 {
		ctx = sched.PlayBy(j.ctx, g.playFrom.Add(audio.Duration(int(g.pushed), protocol.SampleRate)-startMargin))
	}
	seg, err := s.synthesize(ctx, tts.Request{Text: j.text, Language: s.language, Voice: s.profile,
		Lookahead: j.lookahead, Previous: s.lastLang}, emit)
	if seg.Language != "" {
		s.lastLang = seg.Language
	}
	if seg.Samples > 0 || err == nil {
		j.gen.spoken += int64(j.chars)
		d.Metrics.Characters.Add(float64(j.chars))
		d.Metrics.AudioSeconds.Add(float64(seg.Samples) / protocol.SampleRate)
	}
	switch {
	case err == nil, errors.Is(err, errStopped), errors.Is(err, context.Canceled):
		return s.ctx.Err() == nil
	case errors.Is(err, errHung):
		s.log.Error("engine did not finish a segment; abandoned", "timeout", s.srv.cfg.SegmentTimeout.String(),
			"engine", seg.Voice.Engine, "voice", seg.Voice.Name)
		if s.ctx.Err() == nil && j.ctx.Err() == nil {
			d.Metrics.Errors.WithLabelValues(metrics.Code(int(protocol.CloseServerError))).Inc()
			s.sendJSON(protocol.NewErrorMessage(&protocol.Error{Code: protocol.CloseServerError, Message: "synthesis timed out for a segment"}), j.epoch)
		}
		return s.ctx.Err() == nil
	default:
		// An engine failure costs this segment, not the session.
		s.log.Error("synthesis failed", "err", err, "engine", seg.Voice.Engine, "voice", seg.Voice.Name)
		d.Metrics.Errors.WithLabelValues(metrics.Code(int(protocol.CloseServerError))).Inc()
		s.sendJSON(protocol.NewErrorMessage(&protocol.Error{Code: protocol.CloseServerError, Message: "synthesis failed for a segment"}), j.epoch)
		return s.ctx.Err() == nil
	}
}

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
func (s *session) synthesize(ctx context.Context, r tts.Request, emit func([]int16) error) (tts.Segment, error) {
	type result struct {
		seg tts.Segment
		err error
	}
	var mu sync.Mutex // held while emitting, so nothing is emitted after abandon
	abandoned := false
	guarded := func(pcm []int16) error {
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			return errStopped
		}
		return emit(pcm)
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("engine panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				res.err = fmt.Errorf("%w: %v", errEnginePanic, p)
			}
			done <- res
		}()
		res.seg, res.err = s.srv.deps.Pipeline.Speak(ctx, r, guarded)
	}()
	watchdog := time.NewTimer(s.srv.cfg.SegmentTimeout)
	defer watchdog.Stop()
	select {
	case res := <-done:
		return res.seg, res.err
	case <-watchdog.C:
	case <-ctx.Done():
		grace := time.NewTimer(stopGrace)
		defer grace.Stop()
		select {
		case res := <-done:
			return res.seg, res.err
		case <-watchdog.C:
		case <-grace.C:
		}
	}
	mu.Lock()
	abandoned = true
	mu.Unlock()
	return tts.Segment{Voice: r.Voice.VoiceFor(tts.ResolveLanguage(r))}, errHung
}

// record charges a generation's synthesised characters once.
func (s *session) record(g *generation) {
	if g == nil || g.recorded || g.spoken == 0 {
		return
	}
	g.recorded = true
	// Usage must be stored even when the session is ending.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	if err := s.srv.deps.Accounting.Record(ctx, s.principal, g.spoken); err != nil {
		s.log.Error("recording usage failed", "err", err, "chars", g.spoken)
	}
}
