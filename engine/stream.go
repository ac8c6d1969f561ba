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

// write takes native PCM from the engine.
func (s *stream) write(pcm []int16) error {
	s.rsb = s.rs.Process(s.rsb[:0], pcm)
	s.jb = s.join.Write(s.jb[:0], s.rsb)
	return s.ch.Push(s.jb, s.emit)
}

// finish emits the rest of the segment.
func (s *stream) finish() error {
	s.rsb = s.rs.Flush(s.rsb[:0])
	s.jb = s.join.End(s.join.Write(s.jb[:0], s.rsb))
	if err := s.ch.Push(s.jb, s.emit); err != nil {
		return err
	}
	if rest := s.ch.Flush(); len(rest) > 0 {
		return s.emit(rest)
	}
	return nil
}
