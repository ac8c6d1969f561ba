package realtime

import (
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/ssml"
)

// markupText takes a text message of an SSML session. Malformed markup is
// refused whole, with an error naming the tag and its position; the
// session and the generation go on as if the message had not come.
func (s *session) markupText(tr *track, t string, n int) *protocol.Error {
	chunks, err := tr.markup.Push(t)
	if err != nil {
		return markupError(err, tr)
	}
	tr.begin().chars += n
	s.queueChunks(tr, chunks)
	return nil
}

// markupFlush ends an SSML generation. Markup left unfinished (an open
// element, a tag cut off) is reported, and what was well-formed is spoken
// and done as usual.
func (s *session) markupFlush(tr *track) *protocol.Error {
	tr.begin()
	chunks, err := tr.markup.Flush()
	s.queueChunks(tr, chunks)
	s.queue(tr, job{kind: jobFlush, gen: tr.gen})
	tr.gen = nil
	if err != nil {
		return markupError(err, tr)
	}
	return nil
}

// queueChunks queues the segments the SSML segmenter cut; each pays for
// the markup it accounts for.
func (s *session) queueChunks(tr *track, chunks []ssml.Chunk) {
	g := tr.gen
	for i := range chunks {
		c := &chunks[i]
		if g.firstReady.IsZero() {
			g.firstReady = time.Now()
		}
		n := utf8.RuneCountInString(c.Text)
		tr.queuedChars.Add(int64(n))
		j := job{kind: jobSegment, gen: g, text: c.Text, chars: n, consumed: c.Raw, chunk: c}
		if s.language == protocol.Auto {
			if i+1 < len(chunks) {
				j.lookahead = chunks[i+1].Text
			} else {
				j.lookahead = tr.markup.Pending(lookahead)
			}
		}
		s.queue(tr, j)
	}
}

// markupError is the client's error for malformed SSML: non-fatal.
func markupError(err error, tr *track) *protocol.Error {
	return &protocol.Error{Code: protocol.CloseInvalid, Message: err.Error(), ContextID: tr.id}
}
