package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// clean is the language-independent first pass. It drops what no engine
// should see (invalid UTF-8, control and format characters, markdown
// emphasis, list and heading markers), folds the many Unicode spellings of
// quotes, dashes, spaces and full-width forms to the few the language passes
// look for, joins digit groups split by no-break or thin spaces, turns line
// breaks into commas so list items keep a pause, and collapses whitespace.
//
// Dashes survive as three distinct runes so that the language passes can
// tell them apart: '-' (hyphen and minus sign), '–' (en dash: ranges) and
// '—' (em dash: a pause).
func clean(s string) string {
	b := make([]byte, 0, len(s)+8)
	var (
		space     bool // whitespace is pending
		brk       bool // a line break is pending
		lineStart = true
	)
	// flush writes the pending separator before a visible rune.
	flush := func() {
		if len(b) > 0 {
			if brk && endsWord(b) {
				b = append(b, ',')
			}
			if space || brk {
				b = append(b, ' ')
			}
		}
		space, brk = false, false
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && asciiPlain[c] && !lineStart {
			// Fast path: a run of ASCII that needs no attention.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && asciiPlain[s[j]] {
				j++
			}
			if space || brk {
				flush()
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 {
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E && !cjkPunct(r) {
			r -= 0xFEE0 // full-width ASCII
		}
		switch r {
		case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029,
			0x2022, 0x2023, 0x2043, 0x25CF, 0x25E6, 0x25AA:
			// Line breaks and bullets both separate list items.
			brk, space, lineStart = true, true, true
			continue
		case 0xA0, 0x2007, 0x2009, 0x202F:
			// No-break, figure and thin spaces group thousands in many
			// locales ("1 234 567"): a number is one token for the passes.
			if len(b) > 0 && isDigit(b[len(b)-1]) && !space && threeDigits(s, i) {
				continue
			}
			space = true
			continue
		}
		if r == ' ' || r == '\t' || unicode.IsSpace(r) {
			space = true
			continue
		}
		if lineStart {
			if skip := listMarker(r, s, i); skip >= 0 {
				i += skip
				space = true
				continue
			}
		}
		if isInvisible(r) {
			continue
		}
		lineStart = false
		switch r {
		case '*':
			// Markdown emphasis, except a lone star between numbers ("3 * 4").
			j := i
			for j < len(s) && s[j] == '*' {
				j++
			}
			if j == i && prevDigit(b) && nextDigit(s, j) {
				flush()
				b = append(b, '*')
			}
			i = j
			continue
		case '`':
			continue
		case '<':
			// Markup tags (<br>, </b>) are dropped like a space.
			if k := tagEnd(s, i); k > i {
				i = k
				space = true
				continue
			}
		case '_', '~':
			// Runs of two or more are markdown (__bold__, ~~strike~~); a
			// single one is left to the language pass.
			if i < len(s) && rune(s[i]) == r {
				for i < len(s) && rune(s[i]) == r {
					i++
				}
				continue
			}
		}
		flush()
		if rep := replacement(r); rep != "" {
			b = append(b, rep...)
			continue
		}
		b = utf8.AppendRune(b, foldRune(r))
	}
	return string(b)
}

// asciiPlain marks the ASCII bytes that clean copies as they are: not
// whitespace, control characters, or markdown and markup signs.
var asciiPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x21; c < 0x7F; c++ {
		t[c] = true
	}
	for _, c := range "*`<_~" {
		t[c] = false
	}
	return t
}()

// tagEnd returns the end of an HTML-like tag whose '<' ends at i, or i.
func tagEnd(s string, i int) int {
	k := i
	if k < len(s) && (s[k] == '/' || s[k] == '!') {
		k++
	}
	if k >= len(s) || !isASCIILetter(s[k]) {
		return i
	}
	for lim := min(len(s), i+64); k < lim; k++ {
		switch s[k] {
		case '>':
			return k + 1
		case '<', '\n':
			return i
		}
	}
	return i
}

// cjkPunct reports the full-width sentence punctuation that Chinese and
// Japanese text uses natively; it is kept so that engines pause on it as
// they do in those languages.
func cjkPunct(r rune) bool {
	switch r {
	case '！', '，', '：', '；', '？', '（', '）':
		return true
	}
	return false
}

// foldRune maps one rune to the spelling the language passes expect.
func foldRune(r rune) rune {
	switch r {
	case 0x2018, 0x2019, 0x201A, 0x201B, 0x02BC:
		return '\''
	case 0x201C, 0x201D, 0x201E, 0x201F, 0xAB, 0xBB, 0x2039, 0x203A, 0x301D, 0x301E:
		return '"'
	case 0x2010, 0x2011, 0x2212, 0xFE63:
		return '-'
	case 0x2012, 0x2013:
		return '–'
	case 0x2015, 0x2E3A, 0x2E3B, 0xFE58:
		return '—'
	case 0x2044, 0x2215:
		return '/'
	case 0xB5:
		return 'μ'
	case 0xFFE0:
		return '¢'
	case 0xFFE1:
		return '£'
	case 0xFFE5:
		return '¥'
	case 0xFFE6:
		return '₩'
	case 0xFFE4:
		return '|'
	}
	return r
}

// replacement returns a multi-rune spelling for r, or "".
func replacement(r rune) string {
	switch r {
	case 0x2026, 0x22EF:
		return "..."
	case 0x2103:
		return "°C"
	case 0x2109:
		return "°F"
	case 0xFB00:
		return "ff"
	case 0xFB01:
		return "fi"
	case 0xFB02:
		return "fl"
	case 0xFB03:
		return "ffi"
	case 0xFB04:
		return "ffl"
	case 0xFB05, 0xFB06:
		return "st"
	}
	return ""
}

// isInvisible reports runes that carry no sound and must not reach an
// engine: control and format characters (zero-width spaces and joiners, bidi
// marks, soft hyphens, byte-order marks), variation selectors, noncharacters
// and the replacement character.
func isInvisible(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
		return true
	case r == utf8.RuneError:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// listMarker recognises markdown block markers at the start of a line (a
// heading's #s, a quote's >, a bullet's - * + followed by a space) and
// returns how many more bytes after r to skip, or -1.
func listMarker(r rune, s string, i int) int {
	switch r {
	case '#':
		j := i
		for j < len(s) && s[j] == '#' {
			j++
		}
		if j < len(s) && s[j] == ' ' {
			return j - i
		}
	case '>', '-', '*', '+':
		if i < len(s) && s[i] == ' ' {
			return 0
		}
	}
	return -1
}

// tidy restores the cleaned-text invariants after a language pass: valid
// UTF-8 without control or format characters, single spaces, no leading or
// trailing space. It returns s itself when nothing needs changing.
func tidy(s string) string {
	if tidyOK(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 {
			continue
		}
		if r == ' ' || unicode.IsSpace(r) {
			space = true
			continue
		}
		if isInvisible(r) {
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

func tidyOK(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7F {
				return false
			}
			if c == ' ' && prevSpace {
				return false
			}
			prevSpace = c == ' '
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unicode.IsSpace(r) || isInvisible(r) {
			return false
		}
		prevSpace = false
		i += n
	}
	return true
}

// endsWord reports whether b ends in something a pause may follow: a
// letter, digit, ideograph or symbol rather than punctuation.
func endsWord(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if c := b[len(b)-1]; c < utf8.RuneSelf {
		return isAlnum(c) || c == ')' || c == '"' || c == '%'
	}
	r, _ := utf8.DecodeLastRune(b)
	return !unicode.IsPunct(r)
}

func threeDigits(s string, i int) bool {
	if i+3 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
		return false
	}
	return i+3 == len(s) || !isDigit(s[i+3])
}

func prevDigit(b []byte) bool {
	n := len(b)
	return n > 0 && isDigit(b[n-1])
}

// nextDigit reports whether the first non-space byte at or after i is a
// digit.
func nextDigit(s string, i int) bool {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i < len(s) && isDigit(s[i])
}
