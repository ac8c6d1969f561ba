package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// SayAs reads text the way SSML's <say-as interpret-as="kind"
// format="format"> asks, in lang, and returns what to speak, normalised:
// the caller must not normalise it again. It returns false when the text
// does not fit the kind ("abc" as a cardinal, "13/45" as a date); the
// caller then reads it as ordinary text.
//
// English is read here in words, with the readers Normalize uses.
// For the other languages, where Normalize leaves numbers to espeak-ng,
// SayAs writes the text in the form that language's normaliser and
// espeak-ng read as asked (an ordinal as "3." in German and "3º" in
// Spanish, a date as the language writes dates) and normalises that.
//
// Kinds: characters and spell-out (letter by letter; in English the
// letters' names), cardinal, ordinal, digits (digit by digit), date
// (format mdy, dmy, ymd, md, dm, ym, my, d, m or y; by default ymd when
// the first field has four digits, else mdy in English and dmy
// elsewhere), time (format hms12 reads the hour on a 12-hour clock with
// "a m"/"p m"; hms24, the default, as written) and telephone (digit by
// digit, group by group, a "+" as "plus").
func SayAs(text, kind, format string, lang protocol.Language) (string, bool) {
	text = strings.TrimSpace(clean(text))
	if text == "" {
		return "", false
	}
	en := lang == protocol.English || Lookup(lang) == nil
	switch kind {
	case "characters", "spell-out":
		return spell(text, en), true
	case "cardinal":
		return sayCardinal(text, lang, en)
	case "ordinal":
		return sayOrdinal(text, lang, en)
	case "digits":
		return sayDigits(text, en)
	case "date":
		return sayDate(text, format, lang, en)
	case "time":
		return sayTime(text, format, lang, en)
	case "telephone":
		if out, ok := sayTelephone(text, en); ok {
			return out, true
		}
	}
	return "", false
}

// enLetters are the names of the English letters, as spelt out.
var enLetters = [26]string{"ay", "bee", "see", "dee", "ee", "eff", "jee", "aitch", "eye", "jay", "kay", "el", "em",
	"en", "oh", "pee", "cue", "ar", "ess", "tee", "you", "vee", "double you", "ex", "why", "zee"}

// spellSymbols name the symbols that turn up in spelt-out codes and addresses.
var spellSymbols = map[rune]string{'.': "dot", '-': "dash", '_': "underscore", '@': "at", '/': "slash",
	'+': "plus", '#': "hash", '&': "and", '*': "star"}

// spell reads text one character at a time: letters by their names in
// English, as capitals elsewhere (espeak-ng reads a lone capital as its
// name in every language), digits as digits.
func spell(text string, en bool) string {
	var b []byte
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			continue
		case r < utf8.RuneSelf && isDigit(byte(r)):
			if en {
				b = appendWord(b, enOnes[r-'0'])
			} else {
				b = appendWord(b, string(r))
			}
		case en && r < utf8.RuneSelf && isASCIILetter(byte(r)):
			b = appendWord(b, enLetters[unicode.ToLower(r)-'a'])
		case unicode.IsLetter(r):
			b = appendWord(b, string(unicode.ToUpper(r)))
		case en && spellSymbols[r] != "":
			b = appendWord(b, spellSymbols[r])
		}
	}
	return string(b)
}

// parseNumber splits "-1,234.5" into sign, integer digits (grouping dropped)
// and fraction; ok is false for anything else.
func parseNumber(text string) (neg bool, ip, frac string, ok bool) {
	s := text // cleaned: a minus sign is '-'
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
		if frac == "" || strings.Trim(frac, "0123456789") != "" {
			return false, "", "", false
		}
	}
	ip = strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(s)
	if ip == "" || strings.Trim(ip, "0123456789") != "" {
		return false, "", "", false
	}
	return neg, ip, frac, true
}

func sayCardinal(text string, lang protocol.Language, en bool) (string, bool) {
	neg, ip, frac, ok := parseNumber(text)
	if !ok {
		return "", false
	}
	if !en {
		n := ip
		if frac != "" {
			n += "." + frac
		}
		if neg {
			n = "-" + n
		}
		return Normalize(n, lang), true
	}
	var b []byte
	if neg {
		b = appendWord(b, "minus")
	}
	if frac != "" {
		b = appendDecimal(b, ip, frac)
	} else {
		b = appendCardinal(b, ip)
	}
	return string(b), true
}

// ordinalForms writes an ordinal the way each language writes one for
// its normaliser and espeak-ng to read.
var ordinalForms = map[protocol.Language]func(string) string{
	protocol.German:     func(n string) string { return n + "." },
	protocol.Spanish:    func(n string) string { return n + "º" },
	protocol.Italian:    func(n string) string { return n + "º" },
	protocol.Portuguese: func(n string) string { return n + "º" },
	protocol.French: func(n string) string {
		if n == "1" {
			return "1er"
		}
		return n + "e"
	},
	protocol.Russian:  func(n string) string { return n + "-й" },
	protocol.Chinese:  func(n string) string { return "第" + n },
	protocol.Japanese: func(n string) string { return n + "番目" },
	protocol.Korean:   func(n string) string { return n + "번째" },
}

func sayOrdinal(text string, lang protocol.Language, en bool) (string, bool) {
	digits := strings.TrimRightFunc(text, unicode.IsLetter)
	digits = strings.TrimRight(digits, ".ºª°-")
	neg, ip, frac, ok := parseNumber(digits)
	if !ok || neg || frac != "" {
		return "", false
	}
	if !en {
		if f := ordinalForms[lang]; f != nil {
			return Normalize(f(ip), lang), true
		}
	}
	return string(appendOrdinal(nil, ip)), true
}

func sayDigits(text string, en bool) (string, bool) {
	var b []byte
	for _, r := range text {
		if r < utf8.RuneSelf && isDigit(byte(r)) {
			if en {
				b = appendWord(b, enOnes[r-'0'])
			} else {
				b = appendWord(b, string(r))
			}
		}
	}
	return string(b), len(b) > 0
}

// dateFields splits a date into its numeric fields ("2024-03-15",
// "15/03/2024", "15.3.24", "15 3 2024"); a month name counts as its number.
func dateFields(text string) []string {
	f := strings.FieldsFunc(text, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ',' || unicode.IsSpace(r) })
	for i, w := range f {
		for m, name := range enMonths {
			if len(w) >= 3 && strings.HasPrefix(strings.ToLower(name), strings.ToLower(w)) {
				f[i] = itoa(m + 1)
			}
		}
	}
	return f
}

func itoa(v int) string {
	var b []byte
	if v == 0 {
		return "0"
	}
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}

func sayDate(text, format string, lang protocol.Language, en bool) (string, bool) {
	f := dateFields(text)
	for _, x := range f {
		if x == "" || strings.Trim(x, "0123456789") != "" || len(x) > 4 {
			return "", false
		}
	}
	if format == "" {
		switch {
		case len(f) == 3 && len(f[0]) == 4:
			format = "ymd"
		case len(f) == 1 && len(f[0]) == 4:
			format = "y"
		case en:
			format = "mdy"[:min(3, len(f))]
		default:
			format = "dmy"[:min(3, len(f))]
		}
	}
	if len(f) != len(format) {
		return "", false
	}
	var y, m, d int
	for i, c := range format {
		v := atoi(f[i])
		switch c {
		case 'y':
			if len(f[i]) == 2 {
				v += 1900
				if v < 1950 {
					v += 100
				}
			}
			y = v
		case 'm':
			m = v
		case 'd':
			d = v
		}
	}
	if (strings.ContainsRune(format, 'm') && (m < 1 || m > 12)) || (strings.ContainsRune(format, 'd') && (d < 1 || d > 31)) {
		return "", false
	}
	if en {
		var b []byte
		switch {
		case m > 0 && d > 0:
			b = appendDate(b, y, m, d) // a zero year is left out
		case m > 0:
			b = appendWord(b, enMonths[m-1])
			if y > 0 {
				b = appendYear(b, y)
			}
		case d > 0:
			b = appendWord(b, "the")
			from := len(b)
			b = appendInt(b, d)
			b = ordinalize(b, from)
		default:
			b = appendYear(b, y)
		}
		return string(b), true
	}
	return Normalize(localDate(lang, y, m, d), lang), true
}

// localDate writes a date the way lang writes one numerically, for its
// normaliser to read.
func localDate(lang protocol.Language, y, m, d int) string {
	parts := func(sep string, order ...int) string {
		var out []string
		for _, v := range order {
			if v > 0 {
				out = append(out, pad2(v))
			}
		}
		return strings.Join(out, sep)
	}
	switch lang {
	case protocol.Chinese, protocol.Japanese:
		var b strings.Builder
		if y > 0 {
			b.WriteString(itoa(y) + "年")
		}
		if m > 0 {
			b.WriteString(itoa(m) + "月")
		}
		if d > 0 {
			b.WriteString(itoa(d) + "日")
		}
		return b.String()
	case protocol.Korean:
		var out []string
		if y > 0 {
			out = append(out, itoa(y)+"년")
		}
		if m > 0 {
			out = append(out, itoa(m)+"월")
		}
		if d > 0 {
			out = append(out, itoa(d)+"일")
		}
		return strings.Join(out, " ")
	case protocol.German, protocol.Russian:
		return parts(".", d, m, y)
	}
	return parts("/", d, m, y)
}

func pad2(v int) string {
	if v < 10 {
		return "0" + itoa(v)
	}
	return itoa(v)
}

func sayTime(text, format string, lang protocol.Language, en bool) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(text))
	suffix := ""
	for _, ap := range []string{"a.m.", "p.m.", "am", "pm"} {
		if strings.HasSuffix(s, ap) {
			suffix, s = ap[:1]+" m", strings.TrimSpace(strings.TrimSuffix(s, ap))
			break
		}
	}
	f := strings.Split(s, ":")
	if len(f) == 1 && len(s) == 4 {
		f = []string{s[:2], s[2:]} // "1430"
	}
	if len(f) < 1 || len(f) > 3 {
		return "", false
	}
	var v [3]int
	for i, x := range f {
		if x == "" || len(x) > 2 || strings.Trim(x, "0123456789") != "" {
			return "", false
		}
		v[i] = atoi(x)
	}
	h, m, sec := v[0], v[1], v[2]
	if h > 24 || m > 59 || sec > 59 {
		return "", false
	}
	if format == "hms12" && suffix == "" {
		suffix = "a m"
		if h >= 12 {
			suffix = "p m"
		}
		if h = h % 12; h == 0 {
			h = 12
		}
	}
	clock := itoa(h) + ":" + pad2(m)
	if len(f) == 3 {
		clock += ":" + pad2(sec)
	}
	if !en {
		return Normalize(clock, lang), true
	}
	if suffix != "" {
		clock += " " + strings.ReplaceAll(suffix, " ", "") // the English reader knows "7:30 pm"
	}
	return Normalize(clock, protocol.English), true
}

func sayTelephone(text string, en bool) (string, bool) {
	var b []byte
	group, digits := false, false
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf && isDigit(byte(r)):
			if en {
				b = appendWord(b, enOnes[r-'0'])
			} else {
				b = appendWord(b, string(r))
			}
			group, digits = true, true
		case r == '+' && len(b) == 0:
			if en {
				b = appendWord(b, "plus")
			} else {
				b = append(b, '+')
			}
		case group:
			// A separator between groups is a short pause.
			b = append(b, ',')
			group = false
		}
	}
	return strings.TrimRight(string(b), ","), digits
}
