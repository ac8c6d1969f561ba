package espeak

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clause is one clause of text as espeak-ng splits it, with its phonemes.
//
// espeak_TextToPhonemes reads text a clause at a time (up to a comma,
// colon, semicolon, sentence end, or espeak-ng's own limit on clause
// length) but, in the espeak-ng that Debian ships, does not say which
// punctuation ended the clause: Piper's espeak-ng fork adds
// espeak_TextToPhonemesWithTerminator for that. Phonemize therefore reads
// the punctuation from the text the call consumed. In espeak-ng 1.51 the
// text pointer stops one character past the clause (espeak-ng reads ahead
// to decide where the clause ends: the next word's first letter, or a
// closing quote or bracket), so the terminator is the last character of
// the consumed text before that one, ignoring white space and closing
// quotes and brackets. This is what piper-phonemize does since it stopped
// needing the fork (rhasspy/piper-phonemize, src/phonemize.cpp), except
// that it skips only spaces, not line breaks, quotes or brackets, so that
// here `said "hi." Then` ends a sentence, as espeak-ng's own terminator
// would report. Where it can still differ from the fork: an abbreviation
// whose period espeak-ng reads as a clause end ("Dr. Smith" is two
// clauses, the first ending in a period) ends a sentence here, while the
// fork reports the clause type espeak-ng decided, which may not be a
// sentence end; and a clause espeak-ng cuts for length has no terminator
// either way.
type Clause struct {
	// Text is the source text of the clause, as consumed.
	Text string
	// Phonemes are the clause's phonemes in IPA (UTF-8), words separated
	// by spaces, stress marks before stressed syllables, and language
	// switches marked as "(en)" where a word is read in another language.
	Phonemes string
	// Punct is the punctuation that ended the clause: '.', ',', '?', '!',
	// ':', ';', or 0 for none (the end of the text without punctuation, or
	// a clause espeak-ng cut for length). Full-width and CJK forms, and the
	// ellipsis, count as their ASCII equivalents.
	Punct rune
}

// EndsSentence reports whether the clause ends a sentence: its terminator
// is a period, question mark or exclamation mark.
func (c Clause) EndsSentence() bool {
	return c.Punct == '.' || c.Punct == '?' || c.Punct == '!'
}

// terminators maps the characters that end a clause to the punctuation
// Clause.Punct reports.
var terminators = map[rune]rune{
	'.': '.', ',': ',', '?': '?', '!': '!', ':': ':', ';': ';',
	'…': '.', '。': '.', '．': '.', '，': ',', '、': ',', '？': '?', '！': '!', '：': ':', '；': ';',
}

// closers may follow a clause's punctuation without changing it.
const closers = "\"')]}»”’"

// newClause builds a clause from the text one espeak_TextToPhonemes call
// consumed. last is set for the final clause, which has no look-ahead
// character.
func newClause(consumed string, last bool, phonemes string) Clause {
	c := Clause{Text: consumed, Phonemes: phonemes}
	s := consumed
	if !last && s != "" {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(closers, r) })
	if r, _ := utf8.DecodeLastRuneInString(s); r != utf8.RuneError {
		c.Punct = terminators[r]
	}
	return c
}
