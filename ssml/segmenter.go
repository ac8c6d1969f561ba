package ssml

import (
	"unicode/utf8"

	"github.com/parley-voice/parley/segment"
)

// Chunk is one segment of a generation's plain text, as the segmenter cut
// it, with the marks that fall in it.
type Chunk struct {
	// Text is the segment: plain text with a Placeholder for each atom.
	Text string
	// Style is in force at the start of Text.
	Style Style
	// Marks are in order; their positions count code points from the start
	// of Text, from 0 to its length (a mark at the end falls after the
	// last character).
	Marks []Mark
	// Raw is the code points of the client's markup that the chunk
	// accounts for: its text, the markup in and before it, so that the
	// chunks of a generation add up to what the client sent. Markup after
	// the last text of a generation counts toward the last chunk when a
	// flush cuts it.
	Raw int
	// syncs map Text's code points to the markup (plain from the chunk's
	// start, raw from the generation's): see Source.
	syncs []sync
}

// Source maps a place in Text, in code points from 0 to its length, to
// the generation's markup, in code points: where that code point came
// from (the start of an entity for what it decoded to; for an atom's
// Placeholder, the end of its start tag; for the end of Text, the markup
// right after its last code point).
func (c *Chunk) Source(plain int) int {
	if len(c.syncs) == 0 {
		return plain
	}
	i := 0
	for i+1 < len(c.syncs) && c.syncs[i+1].plain <= plain {
		i++
	}
	return c.syncs[i].raw + plain - c.syncs[i].plain
}

// Segmenter puts a Parser in front of a segment.Segmenter: SSML goes in,
// chunks of plain text and marks come out, cut by the protocol's
// buffering rules. Since atoms reach the segmenter as one Placeholder
// each and tags not at all, it never cuts inside a tag, a <say-as>, a
// <sub> or a <phoneme>. A Segmenter is not safe for concurrent use.
type Segmenter struct {
	p   *Parser
	seg *segment.Segmenter

	marks  []Mark // not yet in a chunk; positions from the generation start
	syncs  []sync // from the start of the next chunk on
	style  Style  // in force at the start of the next chunk
	pos    int    // plain position of the next chunk's start
	rawEnd int    // markup position where the last chunk's account ended
}

// NewSegmenter returns a Segmenter parsing with pcfg and cutting with scfg.
func NewSegmenter(pcfg Config, scfg segment.Config) (*Segmenter, error) {
	p, err := NewParser(pcfg)
	if err != nil {
		return nil, err
	}
	seg, err := segment.New(scfg)
	if err != nil {
		return nil, err
	}
	s := &Segmenter{p: p, seg: seg}
	s.reset()
	return s, nil
}

func (s *Segmenter) reset() {
	s.marks = s.marks[:0]
	s.syncs = append(s.syncs[:0], sync{})
	s.style, s.pos, s.rawEnd = Style{}, 0, 0
}

// Push reads the next fragment and returns the chunks it completes. On
// error (an *Error) nothing of the fragment is taken.
func (s *Segmenter) Push(fragment string) ([]Chunk, error) {
	out, err := s.p.Push(fragment)
	if err != nil {
		return nil, err
	}
	s.take(out)
	return s.chunks(s.seg.Push(out.Text), -1), nil
}

// Flush ends the generation and returns the rest of it as chunks, even
// when the markup was unfinished: the error (an *Error) then says what
// was wrong, and the chunks hold what was well-formed. The Segmenter is
// then ready for the next generation.
func (s *Segmenter) Flush() ([]Chunk, error) {
	total := s.p.Read()
	out, perr := s.p.End()
	s.take(out)
	segs := append(s.seg.Push(out.Text), s.seg.Flush()...)
	if len(segs) == 0 && (len(s.marks) > 0 || total > s.rawEnd) {
		// Marks with no text around them (a lone <break/>) still speak,
		// and markup still counts.
		segs = []string{""}
	}
	chunks := s.chunks(segs, total)
	s.reset()
	return chunks, perr
}

// Reset drops the generation (the client's clear).
func (s *Segmenter) Reset() {
	s.p.Reset()
	s.seg.Reset()
	s.reset()
}

// Len is what the generation holds unspoken, in code points: the plain
// text in the segmenter and the markup the parser holds.
func (s *Segmenter) Len() int { return s.seg.Len() + s.p.Pending() }

// Pending returns up to max bytes of the plain text not yet in a chunk,
// for language detection.
func (s *Segmenter) Pending(max int) string { return s.seg.Pending(max) }

func (s *Segmenter) take(out Output) {
	s.marks = append(s.marks, out.Marks...)
	s.syncs = append(s.syncs, out.syncs...)
}

// chunks pairs the segments the segmenter returned with their marks. A
// flush gives total, the generation's length in markup, which the last
// chunk accounts up to; otherwise total is -1.
func (s *Segmenter) chunks(segs []string, total int) []Chunk {
	out := make([]Chunk, 0, len(segs))
	for i, t := range segs {
		last := total >= 0 && i == len(segs)-1
		n := utf8.RuneCountInString(t)
		end := s.pos + n
		c := Chunk{Text: t, Style: s.style}
		k := 0
		for ; k < len(s.marks) && (s.marks[k].Pos <= end || last); k++ {
			m := s.marks[k]
			m.Pos = min(max(m.Pos-s.pos, 0), n)
			if m.Kind == KindStyle {
				s.style = m.Style
			}
			c.Marks = append(c.Marks, m)
		}
		s.marks = s.marks[:copy(s.marks, s.marks[k:])]
		for j := 0; j < len(s.syncs) && (j == 0 || s.syncs[j].plain <= end); j++ {
			c.syncs = append(c.syncs, sync{plain: s.syncs[j].plain - s.pos, raw: s.syncs[j].raw})
		}
		rawEnd := s.rawAt(end)
		if last {
			rawEnd = total
		}
		c.Raw = rawEnd - s.rawEnd
		s.rawEnd, s.pos = rawEnd, end
		out = append(out, c)
	}
	return out
}

// rawAt maps a plain position at or after the next chunk's start to the
// markup position it came from, and forgets the syncs before it.
func (s *Segmenter) rawAt(plain int) int {
	i := 0
	for i+1 < len(s.syncs) && s.syncs[i+1].plain <= plain {
		i++
	}
	sy := s.syncs[i]
	s.syncs = s.syncs[:copy(s.syncs, s.syncs[i:])]
	return sy.raw + plain - sy.plain
}
