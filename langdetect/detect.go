package langdetect

import (
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Detect returns the language of one segment of text. It never returns
// Auto: when the text gives too little evidence (empty, digits and
// punctuation only, or a few words that fit several languages equally) it
// returns fallback, and a fallback that is Auto or unknown counts as
// English. The caller typically passes the previous segment's language, so
// that an ambiguous segment stays in the language being spoken.
func Detect(text string, fallback protocol.Language) protocol.Language {
	if !concrete(fallback) {
		fallback = protocol.English
	}
	var s scripts
	for _, r := range text {
		s.add(r)
	}
	cjk := s.han + s.kana + s.hangul
	switch {
	case cjk == 0 && s.cyrillic == 0 && s.latin == 0:
		return fallback
	case cjk*cjkWeight >= s.latin && cjk*cjkWeight >= s.cyrillic && cjk > 0:
		switch {
		case s.hangul > s.kana:
			return protocol.Korean
		case s.kana > 0:
			return protocol.Japanese
		case s.zhMarker == 0 && (s.jaMarker > 0 || fallback == protocol.Japanese):
			// Han alone is written in both languages; without a character
			// only Chinese uses, stay in Japanese when it was Japanese.
			return protocol.Japanese
		}
		return protocol.Chinese
	case s.cyrillic > 0 && s.cyrillic*cyrillicWeight >= s.latin:
		return protocol.Russian
	}
	return latin(text, fallback)
}

// Script weights tilt mixed text towards the non-Latin script, because the
// espeak-ng voices for Chinese, Japanese, Korean and Russian read Latin
// words as English while a Latin-script voice cannot read the other scripts
// at all. A CJK character, about a word, counts as six Latin letters; a
// Cyrillic letter as two. A Chinese word in a long English sentence still
// leaves it English.
const (
	cjkWeight      = 6
	cyrillicWeight = 2
)

func concrete(l protocol.Language) bool {
	for _, c := range protocol.Languages {
		if l == c {
			return true
		}
	}
	return false
}

// scripts counts the letters of each script that decides a language.
type scripts struct {
	latin, cyrillic, han, kana, hangul int
	zhMarker, jaMarker                 int
}

func (s *scripts) add(r rune) {
	switch {
	case r < 0x80:
		if 'a' <= r|0x20 && r|0x20 <= 'z' {
			s.latin++
		}
	case r >= 0x0400 && r <= 0x052F:
		s.cyrillic++
	case r >= 0x3040 && r <= 0x30FF && r != 0x30FB, r >= 0x31F0 && r <= 0x31FF, r >= 0xFF66 && r <= 0xFF9F:
		// Hiragana and katakana; U+30FB, the katakana middle dot, is also
		// used in Chinese.
		s.kana++
	case r >= 0xAC00 && r <= 0xD7AF, r >= 0x1100 && r <= 0x11FF, r >= 0x3130 && r <= 0x318F:
		s.hangul++
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0xF900 && r <= 0xFAFF, r >= 0x20000 && r <= 0x2FFFF:
		s.han++
		if chineseOnly(r) {
			s.zhMarker++
		}
	case r == 0x3005: // 々, the Japanese iteration mark
		s.jaMarker++
	case unicode.Is(unicode.Latin, r):
		s.latin++
	}
}

// chineseOnly reports Han characters that are common in Chinese and not
// used in Japanese: simplified forms and Chinese function words.
func chineseOnly(r rune) bool {
	switch r {
	case '们', '這', '这', '說', '说', '个', '吗', '嗎', '呢', '么', '麼', '没', '沒',
		'还', '对', '對', '时', '为', '过', '发', '發', '现', '给', '让', '讓',
		'谁', '誰', '她', '您', '哪', '吧', '啊', '你', '很', '們', '的', '了', '是':
		return true
	}
	return false
}

// maxWord is the longest word, in bytes, that latin looks up; longer words
// still count their letters.
const maxWord = 32

// latin scores the six Latin-script languages by their characteristic
// letters, function words, elisions and word endings, and returns the best
// unless the evidence is thin or the best and the fallback are close.
func latin(text string, fallback protocol.Language) protocol.Language {
	var (
		sc          score
		buf         [maxWord]byte
		n           int  // bytes of the current word in buf
		long        bool // the current word overflowed buf
		apostrophe  bool // the current word follows an apostrophe
		elided      bool // ... and the part before it was an elision
		prev, prev2 rune // the word's previous two letters
	)
	endWord := func() {
		if n > 0 && !long {
			sc.word(buf[:n], apostrophe && !elided)
		}
		n, long, apostrophe, elided, prev, prev2 = 0, false, false, false, 0, 0
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r):
			r = unicode.ToLower(r)
			sc.letter(r)
			sc.pair(prev2, prev, r)
			prev2, prev = prev, r
			if n+utf8.RuneLen(r) > maxWord {
				long = true
			} else {
				n += utf8.EncodeRune(buf[n:], r)
			}
		case (r == '\'' || r == '’') && n > 0 && !long && letterAt(text, i+utf8.RuneLen(r)):
			// "l'homme", "dell'anno", "don't": the part before the
			// apostrophe is an elision or an English word.
			e := sc.elision(buf[:n])
			n, apostrophe, elided, prev, prev2 = 0, true, e, 0, 0
		default:
			if r == '¿' || r == '¡' {
				sc.add(spanishPunctuation)
			}
			endWord()
		}
	}
	endWord()
	return sc.decide(fallback)
}

func letterAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r)
}
