package textnorm

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The light pass: what every language other than English gets. espeak-ng
// reads numbers, most dates and many symbols in each of its languages, so
// this pass only rewrites what it reads wrongly or not at all; numbers stay
// digits, in a form espeak-ng reads correctly for the language. Each
// language describes itself with a lightLang; the walk over the text is
// shared.

// lightLang is one language's light normaliser.
type lightLang struct {
	// decimalComma: the language writes "1.234,5"; numbers are written out
	// with a decimal comma and without grouping. Otherwise (Chinese,
	// Japanese, Korean) the English convention "1,234.5" is assumed.
	decimalComma bool
	// joinSpaceGroups: "100 000" with plain spaces is one number. espeak-ng
	// reads the groups as separate numbers in Spanish, Italian, Portuguese
	// and Russian; German and French read them right on their own.
	joinSpaceGroups bool
	// spaced: words are separated by spaces (not in Chinese and Japanese).
	spaced bool
	// nounCaps: nouns are capitalised (German), so a capital after an
	// abbreviation's period does not show that a sentence ended.
	nounCaps bool

	minus      string // read for a leading minus sign; "" leaves it
	rangeWord  string // between two numbers joined by a dash; "" leaves it
	about      string // "~5"
	times      string // "5 × 3", "5 x 3"
	and        string // "&"
	numberSign string // "№ 5", "# 5"

	fractions  map[rune]string       // "½"
	abbrevs    []lightAbbrev         // longest first
	currencies map[string]lightMoney // by symbol and ISO code
	units      map[string]lightUnit  // by symbol, read after a number
	// scales read the abbreviations glued to an amount of money ("$4.2B",
	// "€3k").
	scales map[string]lightScale

	// writeMoney writes an amount in a currency; nil uses moneyEU.
	writeMoney func(p *lightPass, a amount, c lightMoney)
	// moneyJoin joins major and minor units in moneyEU ("5 euros con 50").
	moneyJoin string
	// form chooses the form of a word after a number; nil: the singular
	// for exactly 1, the plural otherwise.
	form func(a amount, m lightMoney) string
	// writeNumber writes a number; nil writes digits with the language's
	// decimal separator.
	writeNumber func(p *lightPass, a amount)

	percent func(p *lightPass, a amount) bool // nil leaves "%" to espeak-ng
	// clock writes a time h:m that ended at end and returns where reading
	// resumes, so that it may absorb a word that follows ("10:05 Uhr");
	// nil leaves "10:30" to espeak-ng.
	clock func(p *lightPass, h, m, end int) int
	date  func(p *lightPass, y, m, d int) // nil leaves numeric dates
	ymd   bool                            // dates are written y/m/d (CJK)
	// afterNumber may read a number together with what follows it (a
	// counter, a month, a case ending); it returns the end, or 0.
	afterNumber func(p *lightPass, a amount) int
}

// lightAbbrev expands an abbreviation. A title ("Sr.") is expanded only
// before a capitalised name; needNumber ones ("Nr.") only before a number.
type lightAbbrev struct {
	src, exp   string
	title      bool
	needNumber bool
}

// lightMoney names a currency: singular and plural (and for Russian the
// genitive plural in many, the genitive singular in few).
type lightMoney struct{ one, few, many string }

// lightUnit names a unit after a number, like lightMoney.
type lightUnit = lightMoney

// lightScale names a large number after an amount; join goes between it and
// the currency ("5 millones de dólares").
type lightScale struct {
	lightMoney
	join string
}

// amount is a number as written in the source.
type amount struct {
	start, end int
	ip         string // integer part, possibly with group separators
	fp         string // fraction digits
	frac       bool
}

// intValue returns the integer part, or -1 if it is too long.
func (a amount) intValue() int { return atoi(a.ip) }

// isOne reports exactly 1 with no fraction.
func (a amount) isOne() bool { return !a.frac && countDigits(a.ip) == 1 && a.ip[len(a.ip)-1] == '1' }

// lightPass is the state of one light normalisation.
type lightPass struct {
	L        *lightLang
	s        string
	out      []byte
	lastNum  bool   // the last token was a number
	prevWord string // the last word copied
}

var lightPool = sync.Pool{New: func() any { return new(lightPass) }}

// Normalize implements Normalizer.
func (lang *lightLang) Normalize(s string) string {
	p := lightPool.Get().(*lightPass)
	if cap(p.out) < 2*len(s)+16 || cap(p.out) > 1<<16 {
		p.out = make([]byte, 0, 2*len(s)+16)
	}
	*p = lightPass{L: lang, s: s, out: p.out[:0]}
	p.run()
	out := string(p.out)
	p.s = ""
	lightPool.Put(p)
	return out
}

func (p *lightPass) run() {
	s := p.s
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			if n := len(p.out); n > 0 && p.out[n-1] != ' ' {
				p.out = append(p.out, ' ')
			}
			i++
		case isDigit(c):
			i = p.number(i)
		case letterAt(s, i):
			i = p.wordAt(i)
		default:
			i = p.symbol(i)
		}
	}
}

// Writing.

// word writes a generated word.
func (p *lightPass) word(w string) {
	if w == "" {
		return
	}
	if p.sep(w) {
		p.out = append(p.out, ' ')
	}
	p.out = append(p.out, w...)
}

// sep reports whether w needs a space before it.
func (p *lightPass) sep(w string) bool {
	if p.L.spaced {
		return needsSpaceAfter(p.out)
	}
	// Ideographic text has no spaces, but Latin words and digits must not
	// run into each other.
	r := lastRune(p.out)
	return r < utf8.RuneSelf && (isAlnum(byte(r))) && (isAlnum(w[0]))
}

func (p *lightPass) copy(t string) { p.out = append(p.out, t...) }

// endsLetter reports whether b ends in a letter or digit.
func endsLetter(b []byte) bool {
	r := lastRune(b)
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func (p *lightPass) pause() {
	for len(p.out) > 0 && p.out[len(p.out)-1] == ' ' {
		p.out = p.out[:len(p.out)-1]
	}
	switch lastRune(p.out) {
	case utf8.RuneError, ',', '.', ';', ':', '!', '?', '(', '、', '，', '。':
		return
	}
	p.out = append(p.out, ',')
	if p.L.spaced {
		p.out = append(p.out, ' ')
	}
}

// digits writes the digits of t, dropping group separators. Digits run
// into a preceding word only in unspaced scripts ("共5个").
func (p *lightPass) digits(t string) {
	if p.L.spaced && endsLetter(p.out) {
		p.out = append(p.out, ' ')
	}
	for i := 0; i < len(t); i++ {
		if isDigit(t[i]) {
			p.out = append(p.out, t[i])
		}
	}
}

// num writes a number in the form espeak-ng reads for the language.
func (p *lightPass) num(a amount) {
	if p.L.writeNumber != nil {
		p.L.writeNumber(p, a)
		return
	}
	p.digits(a.ip)
	if a.frac {
		if p.L.decimalComma {
			p.out = append(p.out, ',')
		} else {
			p.out = append(p.out, '.')
		}
		p.out = append(p.out, a.fp...)
	}
}

// Numbers.

// parseAmount reads a number at i in either convention and decides which
// separator is the decimal one:
//   - with both, the last is the decimal separator ("1.234,5", "1,234.5");
//   - repeated, a separator groups thousands ("1.234.567", "1,234,567");
//   - alone, "," is decimal and "." before exactly three digits groups in
//     decimal-comma languages; elsewhere "," before exactly three digits
//     groups and "." is decimal.
//
// Groups must have three digits; anything else ends the number before the
// bad group (so "1,5,7" is a list).
func (p *lightPass) parseAmount(i int) amount {
	s := p.s
	j := digitsEnd(s, i)
	a := amount{start: i, end: j, ip: s[i:j]}
	if j-i > 3 {
		return p.decimalPart(a, 0)
	}
	// Collect separator-joined groups of three digits.
	var group byte
	k := j
	for k < len(s) {
		c := s[k]
		isSep := c == '.' || c == ',' || (c == ' ' && p.L.joinSpaceGroups)
		if !isSep || (group != 0 && c != group) || !threeDigits(s, k+1) {
			break
		}
		group = c
		k += 4
	}
	if group == 0 {
		return p.decimalPart(a, 0)
	}
	ngroups := (k - j) / 4
	// One group after a lone separator is ambiguous; resolve it by the
	// language's convention unless the other separator follows.
	other := byte(',')
	if group == ',' {
		other = '.'
	}
	decimalFollows := k+1 < len(s) && s[k] == other && isDigit(s[k+1]) && group != ' '
	if ngroups == 1 && !decimalFollows && group != ' ' {
		groups := (group == '.') == p.L.decimalComma
		if !groups {
			return p.decimalPart(a, group)
		}
	}
	a.ip, a.end = s[i:k], k
	if decimalFollows {
		return p.decimalPart(a, other)
	}
	if group == ' ' {
		return p.decimalPart(a, 0)
	}
	return a
}

// decimalPart reads the fraction after a.end when its separator is sep (0:
// the language's own decimal separator).
func (p *lightPass) decimalPart(a amount, sep byte) amount {
	s := p.s
	if a.end+1 >= len(s) || !isDigit(s[a.end+1]) {
		return a
	}
	c := s[a.end]
	k := digitsEnd(s, a.end+1)
	switch {
	case sep != 0 && c != sep:
		return a
	case sep == 0 && p.L.decimalComma && c == '.':
		// "1.5" or "1234.567" in a decimal-comma language is an English
		// decimal: three digits after one to three could be a group.
		if k-a.end-1 == 3 && countDigits(a.ip) <= 3 {
			return a
		}
	case sep == 0 && c != ',' && c != '.':
		return a
	case sep == 0 && !p.L.decimalComma && c == ',':
		return a
	}
	if k < len(s) && (s[k] == '.' || s[k] == ',') && k+1 < len(s) && isDigit(s[k+1]) {
		return a // a version or a list, not a decimal
	}
	a.fp, a.frac, a.end = s[a.end+1:k], true, k
	return a
}

func (p *lightPass) number(i int) int {
	s := p.s
	if i > 0 && isASCIILetter(s[i-1]) {
		// Digits glued to a Latin word are a name: "mp3", "A4", "v1.2".
		k := i
		for k < len(s) && (isAlnum(s[k]) || s[k] == '.' && k+1 < len(s) && isDigit(s[k+1])) {
			k++
		}
		p.copy(s[i:k])
		p.lastNum = false
		return k
	}
	return p.numberAt(i)
}

// numberAt reads the number at i whatever precedes it.
func (p *lightPass) numberAt(i int) int {
	s, L := p.s, p.L
	if L.date != nil {
		if y, m, d, k, ok := p.numericDate(i); ok {
			L.date(p, y, m, d)
			p.lastNum = false
			return k
		}
	}
	if L.clock != nil {
		if h, m, k, ok := clockAt(s, i); ok {
			p.lastNum = false
			return L.clock(p, h, m, k)
		}
	}
	if k, ok := dottedRun(s, i); ok {
		// Versions and addresses ("1.2.3") are left as written.
		p.copy(s[i:k])
		p.lastNum = false
		return k
	}
	a := p.parseAmount(i)
	p.lastNum = false
	// "1.º", "2.ª": espeak-ng reads the ordinal indicator only without the
	// period ("1º" is "primero", "1.º" is "uno punto o").
	if !a.frac && a.end+1 < len(s) && s[a.end] == '.' && (hasPrefixAt(s, a.end+1, "º") || hasPrefixAt(s, a.end+1, "ª")) {
		p.num(a)
		p.copy(s[a.end+1 : a.end+1+len("º")])
		return a.end + 1 + len("º")
	}
	if L.afterNumber != nil {
		if k := L.afterNumber(p, a); k > 0 {
			return k
		}
	}
	end := a.end
	// Ranges: "5-10" → "5 bis 10". Telephone-like "555-1234" and chains
	// of dashes are left alone.
	if L.rangeWord != "" {
		if k, ok := rangeDash(s, end); ok && isDigit(s[k]) {
			k2 := digitsEnd(s, k)
			v1, v2 := a.intValue(), atoi(s[k:k2])
			phone := a.end-a.start == 3 && k2-k == 4
			chain := k2 < len(s) && (s[k2] == '-' || hasDashAt(s, k2))
			if !phone && !chain && v1 >= 0 && v2 > v1 {
				p.num(a)
				p.word(L.rangeWord)
				return k
			}
		}
	}
	k := skipSpace(s, end)
	if k < len(s) && s[k] == '%' && L.percent != nil && L.percent(p, a) {
		return k + 1
	}
	if c, k2, ok := p.currencyAfter(end); ok {
		p.money(a, c)
		return k2
	}
	if u, k2, ok := p.unitAfter(end); ok {
		p.num(a)
		p.word(p.form(a, u))
		return k2
	}
	p.num(a)
	p.lastNum = true
	return end
}

// form picks the word form for the number a.
func (p *lightPass) form(a amount, m lightMoney) string {
	if p.L.form != nil {
		return p.L.form(a, m)
	}
	if a.isOne() {
		return m.one
	}
	return m.many
}

func (p *lightPass) money(a amount, c lightMoney) {
	if p.L.writeMoney != nil {
		p.L.writeMoney(p, a, c)
		return
	}
	moneyEU(p, a, c)
}

// scalesOf builds a scale table for the usual abbreviations: k for
// thousands, M and mn for millions, B and bn for billions (10⁹). join goes
// between millions or billions and the currency; thousands take none
// ("5 mil dólares" but "5 millones de dólares").
func scalesOf(thousand, million, billion lightMoney, join string) map[string]lightScale {
	return map[string]lightScale{
		"k": {thousand, ""}, "K": {thousand, ""},
		"M": {million, join}, "mn": {million, join},
		"B": {billion, join}, "bn": {billion, join},
	}
}

// moneyAt reads an amount at i written after its currency ("€5", "$4.2B")
// and returns the end.
func (p *lightPass) moneyAt(i int, c lightMoney) int {
	s := p.s
	a := p.parseAmount(i)
	if k := wordEnd(s, a.end); k > a.end && boundaryAt(s, k) {
		if sc, ok := p.L.scales[s[a.end:k]]; ok {
			p.num(a)
			p.word(p.form(a, sc.lightMoney))
			p.word(sc.join)
			p.word(c.many)
			return k
		}
	}
	p.money(a, c)
	return a.end
}

// moneyEU writes "5 euros", "5 euros con 50", "5,5 euros".
func moneyEU(p *lightPass, a amount, c lightMoney) {
	if a.frac && len(a.fp) == 2 {
		whole := a
		whole.frac, whole.fp = false, ""
		p.num(whole)
		p.word(p.form(whole, c))
		if a.fp != "00" {
			p.word(p.L.moneyJoin)
			fp := a.fp
			if fp[0] == '0' {
				fp = fp[1:]
			}
			p.word(fp)
		}
		return
	}
	p.num(a)
	p.word(p.form(a, c))
}

// currencyAfter reads a currency sign or code after a number at i.
func (p *lightPass) currencyAfter(i int) (lightMoney, int, bool) {
	s := p.s
	k := skipSpace(s, i)
	if k >= len(s) {
		return lightMoney{}, i, false
	}
	var sym string
	if s[k] >= utf8.RuneSelf || s[k] == '$' {
		_, sz := utf8.DecodeRuneInString(s[k:])
		sym = s[k : k+sz]
	} else if k > i {
		sym = s[k:wordEnd(s, k)]
	}
	if sym == "" {
		return lightMoney{}, i, false
	}
	c, ok := p.L.currencies[sym]
	if !ok || !boundaryAt(s, k+len(sym)) {
		return lightMoney{}, i, false
	}
	return c, k + len(sym), true
}

// unitAfter reads a unit symbol from the language's table after a number.
func (p *lightPass) unitAfter(i int) (lightUnit, int, bool) {
	s := p.s
	if len(p.L.units) == 0 {
		return lightUnit{}, i, false
	}
	k := skipSpace(s, i)
	end := lightUnitEnd(s, k)
	if end < len(s) && s[end] == '/' {
		if end2 := lightUnitEnd(s, end+1); end2 > end+1 && boundaryAt(s, end2) {
			if u, ok := p.L.units[s[k:end2]]; ok {
				return u, end2, true
			}
		}
	}
	if end == k || !boundaryAt(s, end) {
		return lightUnit{}, i, false
	}
	u, ok := p.L.units[s[k:end]]
	return u, end, ok
}

// minusAt reports whether the hyphen at i is a minus sign: it starts a
// word. In unspaced scripts an ideograph may come straight before it.
func (p *lightPass) minusAt(i int) bool {
	if i == 0 {
		return true
	}
	if c := p.s[i-1]; isAlnum(c) || c == '-' {
		return false
	}
	return !p.L.spaced || !letterBefore(p.s, i)
}

// lightUnitEnd returns the end of a unit symbol in any script: letters, μ,
// degree signs, superscript two and three.
func lightUnitEnd(s string, i int) int {
	for i < len(s) {
		if k := unitEnd(s, i); k > i {
			i = k
			continue
		}
		if !letterAt(s, i) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return i
}

// numericDate reads ISO dates (2024-03-15), and day-first (15.03.2024,
// 15/03/2024) or, for ymd languages, year-first (2024/03/15, 2024.03.15)
// dates.
func (p *lightPass) numericDate(i int) (y, m, d, end int, ok bool) {
	s := p.s
	a := digitsEnd(s, i)
	n1 := a - i
	if a >= len(s) || (n1 != 4 && (n1 < 1 || n1 > 2)) {
		return
	}
	sep := s[a]
	if sep != '-' && sep != '.' && sep != '/' {
		return
	}
	if n1 == 4 && sep != '-' && !p.L.ymd {
		return
	}
	b := digitsEnd(s, a+1)
	if b-a-1 < 1 || b-a-1 > 2 || b >= len(s) || s[b] != sep {
		return
	}
	c := digitsEnd(s, b+1)
	n3 := c - b - 1
	if c < len(s) && (isDigit(s[c]) || s[c] == sep && c+1 < len(s) && isDigit(s[c+1]) || letterAt(s, c) && s[c] != 'T') {
		return
	}
	v1, v2, v3 := atoi(s[i:a]), atoi(s[a+1:b]), atoi(s[b+1:c])
	switch {
	case n1 == 4 && n3 >= 1 && n3 <= 2:
		y, m, d = v1, v2, v3
	case n1 <= 2 && n3 == 4 && sep != '-':
		d, m, y = v1, v2, v3
	default:
		return
	}
	if !validDate(y, m, d) {
		return
	}
	return y, m, d, c, true
}

// clockAt reads h:mm at i (hours 0-24, minutes 00-59).
func clockAt(s string, i int) (h, m, end int, ok bool) {
	a := digitsEnd(s, i)
	if a-i < 1 || a-i > 2 || a+3 > len(s) || s[a] != ':' {
		return
	}
	m, k, ok2 := fixedDigits(s, a+1, 2)
	h = atoi(s[i:a])
	if !ok2 || h > 24 || m > 59 || (k < len(s) && (s[k] == ':' || letterAt(s, k))) {
		return 0, 0, 0, false
	}
	return h, m, k, true
}

// dottedRun reads three or more dot-separated digit groups that are not
// thousands groups: versions and addresses.
func dottedRun(s string, i int) (int, bool) {
	n, k, threes := 0, i, true
	for {
		k2 := digitsEnd(s, k)
		if k2 == k {
			return i, false
		}
		if n > 0 && k2-k != 3 {
			threes = false
		}
		n++
		k = k2
		if k+1 < len(s) && s[k] == '.' && isDigit(s[k+1]) {
			k++
			continue
		}
		break
	}
	return k, n >= 3 && !threes
}

// Words and symbols.

func (p *lightPass) wordAt(i int) int {
	s, L := p.s, p.L
	lastNum := p.lastNum
	p.lastNum = false
	if k := p.abbreviation(i); k > i {
		return k
	}
	j := wordEnd(s, i)
	w := s[i:j]
	if c, ok := L.currencies[w]; ok && len(w) == 3 && j+1 < len(s) && s[j] == ' ' && isDigit(s[j+1]) {
		return p.moneyAt(j+1, c)
	}
	if j < len(s) && s[j] == '$' && (w == "US" || w == "R") && nextDigit(s, j+1) {
		if c, ok := L.currencies[s[i:j+1]]; ok {
			return p.moneyAt(skipSpace(s, j+1), c)
		}
	}
	if (w == "x" || w == "X") && lastNum && L.times != "" && nextDigit(s, j) {
		p.word(L.times)
		return p.numberAt(skipSpace(s, j))
	}
	p.copy(w)
	p.prevWord = w
	return j
}

// abbreviation expands a table abbreviation starting at i.
func (p *lightPass) abbreviation(i int) int {
	s := p.s
	if letterBefore(s, i) {
		return i
	}
	for _, a := range p.L.abbrevs {
		if !strings.HasPrefix(s[i:], a.src) {
			continue
		}
		k := i + len(a.src)
		if a.src[len(a.src)-1] != '.' && !boundaryAt(s, k) {
			continue
		}
		if a.title && !(k+1 < len(s) && s[k] == ' ' && capitalAt(s, k+1)) {
			continue
		}
		if a.needNumber && !nextDigit(s, k) {
			continue
		}
		p.word(a.exp)
		p.prevWord = a.exp
		if a.src[len(a.src)-1] == '.' && !a.title && !a.needNumber && (k == len(s) || !p.L.nounCaps && sentenceEndAfter(s, k)) {
			p.copy(".")
		}
		return k
	}
	return i
}

func (p *lightPass) symbol(i int) int {
	s, L := p.s, p.L
	r, sz := utf8.DecodeRuneInString(s[i:])
	next := i + sz
	lastNum := p.lastNum
	p.lastNum = false
	switch r {
	case '-':
		if L.minus != "" && next < len(s) && isDigit(s[next]) && p.minusAt(i) {
			p.word(L.minus)
			if L.spaced {
				p.copy(" ")
			}
			return next
		}
	case '–':
		if lastNum && nextDigit(s, next) && L.rangeWord != "" {
			p.word(L.rangeWord)
			return next
		}
		if i > 0 && s[i-1] == ' ' {
			p.pause()
			return next
		}
	case '—', '|':
		p.pause()
		return next
	case '~', '≈':
		if L.about != "" && nextDigit(s, next) {
			p.word(L.about)
			return next
		}
	case '×', '*':
		if L.times != "" && lastNum && nextDigit(s, next) {
			p.word(L.times)
			return next
		}
	case '&':
		if L.and != "" {
			p.word(L.and)
			return next
		}
	case '№', '#':
		if L.numberSign != "" && nextDigit(s, next) {
			p.word(L.numberSign)
			return next
		}
	}
	if c, ok := L.currencies[s[i:next]]; ok && nextDigit(s, next) {
		return p.moneyAt(skipSpace(s, next), c)
	}
	if w, ok := L.fractions[r]; ok {
		p.word(w)
		return next
	}
	p.copy(s[i:next])
	return next
}
