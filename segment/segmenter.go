package segment

import (
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Segmenter turns a stream of text tokens into segments ready to speak. It is
// not safe for concurrent use: a realtime session owns one.
type Segmenter struct {
	cfg    Config
	abbrev map[string]period

	// buf holds the generation's text from stream offset base on. Offsets
	// below are stream offsets (bytes since the generation began), so
	// compacting buf never has to touch them.
	buf  []byte
	base int

	start    int // offset of the first unspoken byte
	startIdx int // its code point index
	scanned  int // offset up to which complete code points have been scanned
	runes    int // code points scanned
	first    bool
	prev     rune
	prevCls  class

	// The latest confirmed boundary of each kind. One each is enough: after a
	// cut at c, an older boundary is ≤ c and so no longer valid, and a newer
	// one is still the latest.
	sentence, clause, space boundary
	cand                    candidate
}

// boundary is a place where a segment may end: the offset just past its last
// byte and the code point index there.
type boundary struct{ pos, idx int }

type stage uint8

const (
	stageNone  stage = iota
	stageTail        // punctuation seen, maybe closers; waiting for what follows
	stageAwait       // ambiguous abbreviation and whitespace seen; waiting for the next word
)

// candidate is a sentence end or clause break that the text seen so far
// cannot yet confirm or rule out.
type candidate struct {
	stage     stage
	clause    bool // a clause break rather than a sentence end
	cjk       bool // confirmed by any following code point that is not a closer
	ambiguous bool // needs the next word (periodAmbiguous)
	boundary
}

// New returns a Segmenter for cfg, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Segmenter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Language == "" {
		cfg.Language = protocol.Auto
	}
	s := &Segmenter{cfg: cfg, abbrev: abbrevTables[cfg.Language]}
	s.newGeneration()
	return s, nil
}

// Push appends text and returns the segments it completes, in order, each
// non-empty. text may be any fragment, even part of a UTF-8 sequence.
//
// Push behaves as if text had arrived one code point at a time, with the
// rules checked after each: the segments depend only on the text, never on
// how it was split into tokens.
func (s *Segmenter) Push(text string) []string {
	if text == "" {
		return nil
	}
	s.compact()
	s.buf = append(s.buf, text...)
	var out []string
	end := s.base + len(s.buf)
	for s.scanned < end {
		rest := s.buf[s.scanned-s.base:]
		r, size := rune(rest[0]), 1
		if r < utf8.RuneSelf && asciiClass[r] == classOther && s.cand.stage == stageNone {
			// Fast path for letters and digits with nothing pending: only
			// the count changes, so a rule can fire only as it crosses a
			// threshold.
			s.prev, s.prevCls = r, classOther
			s.runes++
			s.scanned++
			if n := s.runes - s.startIdx; n == s.cfg.MinChars || n == s.cfg.MaxChars {
				out = s.cut(out)
			}
			continue
		}
		if r >= utf8.RuneSelf {
			if !utf8.FullRune(rest) {
				break // the rest of the sequence comes with the next token
			}
			r, size = utf8.DecodeRune(rest)
		}
		s.step(r, s.scanned, s.scanned+size)
		s.scanned += size
		out = s.cut(out)
	}
	return out
}

// Flush returns everything buffered as one segment, or nothing if the buffer
// is empty, and starts a new generation. The segment may be only whitespace;
// callers skip blank segments.
func (s *Segmenter) Flush() []string {
	var out []string
	if s.start < s.base+len(s.buf) {
		out = []string{string(s.buf[s.start-s.base:])}
	}
	s.newGeneration()
	return out
}

// Reset drops the buffer (the client's clear message) and starts a new
// generation.
func (s *Segmenter) Reset() { s.newGeneration() }

// Len returns the number of code points buffered, counting each byte of an
// incomplete trailing UTF-8 sequence as one, as utf8.RuneCount does.
func (s *Segmenter) Len() int {
	return s.runes - s.startIdx + s.base + len(s.buf) - s.scanned
}

// Pending returns up to max bytes of the buffered, unspoken text (cut back
// to a whole code point), for callers that look ahead: to detect the
// language of a short segment from the words that follow it, say.
func (s *Segmenter) Pending(max int) string {
	b := s.buf[s.start-s.base:]
	if len(b) > max {
		b = b[:max]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

// maxKeptBuffer is the largest buffer kept across generations, so an idle
// connection does not pin the memory of its longest generation.
const maxKeptBuffer = 16 << 10

func (s *Segmenter) newGeneration() {
	buf := s.buf[:0]
	if cap(buf) > maxKeptBuffer {
		buf = nil
	}
	*s = Segmenter{cfg: s.cfg, abbrev: s.abbrev, buf: buf, first: true, prevCls: classSpace}
}

// compact drops spoken bytes once they are at least half the buffer, so
// copying stays linear in the text pushed.
func (s *Segmenter) compact() {
	spoken := s.start - s.base
	if spoken == 0 || spoken < len(s.buf)-spoken {
		return
	}
	s.buf = s.buf[:copy(s.buf, s.buf[spoken:])]
	s.base = s.start
}

// step scans the code point r, which occupies offsets [p, q).
func (s *Segmenter) step(r rune, p, q int) {
	idx := s.runes
	cls := classify(r)
	if s.cand.stage == stageAwait && cls != classSpace && cls != classGlue {
		if unicode.IsLower(r) || unicode.IsDigit(r) {
			s.cand = candidate{}
		} else {
			s.confirm()
		}
	}
	switch cls {
	case classSpace:
		if s.cand.stage == stageTail {
			if s.cand.ambiguous {
				s.cand.stage = stageAwait
			} else {
				s.confirm()
			}
		}
		if s.prevCls != classSpace && p > s.start {
			s.space = boundary{p, idx}
		}
	case classGlue:
		// A pending tail stays pending: "Fin.\u00a0» Puis".
	case classSentence, classClause, classCJKSentence, classCJKClause:
		s.punct(r, cls, p, boundary{q, idx + 1})
	case classCloser, classQuote:
		if s.cand.stage == stageTail {
			if cls == classCloser || !s.cand.cjk {
				s.cand.boundary = boundary{q, idx + 1}
			} else {
				s.confirm()
			}
		}
	default:
		if s.cand.stage == stageTail {
			if s.cand.cjk {
				s.confirm()
			} else {
				s.cand = candidate{} // "3.14", "10:30", "a?b=1"
			}
		}
	}
	s.prev, s.prevCls = r, cls
	s.runes = idx + 1
}

// punct starts a candidate at the punctuation r at offset p; after marks the
// offset and index just past it. A mark right after another replaces it: the
// last one decides ("?!", "e.g.,", "...?").
func (s *Segmenter) punct(r rune, cls class, p int, after boundary) {
	c := candidate{stage: stageTail, boundary: after}
	switch cls {
	case classClause:
		c.clause = true
	case classCJKSentence:
		c.cjk = true
	case classCJKClause:
		c.clause, c.cjk = true, true
	}
	if r == '.' {
		switch s.period(p) {
		case periodContinues:
			s.cand = candidate{}
			return
		case periodAmbiguous:
			c.ambiguous = true
		}
	}
	s.cand = c
}

// period classifies the full stop at offset p by what precedes it.
func (s *Segmenter) period(p int) period {
	if s.prev == '.' || s.prev == '…' {
		return periodContinues // an ellipsis: "...", "…."
	}
	if !isLetterOrDigit(s.prev) {
		return periodEnds // "(see above).", "100%.", or nothing at all
	}
	i := p
	for i > s.start {
		r, size := utf8.DecodeLastRune(s.buf[s.start-s.base : i-s.base])
		if r != '.' && !isLetterOrDigit(r) {
			break
		}
		i -= size
		if p-i > maxWordBytes {
			return periodEnds // longer than any abbreviation
		}
	}
	return classifyWord(s.buf[i-s.base:p-s.base], s.abbrev, s.cfg.Language)
}

func (s *Segmenter) confirm() {
	if s.cand.clause {
		s.clause = s.cand.boundary
	} else {
		s.sentence = s.cand.boundary
	}
	s.cand = candidate{}
}

// cut applies the rules to the buffer as it stands and appends the segments
// they release to out.
func (s *Segmenter) cut(out []string) []string {
	for {
		b, ok := s.choose()
		if !ok {
			return out
		}
		out = append(out, string(s.buf[s.start-s.base:b.pos-s.base]))
		s.start, s.startIdx = b.pos, b.idx
		s.first = false
	}
}

// choose picks the boundary the rules of PROTOCOL.md section 1 speak up to,
// if any: with MinChars buffered the last sentence end, else the last clause
// break; with MaxChars buffered, failing those, the last word break; and,
// for the first segment of a generation, the last clause or sentence boundary
// once it ends a segment of FirstMinChars.
func (s *Segmenter) choose() (boundary, bool) {
	n := s.runes - s.startIdx
	if n >= s.cfg.MinChars {
		if s.valid(s.sentence) {
			return s.sentence, true
		}
		if s.valid(s.clause) {
			return s.clause, true
		}
	}
	if n >= s.cfg.MaxChars && s.valid(s.space) {
		return s.space, true
	}
	if s.first && s.cfg.FirstMinChars > 0 {
		b := s.sentence
		if s.clause.pos > b.pos {
			b = s.clause
		}
		if s.valid(b) && b.idx-s.startIdx >= s.cfg.FirstMinChars {
			return b, true
		}
	}
	return boundary{}, false
}

func (s *Segmenter) valid(b boundary) bool { return b.pos > s.start }
