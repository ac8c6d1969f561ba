package realtime

import (
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/ssml"
)

// buffered is the text held unspoken by the reader: plain text in the
// segmenter, and with SSML the markup the parser holds too.
func (s *session) buffered() int {
	if s.markup != nil {
		return s.markup.Len()
	}
	return s.seg.Len()
}

// markupText takes a text message of an SSML session. Malformed markup is
// refused whole, with an error naming the tag and its position; the
// session and the generation go on as if the message had not come.
func (s *session) markupText(t string, n int) *protocol.Error {
	chunks, err := s.markup.Push(t)
	if err != nil {
		return markupError(err)
	}
	if s.gen == nil {
		s.gen = &generation{started: time.Now()}
	}
	s.gen.chars += n
	s.queueChunks(chunks)
	return nil
}

// markupFlush ends an SSML generation. Markup left unfinished (an open
// element, a tag cut off) is reported, and what was well-formed is spoken
// and done as usual.
func (s *session) markupFlush() *protocol.Error {
	if s.gen == nil {
		s.gen = &generation{started: time.Now()}
	}
	chunks, err := s.markup.Flush()
	s.queueChunks(chunks)
	s.queue(job{kind: jobFlush, gen: s.gen})
	s.gen = nil
	if err != nil {
		return markupError(err)
	}
	return nil
}

// queueChunks queues the segments the SSML segmenter cut; each pays for
// the markup it accounts for.
func (s *session) queueChunks(chunks []ssml.Chunk) {
	for i := range chunks {
		c := &chunks[i]
		if s.gen.firstReady.IsZero() {
			s.gen.firstReady = time.Now()
		}
		n := utf8.RuneCountInString(c.Text)
		s.queuedChars.Add(int64(n))
		j := job{kind: jobSegment, gen: s.gen, text: c.Text, chars: n, consumed: c.Raw, chunk: c}
		if s.language == protocol.Auto {
			if i+1 < len(chunks) {
				j.lookahead = chunks[i+1].Text
			} else {
				j.lookahead = s.markup.Pending(lookahead)
			}
		}
		s.queue(j)
	}
}

// markupError is the client's error for malformed SSML: non-fatal.
func markupError(err error) *protocol.Error {
	return &protocol.Error{Code: protocol.CloseInvalid, Message: err.Error()}
}
