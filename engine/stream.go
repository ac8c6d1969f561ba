package engine

import (
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
)

// stream turns an engine's native PCM into protocol audio for one segment:
// resampled to 24 kHz; joined (faded in and out at the segment's edges so
// that segments join without clicks, with leading silence beyond LeadGap
// dropped so that speech starts promptly); and cut into chunks, the first
// as soon as there is any audio, later ones ChunkMin..ChunkMax long.
type stream struct {
	rs   *audio.Resampler
	join *audio.Joiner
	ch   *audio.Chunker
	emit func([]int16) error
	rsb  []int16 // resampler output
	jb   []int16 // joiner output
	// t, when a caller wants the segment's words, places them in the
	// output and holds back the audio of a word not yet placed.
	t *timing
}

// newTimedStream is newStream for a segment whose words the caller wants
// (Segment.Words): the engine reports them with word before their audio.
func newTimedStream(nativeRate int, cfg Config, seg Segment, emit func([]int16) error) (*stream, error) {
	st, err := newStream(nativeRate, cfg, emit)
	if err == nil && seg.Words != nil {
		st.t = &timing{sink: seg.Words, rate: nativeRate}
	}
	return st, err
}

func newStream(nativeRate int, cfg Config, emit func([]int16) error) (*stream, error) {
	j, err := audio.NewJoiner(audio.JoinerConfig{SampleRate: protocol.SampleRate, Fade: cfg.Edge, MaxGap: cfg.LeadGap})
	if err != nil {
		return nil, err
	}
	return &stream{
		rs:   audio.NewResampler(nativeRate, protocol.SampleRate),
		join: j,
		ch:   audio.NewChunker(samples(cfg.ChunkMin), samples(cfg.ChunkMax)),
		emit: emit,
	}, nil
}

func samples(d time.Duration) int {
	return int(d * protocol.SampleRate / time.Second)
}

// timed reports whether the caller wants the segment's words.
func (s *stream) timed() bool { return s.t != nil }

// word reports a word, in native samples from the start of the segment,
// before the audio in which it starts is written; an end of -1 is the
// next word's start (or the end of the audio) less the quiet before it.
func (s *stream) word(start, end, textStart, textEnd int) {
	s.t.add(nativeWord{start: start, end: end, textStart: textStart, textEnd: textEnd})
}

// native is the native samples written so far.
func (s *stream) native() int { return s.t.native }

// write takes native PCM from the engine.
func (s *stream) write(pcm []int16) error {
	s.rsb = s.rs.Process(s.rsb[:0], pcm)
	s.jb = s.join.Write(s.jb[:0], s.rsb)
	if s.t == nil {
		return s.ch.Push(s.jb, s.emit)
	}
	s.t.native += len(pcm)
	kept, dropped, done := s.join.Lead()
	return s.timedPush(kept, dropped, done, false)
}

// timedPush passes the joiner's output on behind the words not yet
// placed.
func (s *stream) timedPush(kept, dropped int, done, final bool) error {
	s.t.track(s.jb)
	s.t.held = append(s.t.held, s.jb...)
	return s.ch.Push(s.t.announce(kept, dropped, done, final), s.emit)
}

// finish emits the rest of the segment.
func (s *stream) finish() error {
	s.rsb = s.rs.Flush(s.rsb[:0])
	s.jb = s.join.Write(s.jb[:0], s.rsb)
	if s.t != nil {
		kept, dropped, done := s.join.Lead()
		s.jb = s.join.End(s.jb)
		if err := s.timedPush(kept, dropped, done, true); err != nil {
			return err
		}
	} else {
		s.jb = s.join.End(s.jb)
		if err := s.ch.Push(s.jb, s.emit); err != nil {
			return err
		}
	}
	if rest := s.ch.Flush(); len(rest) > 0 {
		return s.emit(rest)
	}
	return nil
}
