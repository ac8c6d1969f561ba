package espeak

import "unicode/utf8"

// Word is a word espeak-ng starts to speak (its WORD event): the sample,
// at SampleRate from the first sample of the call, and the bytes of the
// caller's text it reads. espeak-ng says where a word starts, not where it
// ends.
type Word struct {
	Sample             int
	TextStart, TextEnd int
}

// runeOffsets maps each code point of cleaned, which cleanText made of
// text, and its end, to the byte of text it came from. cleanText turns
// some code points into spaces and inserts spaces between initials: an
// inserted space takes the place of what follows it.
func runeOffsets(text, cleaned string) []int {
	out := make([]int, 0, utf8.RuneCountInString(cleaned)+1)
	i := 0
	for _, c := range cleaned {
		out = append(out, i)
		if i >= len(text) {
			continue
		}
		o, size := utf8.DecodeRuneInString(text[i:])
		if c == o || (c == ' ' && unsafeRune(o)) {
			i += size
		}
	}
	return append(out, len(text))
}

// wordOf turns a WORD event (a position in code points from 1 and a
// length in code points of the cleaned text, and a time in ms) into a
// Word of the caller's text; offsets is runeOffsets'.
func wordOf(offsets []int, rate, pos, length, ms int) Word {
	last := len(offsets) - 1
	a := min(max(pos-1, 0), last)
	b := min(max(a+length, a), last)
	return Word{Sample: max(ms, 0) * rate / 1000, TextStart: offsets[a], TextEnd: offsets[b]}
}
