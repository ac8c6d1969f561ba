package textnorm

import "unicode/utf8"

// Numbers, money, units and fractions in the English pass.

// enNum is a number as written: the integer part with any thousands commas,
// and the fraction digits after a decimal point.
type enNum struct {
	start, end int
	ip, fp     string
	frac       bool
}

func (n enNum) grouped() bool { return len(n.ip) != countDigits(n.ip) }
func (n enNum) isOne() bool   { return !n.frac && n.ip == "1" }

// value is the integer part, or -1 if it has a fraction, grouping or more
// than nine digits.
func (n enNum) value() int {
	if n.frac || n.grouped() {
		return -1
	}
	return atoi(n.ip)
}

func parseEnNum(s string, i int) enNum {
	j := digitsEnd(s, i)
	if j-i <= 3 {
		for j+3 < len(s) && s[j] == ',' && isDigit(s[j+1]) && isDigit(s[j+2]) && isDigit(s[j+3]) &&
			(j+4 == len(s) || !isDigit(s[j+4])) {
			j += 4
		}
	}
	n := enNum{start: i, end: j, ip: s[i:j]}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		k := digitsEnd(s, j+1)
		n.fp, n.frac, n.end = s[j+1:k], true, k
	}
	return n
}

// appendNum appends the plain reading of n: cardinal or decimal.
func (e *enPass) appendNum(dst []byte, n enNum) []byte {
	if !n.frac {
		return appendCardinal(dst, n.ip)
	}
	if e.version && !n.grouped() && len(n.fp) <= 2 && n.fp[0] != '0' {
		dst = appendCardinal(dst, n.ip)
		dst = appendWord(dst, "point")
		return appendCardinal(dst, n.fp)
	}
	return appendDecimal(dst, n.ip, n.fp)
}

func (e *enPass) number(i int) int {
	if letterBefore(e.s, i) {
		// Digits glued to a word are part of a name: "mp3", "A4", "B2B".
		j := alnumEnd(e.s, i)
		e.copy(e.s[i:j])
		e.resetContext()
		return j
	}
	return e.numberAt(i)
}

// numberAt reads the number starting at i whatever precedes it.
func (e *enPass) numberAt(i int) int {
	s := e.s
	e.lastNum = false
	j := e.phone(i)
	if j == i {
		j = e.isoDate(i)
	}
	if j == i {
		j = e.numericDate(i)
	}
	if j == i {
		j = e.clock(i)
	}
	if j == i {
		j = e.dotted(i)
	}
	if j > i {
		last := e.lastNum // a time or date leaves it set: "9:30 – 11:45"
		e.resetContext()
		e.lastNum = last
		return j
	}
	n := parseEnNum(s, i)
	if j := e.numberSuffix(n); j > 0 {
		return j
	}
	// A plain quantity.
	w := e.scratch()
	if e.isYear(n) {
		w = appendYear(w, n.value())
	} else {
		w = e.appendNum(w, n)
	}
	e.done(w)
	e.resetContext()
	e.lastNum = true
	return n.end
}

// numberSuffix reads n together with what follows it, when that changes
// the reading, and returns the end of what it consumed; 0 if nothing did.
func (e *enPass) numberSuffix(n enNum) int {
	s := e.s
	end := n.end
	v := n.value()
	w := e.scratch()
	finish := func(j int) int {
		e.done(w)
		e.resetContext()
		e.lastNum = true
		return j
	}

	// Leading zeros or a run too long to be a quantity: an identifier.
	if !n.frac && !n.grouped() && ((len(n.ip) > 1 && n.ip[0] == '0') || len(n.ip) > enMaxCardinalDigits) {
		w = appendDigitWords(w, n.ip)
		return finish(end)
	}

	// Ordinals: "1st", "22nd", "103rd", "11th".
	if !n.frac && end+2 <= len(s) && boundaryAt(s, end+2) && isOrdinalSuffix(s[end:end+2]) {
		w = appendOrdinal(w, n.ip)
		return finish(end + 2)
	}

	// Decades: "1990s", "80s", "1990's".
	if v >= 0 && v%10 == 0 && (len(n.ip) == 2 || len(n.ip) == 4) {
		k := end
		if k < len(s) && s[k] == '\'' {
			k++
		}
		if k < len(s) && s[k] == 's' && boundaryAt(s, k+1) {
			from := len(w)
			if len(n.ip) == 4 {
				w = appendYear(w, v)
			} else {
				w = appendInt(w, v)
			}
			w = pluralize(w, from)
			return finish(k + 1)
		}
	}

	// "7pm", "7 p.m.".
	if v >= 1 && v <= 12 {
		if ap, k, dot := ampmAt(s, skipSpace(s, end)); ap != "" {
			w = appendInt(w, v)
			w = appendWord(w, ap)
			e.done(w)
			e.resetContext()
			if dot {
				e.copy(".")
			}
			return k
		}
	}

	// "15 March 2024".
	if v >= 1 && v <= 31 && end < len(s) && s[end] == ' ' {
		if m, k := monthAt(s, end+1, false); m > 0 {
			w = appendWord(w, "the")
			w = appendOrdinal(w, n.ip)
			w = appendWord(w, "of")
			w = appendWord(w, enMonths[m-1])
			if y, k2 := yearAfter(s, k); y > 0 {
				w = appendYear(w, y)
				k = k2
			}
			return finish(k)
		}
	}

	// Year ranges: "1990-1995", "1990–95".
	if k, ok := rangeDash(s, end); ok && isYearValue(v) && len(n.ip) == 4 {
		k2 := digitsEnd(s, k)
		y2 := atoi(s[k:k2])
		if (k2-k == 4 && y2 > v || k2-k == 2 && y2 > v%100) && boundaryAt(s, k2) {
			w = appendYear(w, v)
			w = appendWord(w, "to")
			if k2-k == 4 {
				w = appendYear(w, y2)
			} else {
				w = appendInt(w, y2)
			}
			return finish(k2)
		}
	}

	// Fractions: "1/2", "3/4"; mixed numbers "1 1/2", "2½".
	if v >= 0 {
		if den, k, ok := denominatorAt(s, end); ok {
			w = appendFraction(w, v, den)
			return e.afterQuantity(w, k, false)
		}
		if end < len(s) && s[end] == ' ' {
			if num, den, k, ok := fractionAt(s, end+1); ok && num > 0 && num < den && properDen(den) {
				w = appendInt(w, v)
				w = appendWord(w, "and")
				w = appendMixedFraction(w, num, den)
				return e.afterQuantity(w, k, false)
			}
		}
		if r, sz := utf8.DecodeRuneInString(s[end:]); sz > 1 {
			if f, ok := enFractionRunes[r]; ok {
				w = appendInt(w, v)
				w = appendWord(w, "and")
				w = appendMixedFraction(w, f[0], f[1])
				return e.afterQuantity(w, end+sz, false)
			}
		}
	}

	// Multipliers and dimensions: "10x faster", "1920x1080".
	if end < len(s) && (s[end] == 'x' || s[end] == 'X') {
		if boundaryAt(s, end+1) {
			w = e.appendNum(w, n)
			w = appendWord(w, "times")
			return finish(end + 1)
		}
		if isDigit(s[end+1]) {
			w = e.appendNum(w, n)
			w = appendWord(w, "by")
			e.done(w)
			e.resetContext()
			return e.numberAt(end + 1)
		}
	}

	// Scale abbreviations: "5k", "1.5M", "2bn"; but "4K" and "8K" are
	// display resolutions.
	if k := wordEnd(s, end); k > end && k-end <= 2 && boundaryAt(s, k) {
		if scale, ok := enPlainScale[s[end:k]]; ok {
			w = e.appendNum(w, n)
			if s[end:k] == "K" && (n.ip == "4" || n.ip == "8") && !n.frac {
				w = appendWord(w, "K")
			} else {
				w = appendWord(w, scale)
			}
			return e.afterQuantity(w, k, false)
		}
	}

	// Percentages.
	if k := skipSpace(s, end); k < len(s) && s[k] == '%' {
		w = e.appendNum(w, n)
		w = appendWord(w, "percent")
		return finish(k + 1)
	}

	// Amounts with the currency after them: "5 €", "5€", "20 USD", "50¢".
	if c, k, ok := currencyAfter(s, end); ok {
		w = appendMoney(w, e, n, c)
		k, w = perPrice(s, k, w)
		return finish(k)
	}
	if k := skipSpace(s, end); k < len(s) && hasPrefixAt(s, k, "¢") {
		w = e.appendNum(w, n)
		if n.isOne() {
			w = appendWord(w, "cent")
		} else {
			w = appendWord(w, "cents")
		}
		return finish(k + len("¢"))
	}

	// Units: "5 km", "2.5kg", "1 km", "a 5-km run".
	if u, k, adj, ok := e.unitAfter(end); ok {
		w = e.appendNum(w, n)
		if adj {
			w = append(w, '-')
			w = append(w, u.one...)
		} else if n.isOne() {
			w = appendWord(w, u.one)
		} else {
			w = appendWord(w, u.many)
		}
		k, w = perUnit(s, k, w)
		feet := u.one == "foot"
		e.done(w)
		e.resetContext()
		e.inchesOK, e.lastNum = feet, true
		return k
	}

	// Feet and inches with primes: 5′ 2″, 5'2".
	if k, ok := e.primes(n, end); ok {
		return k
	}

	// Eras: "500 BC", "AD 79" is left alone.
	if v > 0 && end < len(s) && s[end] == ' ' {
		if k := wordOrDotsEnd(s, end+1); k > end+1 {
			if era, ok := enEras[s[end+1:k]]; ok && boundaryAt(s, k) {
				if len(n.ip) == 4 && isYearValue(v) {
					w = appendYear(w, v)
				} else {
					w = appendInt(w, v)
				}
				w = appendWord(w, era)
				return finish(k)
			}
		}
	}
	return 0
}

// afterQuantity emits w (a quantity already in words) with a unit that may
// follow it, and returns where reading resumes.
func (e *enPass) afterQuantity(w []byte, k int, singular bool) int {
	if u, k2, _, ok := e.unitAfter(k); ok {
		if singular {
			w = appendWord(w, u.one)
		} else {
			w = appendWord(w, u.many)
		}
		k, w = perUnit(e.s, k2, w)
	}
	e.done(w)
	e.resetContext()
	e.lastNum = true
	return k
}

// denominatorAt reads "/den" at i, the rest of a fraction whose numerator
// ends at i. A second slash makes it a date or a path, not a fraction.
func denominatorAt(s string, i int) (den, end int, ok bool) {
	if i >= len(s) || s[i] != '/' {
		return 0, i, false
	}
	b := digitsEnd(s, i+1)
	if b-i-1 < 1 || b-i-1 > 3 || !boundaryAt(s, b) || (b < len(s) && s[b] == '/') {
		return 0, i, false
	}
	return atoi(s[i+1 : b]), b, true
}

// fractionAt reads a whole fraction "num/den" at i.
func fractionAt(s string, i int) (num, den, end int, ok bool) {
	a := digitsEnd(s, i)
	if a == i || a-i > 3 {
		return 0, 0, i, false
	}
	den, end, ok = denominatorAt(s, a)
	if !ok {
		return 0, 0, i, false
	}
	return atoi(s[i:a]), den, end, true
}

// properDen reports the denominators read as fractions ("3/16" → "three
// sixteenths"); others are read "num slash den".
func properDen(den int) bool {
	return (den >= 2 && den <= 10) || den == 12 || den == 16 || den == 32 || den == 64 || den == 100
}

// appendFraction reads num/den: "one half", "three quarters", the idioms
// "twenty-four seven" and "fifty-fifty", and "num slash den" otherwise.
func appendFraction(w []byte, num, den int) []byte {
	switch {
	case num == 24 && den == 7:
		w = appendWord(w, "twenty-four seven")
	case num == 50 && den == 50:
		w = appendWord(w, "fifty-fifty")
	case num > 0 && num < den && properDen(den):
		w = appendInt(w, num)
		w = enDenominator(w, den, num != 1)
	default:
		w = appendInt(w, num)
		w = appendWord(w, "slash")
		w = appendInt(w, den)
	}
	return w
}

// appendMixedFraction reads the fraction of a mixed number: "a half", "three
// quarters".
func appendMixedFraction(w []byte, num, den int) []byte {
	if num == 1 {
		w = appendWord(w, "a")
	} else {
		w = appendInt(w, num)
	}
	return enDenominator(w, den, num != 1)
}

// currencyAfter reads a currency symbol or code after an amount.
func currencyAfter(s string, i int) (enCurrency, int, bool) {
	k := skipSpace(s, i)
	if k >= len(s) {
		return enCurrency{}, i, false
	}
	if s[k] >= utf8.RuneSelf || s[k] == '$' {
		_, sz := utf8.DecodeRuneInString(s[k:])
		if c, ok := enCurrencySymbols[s[k:k+sz]]; ok && boundaryAt(s, k+sz) {
			return c, k + sz, true
		}
		return enCurrency{}, i, false
	}
	if k == i {
		return enCurrency{}, i, false // codes need a space: "5USD" is a name
	}
	k2 := wordEnd(s, k)
	if k2-k == 3 && boundaryAt(s, k2) {
		if c, ok := enCurrencyCodes[s[k:k2]]; ok {
			return c, k2, true
		}
	}
	return enCurrency{}, i, false
}

// appendMoney reads an amount in a currency: "five dollars", "one dollar",
// "five dollars and fifty cents", "fifty cents", "one point five yen".
func appendMoney(w []byte, e *enPass, n enNum, c enCurrency) []byte {
	if !n.frac {
		w = appendCardinal(w, n.ip)
		if n.isOne() {
			return appendWord(w, c.one)
		}
		return appendWord(w, c.many)
	}
	if len(n.fp) != 2 || c.minorOne == "" {
		w = e.appendNum(w, n)
		return appendWord(w, c.many)
	}
	cents := atoi(n.fp)
	major := countDigits(n.ip) > 0 && atoi(n.ip) != 0
	if major || cents == 0 {
		w = appendCardinal(w, n.ip)
		if n.ip == "1" {
			w = appendWord(w, c.one)
		} else {
			w = appendWord(w, c.many)
		}
	}
	if cents > 0 {
		if major {
			w = appendWord(w, "and")
		}
		w = appendInt(w, cents)
		if cents == 1 {
			w = appendWord(w, c.minorOne)
		} else {
			w = appendWord(w, c.minorMany)
		}
	}
	return w
}

// money reads an amount after a currency sign or code that ends at i ("$5",
// "€ 3.50", "$1.5M", "$5 million", "$5-10", "$5–$10") and returns the end,
// or i if no amount follows. sym is the sign, which a range may repeat.
func (e *enPass) money(i int, c enCurrency, sym string) int {
	s := e.s
	k := skipSpace(s, i)
	if k >= len(s) || !isDigit(s[k]) {
		return i
	}
	n := parseEnNum(s, k)
	scale, k := scaleAfter(s, n.end)
	w := e.scratch()
	if k2, ok := rangeDash(s, k); ok {
		if sym != "" && hasPrefixAt(s, k2, sym) {
			k2 += len(sym)
		}
		if k2 < len(s) && isDigit(s[k2]) {
			n2 := parseEnNum(s, k2)
			scale2, k3 := scaleAfter(s, n2.end)
			w = e.appendNum(w, n)
			if scale != "" && scale != scale2 {
				w = appendWord(w, scale)
			}
			w = appendWord(w, "to")
			w = e.appendNum(w, n2)
			if scale2 != "" {
				w = appendWord(w, scale2)
			} else if scale != "" {
				w = appendWord(w, scale)
			}
			w = appendWord(w, c.many)
			e.done(w)
			e.resetContext()
			return k3
		}
	}
	if scale != "" {
		w = e.appendNum(w, n)
		w = appendWord(w, scale)
		w = appendWord(w, c.many)
	} else {
		w = appendMoney(w, e, n, c)
	}
	k, w = perPrice(s, k, w)
	e.done(w)
	e.resetContext()
	e.lastNum = true
	return k
}

// perPrice reads what a price is per: "/month", "/kg", "/user".
func perPrice(s string, i int, w []byte) (int, []byte) {
	if k, w2 := perUnit(s, i, w); k > i {
		return k, w2
	}
	if i+1 >= len(s) || s[i] != '/' || !isLower(s[i+1]) {
		return i, w
	}
	end := wordEnd(s, i+1)
	if end-i-1 > 12 || !boundaryAt(s, end) {
		return i, w
	}
	w = appendWord(w, "per")
	return end, appendWord(w, s[i+1:end])
}

// rangeDash reads a hyphen or en dash at i that joins two numbers, and
// returns where the second begins.
func rangeDash(s string, i int) (int, bool) {
	switch {
	case i+1 < len(s) && s[i] == '-':
		return i + 1, true
	case hasDashAt(s, i) && i+len("–") < len(s):
		return i + len("–"), true
	}
	return i, false
}

// scaleAfter reads a scale after an amount: "M", "bn", "k" glued to it, or
// " million" spelled out.
func scaleAfter(s string, i int) (string, int) {
	if k := wordEnd(s, i); k > i && k-i <= 2 && boundaryAt(s, k) {
		if w, ok := enScaleSuffix[s[i:k]]; ok {
			return w, k
		}
	}
	if i < len(s) && s[i] == ' ' {
		if k := wordEnd(s, i+1); k > i+1 && enScaleWords[s[i+1:k]] {
			return s[i+1 : k], k
		}
	}
	return "", i
}

// unitAfter reads a unit symbol after a number at i: glued ("5km"), after a
// space ("5 km") or after a hyphen as an adjective ("5-km run"). "in" is
// inches only when glued to the number or after feet, since "5 in the box"
// is far more common than "5 in".
func (e *enPass) unitAfter(i int) (enUnit, int, bool, bool) {
	s := e.s
	k, adj := i, false
	if k < len(s) && (s[k] == ' ' || s[k] == '-') {
		adj = s[k] == '-'
		k++
	}
	if k >= len(s) {
		return enUnit{}, i, false, false
	}
	end := unitEnd(s, k)
	if end == k {
		return enUnit{}, i, false, false
	}
	// Longest match first: "km/h" before "km".
	if end < len(s) && s[end] == '/' {
		if end2 := unitEnd(s, end+1); end2 > end+1 && boundaryAt(s, end2) {
			if u, ok := enUnits[s[k:end2]]; ok {
				return u, end2, adj, true
			}
		}
	}
	if !boundaryAt(s, end) && !(end < len(s) && s[end] == '/') {
		return enUnit{}, i, false, false
	}
	sym := s[k:end]
	if u, ok := enUnits[sym]; ok {
		return u, end, adj, true
	}
	if sym == "in" && (k == i || e.inchesOK) {
		return enInches, end, adj, true
	}
	return enUnit{}, i, false, false
}

// unitEnd returns the end of a unit symbol: letters, μ, degree signs and
// superscript two and three.
func unitEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if isASCIILetter(c) {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != 'μ' && r != '°' && r != 'º' && r != '²' && r != '³' {
			break
		}
		i += n
	}
	return i
}

// perUnit reads "/kg", "/day" after a unit as "per kilogram", "per day".
func perUnit(s string, i int, w []byte) (int, []byte) {
	if i+1 >= len(s) || s[i] != '/' {
		return i, w
	}
	end := unitEnd(s, i+1)
	if end == i+1 || !boundaryAt(s, end) {
		return i, w
	}
	sym := s[i+1 : end]
	if u, ok := enUnits[sym]; ok {
		w = appendWord(w, "per")
		return end, appendWord(w, u.one)
	}
	if name, ok := enPerWords[sym]; ok {
		w = appendWord(w, "per")
		return end, appendWord(w, name)
	}
	return i, w
}

// primes reads feet and inches written with primes after a number:
// 5′, 5′2″, 5'2", 12″.
func (e *enPass) primes(n enNum, end int) (int, bool) {
	s := e.s
	r, sz := utf8.DecodeRuneInString(s[end:])
	feet, inches := r == '′', r == '″'
	if r == '\'' {
		// ASCII: only the full 5'2" pattern, since a lone ' is a quote.
		k := digitsEnd(s, end+1)
		if k == end+1 || k-end-1 > 2 || k >= len(s) || s[k] != '"' {
			return 0, false
		}
		w := e.appendNum(e.scratch(), n)
		w = appendWord(w, feetWord(n.isOne()))
		w = appendCardinal(w, s[end+1:k])
		w = appendWord(w, inchWord(s[end+1:k] == "1"))
		e.done(w)
		e.resetContext()
		return k + 1, true
	}
	if !feet && !inches {
		return 0, false
	}
	w := e.appendNum(e.scratch(), n)
	k := end + sz
	if feet {
		w = appendWord(w, feetWord(n.isOne()))
		k2 := digitsEnd(s, skipSpace(s, k))
		if k2 > k {
			if r2, sz2 := utf8.DecodeRuneInString(s[k2:]); r2 == '″' {
				in := s[skipSpace(s, k):k2]
				w = appendCardinal(w, in)
				w = appendWord(w, inchWord(in == "1"))
				k = k2 + sz2
			}
		}
	} else {
		w = appendWord(w, inchWord(n.isOne()))
	}
	e.done(w)
	e.resetContext()
	return k, true
}

func feetWord(one bool) string {
	if one {
		return "foot"
	}
	return "feet"
}

func inchWord(one bool) string {
	if one {
		return "inch"
	}
	return "inches"
}

// wordOrDotsEnd returns the end of a word that may contain periods
// ("B.C.").
func wordOrDotsEnd(s string, i int) int {
	k := i
	for k < len(s) && (isASCIILetter(s[k]) || s[k] == '.') {
		k++
	}
	return k
}
