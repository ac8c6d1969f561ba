package realtime

import (
	"context"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/ssml"
)

// track is one context of a session (an extension): the default one,
// which a client that never names a context uses alone, and each context
// a client names with context_id. Each has its own buffer, generation
// and clear; the speaker serves them one segment at a time (jobQueue).
//
// The reader owns seg, markup, gen, genCtx and genCancel (under the
// session's mu); the speaker owns speaking and lastLang; epoch and
// queuedChars are shared.
type track struct {
	id string // "" for the default context

	epoch       atomic.Uint64 // bumped by clear and close_context
	queuedChars atomic.Int64  // characters in segment jobs not yet started

	seg       *segment.Segmenter
	markup    *ssml.Segmenter // text_type "ssml": used instead of seg
	gen       *generation
	genCtx    context.Context
	genCancel context.CancelFunc

	speaking *generation       // the generation whose segments the speaker is on
	lastLang protocol.Language // the language of the last segment spoken
}

// newTrack opens a context for a configured session. Called with s.mu
// held.
func (s *session) newTrack(id string) (*track, *protocol.Error) {
	seg, err := segment.New(s.segCfg)
	if err != nil {
		return nil, protocol.Errorf(protocol.CloseInvalid, "config: %v", err)
	}
	tr := &track{id: id, seg: seg}
	if s.ssml {
		if tr.markup, err = ssml.NewSegmenter(ssml.DefaultConfig(), s.segCfg); err != nil {
			return nil, protocol.Errorf(protocol.CloseInvalid, "config: %v", err)
		}
	}
	tr.genCtx, tr.genCancel = context.WithCancel(s.ctx)
	return tr, nil
}

// track returns the context a message names, opening it if it is new:
// nil and ErrTooManyContexts when MaxContexts are open already. Called
// with s.mu held.
func (s *session) trackFor(id string) (*track, *protocol.Error) {
	if id == "" {
		return s.def, nil
	}
	if tr, ok := s.tracks[id]; ok {
		return tr, nil
	}
	if len(s.tracks) >= protocol.MaxContexts {
		return nil, contextError(protocol.ErrTooManyContexts, id)
	}
	tr, err := s.newTrack(id)
	if err != nil {
		return nil, err
	}
	s.tracks[id] = tr
	s.named.Store(true)
	return tr, nil
}

// contextError is e about the context id.
func contextError(e *protocol.Error, id string) *protocol.Error {
	c := *e
	c.ContextID = id
	return &c
}

// buffered is the text held unspoken by the reader: plain text in the
// segmenter, and with SSML the markup the parser holds too.
func (tr *track) buffered() int {
	if tr.markup != nil {
		return tr.markup.Len()
	}
	return tr.seg.Len()
}

// begin returns the track's generation, starting one if none is under
// way.
func (tr *track) begin() *generation {
	if tr.gen == nil {
		tr.gen = &generation{started: time.Now()}
	}
	return tr.gen
}

func (s *session) text(tr *track, t string) *protocol.Error {
	if s.draining {
		return &protocol.Error{Code: protocol.CloseGoingAway, Message: "server is shutting down; text not accepted", ContextID: tr.id}
	}
	n := utf8.RuneCountInString(t)
	if tr.buffered()+int(tr.queuedChars.Load())+n > protocol.MaxBufferChars {
		return contextError(protocol.ErrBufferOverflow, tr.id)
	}
	if n == 0 {
		return nil
	}
	if tr.markup != nil {
		return s.markupText(tr, t, n)
	}
	g := tr.begin()
	g.chars += n
	before := tr.seg.Len()
	segs := tr.seg.Push(t)
	s.queueSegments(tr, segs, before+n-tr.seg.Len())
	return nil
}

func (s *session) flush(tr *track) *protocol.Error {
	if tr.markup != nil {
		return s.markupFlush(tr)
	}
	// A flush with nothing sent still gets its done.
	tr.begin()
	before := tr.seg.Len()
	s.queueSegments(tr, tr.seg.Flush(), before)
	s.queue(tr, job{kind: jobFlush, gen: tr.gen})
	tr.gen = nil
	return nil
}

// stop drops a track's buffer, its generation in progress and what it
// has queued, whose audio the writer then drops too.
func (s *session) stop(tr *track) {
	tr.seg.Reset()
	if tr.markup != nil {
		tr.markup.Reset()
	}
	tr.gen = nil
	tr.epoch.Add(1)
	tr.genCancel()
	tr.genCtx, tr.genCancel = context.WithCancel(s.ctx)
	tr.queuedChars.Add(-s.jobs.purge(tr))
}

func (s *session) clear(tr *track) {
	s.stop(tr)
	s.queue(tr, job{kind: jobClear})
}

// closeContext ends a named context: as clear, and it is forgotten, so
// that its id may open a new one. The speaker answers context_closed.
func (s *session) closeContext(id string) *protocol.Error {
	tr, ok := s.tracks[id]
	if !ok {
		return contextError(protocol.ErrUnknownContext, id)
	}
	s.stop(tr)
	delete(s.tracks, id)
	s.queue(tr, job{kind: jobClose})
	return nil
}

// lookahead bounds the text after a segment that travels with it, for
// language detection.
const lookahead = 200

// queueSegments queues the segments that one message cut from the
// track's buffer, which consumed characters of the client's text: the
// first segment also pays for the whitespace the segmenter dropped
// between them.
func (s *session) queueSegments(tr *track, segs []string, consumed int) {
	extra := consumed
	for _, t := range segs {
		extra -= utf8.RuneCountInString(t)
	}
	g := tr.gen
	for i, t := range segs {
		if g.firstReady.IsZero() {
			g.firstReady = time.Now()
		}
		n := utf8.RuneCountInString(t)
		tr.queuedChars.Add(int64(n))
		j := job{kind: jobSegment, gen: g, text: t, chars: n, source: g.cut}
		g.cut += n
		if i == 0 {
			j.consumed = n + max(extra, 0)
		}
		if s.language == protocol.Auto {
			if i+1 < len(segs) {
				j.lookahead = segs[i+1]
			} else {
				j.lookahead = tr.seg.Pending(lookahead)
			}
		}
		s.queue(tr, j)
	}
}

// queue hands a job to the speaker, in order, without waiting. Called with
// s.mu held.
func (s *session) queue(tr *track, j job) {
	j.tr = tr
	j.epoch = tr.epoch.Load()
	j.ctx = tr.genCtx
	s.jobs.push(j)
}
