package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// Lexical helpers shared by the language passes. They work on bytes and
// byte offsets into the cleaned text so that the passes never allocate to
// look ahead.

func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func isLower(c byte) bool       { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool       { return c >= 'A' && c <= 'Z' }
func isASCIILetter(c byte) bool { return isLower(c) || isUpper(c) }
func isAlnum(c byte) bool       { return isDigit(c) || isASCIILetter(c) }

// letterAt reports whether a letter (or combining mark) starts at s[i].
func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return isASCIILetter(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}

// letterBefore reports whether the rune ending at s[i] is a letter.
func letterBefore(s string, i int) bool {
	if i <= 0 || i > len(s) {
		return false
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return isASCIILetter(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}

// wordEnd returns the end of the run of letters starting at i. An
// apostrophe between letters ("don't", "l'eau") belongs to the word.
func wordEnd(s string, i int) int {
	for i < len(s) {
		if isASCIILetter(s[i]) {
			i++
			continue
		}
		if letterAt(s, i) {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		if s[i] == '\'' && letterBefore(s, i) && letterAt(s, i+1) {
			i++
			continue
		}
		break
	}
	return i
}

// digitsEnd returns the end of the run of ASCII digits starting at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// boundaryAt reports whether position i ends a word: end of text or a byte
// that is neither a letter nor a digit.
func boundaryAt(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	return !isDigit(s[i]) && !letterAt(s, i)
}

// atoi converts up to nine ASCII digits, skipping any other bytes; it
// returns -1 for an empty or too long number.
func atoi(digits string) int {
	v, n := 0, 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !isDigit(c) {
			continue
		}
		if n++; n > 9 {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	if n == 0 {
		return -1
	}
	return v
}

// countDigits counts the ASCII digits in s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// hasPrefixFold reports whether s starts with prefix, ASCII case-insensitively.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		a, b := s[i], prefix[i]
		if isUpper(a) {
			a += 'a' - 'A'
		}
		if isUpper(b) {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// capitalAt reports whether the word starting at i begins with an upper-case
// letter.
func capitalAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return isUpper(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsUpper(r)
}

// skipSpace returns i advanced past at most one space.
func skipSpace(s string, i int) int {
	if i < len(s) && s[i] == ' ' {
		return i + 1
	}
	return i
}

// sentenceEndAfter reports whether an abbreviation's period at s[i-1] also
// ends the sentence: the text ends there, or the next word is capitalised.
func sentenceEndAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	if s[i] != ' ' {
		return false
	}
	return capitalAt(s, i+1)
}

// lastRune returns the last rune of b, or utf8.RuneError for an empty b.
func lastRune(b []byte) rune {
	if len(b) == 0 {
		return utf8.RuneError
	}
	if c := b[len(b)-1]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeLastRune(b)
	return r
}

// needsSpaceAfter reports whether a generated word written after b must be
// separated from it by a space.
func needsSpaceAfter(b []byte) bool {
	r := lastRune(b)
	switch r {
	case utf8.RuneError, ' ', '(', '[', '{', '"', '\'', '-', '/':
		return false
	case '.', ',', ';', ':', '!', '?', ')', ']', '}', '%':
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80
}
