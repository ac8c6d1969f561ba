package ssml

import "time"

// Placeholder stands in the plain text for each <say-as>, <sub> and
// <phoneme>: the segmenter sees one code point that is neither a word
// break nor punctuation, so it can never cut inside one, and the Mark at
// its position says what to speak. The parser drops any Placeholder a
// client writes itself.
const Placeholder = '\uFFFC'

// Kind is what a Mark marks.
type Kind uint8

// Kinds of Mark.
const (
	// KindBreak is a pause of Mark.Break at Pos.
	KindBreak Kind = iota + 1
	// KindStyle starts Mark.Style at Pos: the text from Pos on is spoken
	// with it, up to the next KindStyle.
	KindStyle
	// KindBoundary is the start or end of a <p> or <s> at Pos: the text on
	// either side is spoken as separate sentences.
	KindBoundary
	// KindSayAs, KindSub and KindPhoneme stand for the Placeholder at Pos.
	KindSayAs
	KindSub
	KindPhoneme
)

func (k Kind) String() string {
	switch k {
	case KindBreak:
		return "break"
	case KindStyle:
		return "style"
	case KindBoundary:
		return "boundary"
	case KindSayAs:
		return "say-as"
	case KindSub:
		return "sub"
	case KindPhoneme:
		return "phoneme"
	}
	return "unknown"
}

// Atom reports whether k stands for a Placeholder.
func (k Kind) Atom() bool { return k == KindSayAs || k == KindSub || k == KindPhoneme }

// Mark is what the markup says at one point of the plain text.
type Mark struct {
	Kind Kind
	// Pos is the mark's place in the plain text, in code points: from the
	// start of the generation in an Output, from the start of the segment
	// in a Chunk.
	Pos int
	// Offset is where the element started in the generation's markup, in
	// code points, for messages about it.
	Offset int

	Break     time.Duration // KindBreak
	Style     Style         // KindStyle
	Paragraph bool          // KindBoundary: a paragraph, not only a sentence

	// Text is an atom's text content: what <say-as> interprets, what
	// <sub> and <phoneme> stand in for.
	Text string
	// InterpretAs and Format are <say-as>'s attributes; Detail is not
	// kept, since no reader here uses it.
	InterpretAs, Format string
	Alias               string // <sub alias>
	IPA                 string // <phoneme ph>, alphabet "ipa"
}

// sync pairs a place in the plain text with the place in the markup it
// came from. Between two syncs, every plain code point came from exactly
// one code point of markup.
type sync struct{ plain, raw int }

// Output is what the parser made of one fragment of markup.
type Output struct {
	// Text is plain text: what is spoken, with a Placeholder for each
	// atom and a space where a <break>, <p> or <s> separates words.
	Text  string
	Marks []Mark // positions from the start of the generation
	syncs []sync
}
