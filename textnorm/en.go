package textnorm

import (
	"sync"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.English, NormalizerFunc(normalizeEnglish)) }

// enPass is the state of one English normalisation. It walks the cleaned
// text once, left to right; at each token it tries the readings that can
// start there, longest and most specific first, and either writes words it
// generated or copies the source through.
type enPass struct {
	s   string
	out []byte
	tmp []byte // scratch for generated words

	gen      bool   // out ends with generated words
	lastNum  bool   // the last token was a number read as a plain quantity
	prevWord string // the last source word copied, for context ("in" 1990)
	version  bool   // the previous word was "version" or "v"
	inchesOK bool   // a length in feet was just read ("6 ft 2 in")
}

var enPool = sync.Pool{New: func() any { return new(enPass) }}

func normalizeEnglish(s string) string {
	e := enPool.Get().(*enPass)
	if cap(e.out) < 2*len(s)+16 || cap(e.out) > 1<<16 {
		e.out = make([]byte, 0, 2*len(s)+16)
	}
	*e = enPass{s: s, out: e.out[:0], tmp: e.tmp[:0]}
	e.run()
	out := string(e.out)
	e.s = ""
	enPool.Put(e)
	return out
}

func (e *enPass) run() {
	s := e.s
	for i := 0; i < len(s); {
		if i == 0 || isChunkStart(s[i-1]) {
			if j := e.web(i); j > i {
				i = j
				continue
			}
		}
		c := s[i]
		switch {
		case c == ' ':
			e.space()
			i++
		case isDigit(c):
			i = e.number(i)
		case letterAt(s, i):
			i = e.word(i)
		default:
			i = e.symbol(i)
		}
	}
}

func isChunkStart(c byte) bool {
	return c == ' ' || c == '(' || c == '"' || c == '\'' || c == '<' || c == '['
}

// Writing.

// emit writes generated words.
func (e *enPass) emit(w []byte) {
	if len(w) == 0 {
		return
	}
	if needsSpaceAfter(e.out) {
		e.out = append(e.out, ' ')
	}
	e.out = append(e.out, w...)
	e.gen = true
}

func (e *enPass) emitString(w string) {
	if needsSpaceAfter(e.out) {
		e.out = append(e.out, ' ')
	}
	e.out = append(e.out, w...)
	e.gen = true
}

// copy writes source text through, separating it from generated words.
func (e *enPass) copy(t string) {
	if t == "" {
		return
	}
	if e.gen && (letterAt(t, 0) || isDigit(t[0])) && needsSpaceAfter(e.out) {
		e.out = append(e.out, ' ')
	}
	e.out = append(e.out, t...)
	e.gen = false
}

func (e *enPass) space() {
	if n := len(e.out); n > 0 && e.out[n-1] != ' ' {
		e.out = append(e.out, ' ')
	}
}

// pause writes a comma for a dash or bar, unless punctuation is already
// there.
func (e *enPass) pause() {
	for len(e.out) > 0 && e.out[len(e.out)-1] == ' ' {
		e.out = e.out[:len(e.out)-1]
	}
	switch lastRune(e.out) {
	case utf8.RuneError, ',', '.', ';', ':', '!', '?', '(':
		return
	}
	e.out = append(e.out, ", "...)
	e.gen = false
}

// scratch returns the empty scratch buffer.
func (e *enPass) scratch() []byte { return e.tmp[:0] }

// done stores the scratch buffer back for reuse and emits it.
func (e *enPass) done(w []byte) {
	e.emit(w)
	e.tmp = w[:0]
}

func (e *enPass) resetContext() {
	e.lastNum, e.prevWord, e.version, e.inchesOK = false, "", false, false
}

// Words.

func (e *enPass) word(i int) int {
	s := e.s
	j := wordEnd(s, i)
	w := s[i:j]
	lastNum := e.lastNum
	e.lastNum = false

	if j < len(s) && isDigit(s[j]) {
		// "v2.1" is a version; other glued digits are part of a name.
		if (w == "v" || w == "V") && !letterBefore(s, i) {
			e.emitString("version")
			e.resetContext()
			e.version = true
			return e.numberAt(j)
		}
		k := alnumEnd(s, j)
		e.copy(s[i:k])
		e.resetContext()
		e.prevWord = s[i:k] // "Q3 2024": a quarter is a year cue
		return k
	}

	if j < len(s) && s[j] == '.' {
		if k := e.abbreviation(i, j); k > j {
			return k
		}
	}

	if (w == "vs" || w == "Vs") && boundaryAt(s, j) {
		e.emitString("versus")
		e.resetContext()
		return j
	}

	if w == "w" && j < len(s) && s[j] == '/' {
		if boundaryAt(s, j+1) {
			e.emitString("with")
			e.resetContext()
			return j + 1
		}
		if j+2 <= len(s) && s[j+1] == 'o' && boundaryAt(s, j+2) {
			e.emitString("without")
			e.resetContext()
			return j + 2
		}
	}

	if !capitalAt(w, 0) {
		return e.plainWord(w, j, lastNum)
	}
	if exp, ok := enTitlesBare[w]; ok && boundaryAt(s, j) {
		next := j+1 < len(s) && s[j] == ' ' && capitalAt(s, j+1)
		if w == "St" || w == "Dr" {
			exp, _ = e.saintOrStreet(w, next)
		}
		if next || (w == "St" || w == "Dr") && e.prevWord != "" && capitalAt(e.prevWord, 0) {
			e.emitString(exp)
			e.resetContext()
			return j
		}
	}

	if m, k := monthAt(s, i, true); m > 0 {
		if k2 := e.monthDate(m, k); k2 > k {
			return k2
		}
	}

	if c, ok := enCurrencyCodes[w]; ok && j < len(s) && s[j] == ' ' && j+1 < len(s) && isDigit(s[j+1]) {
		if k := e.money(j+1, c, ""); k > j+1 {
			return k
		}
	}
	if c, ok := enDollarPrefixes[w]; ok && j+1 < len(s) && s[j] == '$' && !letterBefore(s, i) {
		if k := e.money(j+1, c, "$"); k > j+1 {
			return k
		}
	}

	return e.plainWord(w, j, lastNum)
}

// plainWord writes a word that is not an abbreviation, month, or currency.
func (e *enPass) plainWord(w string, j int, lastNum bool) int {
	if (w == "x" || w == "X") && lastNum && nextDigit(e.s, j) && boundaryAt(e.s, j) {
		e.emitString("by")
		e.resetContext()
		return j
	}
	e.copy(w)
	e.lastNum, e.version, e.inchesOK = false, w == "version" || w == "Version", false
	e.prevWord = w
	return j
}

// alnumEnd returns the end of the run of letters and digits at i.
func alnumEnd(s string, i int) int {
	for i < len(s) && (isDigit(s[i]) || letterAt(s, i)) {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return i
}

// saintOrStreet expands "St" and "Dr", which are titles before a name
// ("St. Louis", "Dr. Smith") and street types after one ("Main St.",
// "Mulholland Dr."). Between two capitalised words both are read as titles
// ("Rue St. Honoré", "Hi Dr. Smith"): a street type is usually followed by a
// comma, a number or the end of the sentence.
func (e *enPass) saintOrStreet(word string, nextCapital bool) (exp string, title bool) {
	if nextCapital || e.prevWord == "" || !capitalAt(e.prevWord, 0) {
		if word == "St" {
			return "Saint", true
		}
		return "Doctor", true
	}
	if word == "St" {
		return "Street", false
	}
	return "Drive", false
}

// abbreviation reads a word followed by a period at j: dotted forms
// ("e.g.", "a.k.a."), titles and suffixes ("Dr.", "Inc."), "No. 5", month
// abbreviations ("Sept. 5"). It returns the end, or j if it is none.
func (e *enPass) abbreviation(i, j int) int {
	s := e.s
	// Extend over further short parts: "e.g.", "a.k.a.", "B.C.E.".
	k := j + 1
	for parts := 1; parts < 4 && k < len(s) && letterAt(s, k); parts++ {
		k2 := wordEnd(s, k)
		if k2 < len(s) && s[k2] == '.' && k2-k <= 2 {
			k = k2 + 1
			continue
		}
		break
	}
	cand := s[i:k]
	var buf [8]byte
	if len(cand) <= len(buf) {
		low := buf[:0]
		for x := 0; x < len(cand); x++ {
			c := cand[x]
			if isUpper(c) {
				c += 'a' - 'A'
			}
			low = append(low, c)
		}
		if exp, ok := enAbbrevsFold[string(low)]; ok {
			if isUpper(cand[0]) {
				// Sentence-initial "E.g." reads "For example".
				var cb [32]byte
				e.emit(append(append(cb[:0], exp[0]-('a'-'A')), exp[1:]...))
			} else {
				e.emitString(exp)
			}
			e.resetContext()
			// "etc." often ends a sentence; "e.g." and the rest never do.
			if string(low) == "etc." && sentenceEndAfter(s, k) {
				e.copy(".")
			}
			return k
		}
	}
	if k > j+1 {
		return j // an acronym such as "U.S." or "Ph.D.": the engines spell it
	}
	k = j + 1
	word := s[i:j]
	if a, ok := enAbbrevs[cand]; ok {
		e.emitString(a.exp)
		e.resetContext()
		if !a.title && sentenceEndAfter(s, k) {
			e.copy(".")
		}
		return k
	}
	switch word {
	case "St", "Dr":
		next := k < len(s) && s[k] == ' ' && capitalAt(s, k+1)
		exp, title := e.saintOrStreet(word, next)
		e.emitString(exp)
		e.resetContext()
		if !title && sentenceEndAfter(s, k) {
			e.copy(".")
		}
		return k
	case "No", "no", "Nos", "nos":
		if nextDigit(s, k) && (k == len(s) || s[k] == ' ' || isDigit(s[k])) {
			e.emitString("number")
			e.resetContext()
			return k
		}
	}
	return j
}

// monthDate reads what follows a month name at k: a day ("March 15",
// "Mar 15th", "March 15-20") and perhaps a year ("March 15, 2024").
func (e *enPass) monthDate(m, k int) int {
	s := e.s
	if k+1 >= len(s) || s[k] != ' ' || !isDigit(s[k+1]) {
		return k
	}
	a := digitsEnd(s, k+1)
	d := atoi(s[k+1 : a])
	if a-k-1 > 2 || d < 1 || d > 31 {
		return k
	}
	end := a
	if a+2 <= len(s) && isOrdinalSuffix(s[a:a+2]) && boundaryAt(s, a+2) {
		end = a + 2
	}
	if !boundaryAt(s, end) || (end < len(s) && (s[end] == ':' || s[end] == '%' || s[end] == '/' ||
		(s[end] == '.' && end+1 < len(s) && isDigit(s[end+1])))) {
		return k
	}
	w := appendWord(e.scratch(), enMonths[m-1])
	w = appendOrdinal(w, s[k+1:a])
	// "March 15-20".
	if k2, ok := rangeDash(s, end); ok {
		b := digitsEnd(s, k2)
		if d2 := atoi(s[k2:b]); b > k2 && b-k2 <= 2 && d2 > d && d2 <= 31 && boundaryAt(s, b) {
			w = appendWord(w, "to")
			w = appendOrdinal(w, s[k2:b])
			end = b
		}
	}
	if y, k2 := yearAfter(s, end); y > 0 {
		if s[end] == ',' {
			w = append(w, ',')
		}
		w = appendYear(w, y)
		end = k2
	}
	e.done(w)
	e.resetContext()
	return end
}

// Symbols.

func (e *enPass) symbol(i int) int {
	s := e.s
	r, sz := utf8.DecodeRuneInString(s[i:])
	next := i + sz
	lastNum := e.lastNum
	spacedNum := lastNum && i > 0 && s[i-1] == ' '
	e.lastNum = false
	switch r {
	case '.':
		if next < len(s) && isDigit(s[next]) && (i == 0 || !isDigit(s[i-1])) && !letterBefore(s, i) {
			k := digitsEnd(s, next)
			w := appendWord(e.scratch(), "point")
			w = appendDigitWords(w, s[next:k])
			e.done(w)
			e.lastNum = true
			return k
		}
	case '$', '€', '£', '¥', '₹', '₩', '₽', '₿':
		if k := e.money(next, enCurrencySymbols[s[i:next]], s[i:next]); k > next {
			return k
		}
	case '-':
		after := next < len(s) && isDigit(s[next])
		switch {
		case next < len(s) && s[next] == '>':
			e.emitString("to")
			return next + 1
		case lastNum && i > 0 && isDigit(s[i-1]) && after:
			e.emitString("to")
			return next
		case spacedNum && next < len(s) && s[next] == ' ' && nextDigit(s, next):
			e.emitString("minus")
			return next
		case after && letterBefore(s, i):
			e.copy(" ") // "COVID-19" → "COVID nineteen"
			return next
		case (after || startsMoney(s, next)) && (i == 0 || s[i-1] == ' ' || s[i-1] == '(' || s[i-1] == '/'):
			e.emitString("minus")
			return next
		case i > 0 && s[i-1] == ' ' && next < len(s) && s[next] == ' ':
			e.pause() // a spaced hyphen is a dash
			return next
		}
	case '–':
		if lastNum && nextDigit(s, next) {
			e.emitString("to")
			return next
		}
		e.pause()
		return next
	case '—', '|':
		e.pause()
		return next
	case '+':
		if k := e.phonePlus(i); k > i {
			return k
		}
		e.emitString("plus")
		return next
	case '(':
		if k := e.phoneParen(i); k > i {
			return k
		}
	case '%':
		e.emitString("percent")
		return next
	case '#':
		if nextDigit(s, next) {
			e.emitString("number")
			return next
		}
		if i > 0 && isUpper(s[i-1]) && !letterBefore(s, i-1) && boundaryAt(s, next) {
			e.emitString("sharp") // "C#", "F#"
			return next
		}
	case '~':
		if nextDigit(s, next) || startsMoney(s, skipSpace(s, next)) {
			e.emitString("about")
			return next
		}
	case '×', '*', '·':
		if lastNum && nextDigit(s, next) {
			e.emitString("times")
			return next
		}
		if r == '·' {
			e.copy(" ")
			return next
		}
	case '^':
		if lastNum && nextDigit(s, next) {
			e.emitString("to the power of")
			return next
		}
	case ':':
		if lastNum && i > 0 && isDigit(s[i-1]) && next < len(s) && isDigit(s[next]) {
			e.emitString("to") // a ratio: "3:2"
			return next
		}
	case '/':
		if i > 0 && next < len(s) && letterBefore(s, i) && letterAt(s, next) {
			// "and/or", "yes/no" read "or"; between acronyms ("TCP/IP")
			// the slash is part of the name.
			switch {
			case e.prevWord != "" && isAllCaps(e.prevWord) && capitalAt(s, next):
				e.emitString("slash")
			case e.prevWord == "and" && hasPrefixAt(s, next, "or") && boundaryAt(s, next+2):
				e.copy(" ") // "and/or" reads "and or"
			default:
				e.emitString("or")
			}
			return next
		}
		if spacedNum && next < len(s) && s[next] == ' ' && nextDigit(s, next) {
			e.emitString("divided by")
			return next
		}
		e.copy(" ")
		return next
	case '<', '>', '=':
		k, w, always := arrowAt(s, i)
		if always || lastNum || spacedNum || nextDigit(s, k) {
			e.emitString(w)
		} else {
			e.copy(" ") // markup such as <b>
		}
		return k
	case '\'':
		// "'90s".
		if k := digitsEnd(s, next); k-next == 2 && k < len(s) && s[k] == 's' && boundaryAt(s, k+1) {
			w := appendInt(e.scratch(), atoi(s[next:k]))
			w = pluralize(w, 0)
			e.done(w)
			return k + 1
		}
	case '_':
		e.copy(" ")
		return next
	}
	if f, ok := enFractionRunes[r]; ok {
		w := appendInt(e.scratch(), f[0])
		w = enDenominator(w, f[1], f[0] != 1)
		e.done(w)
		return next
	}
	if w, ok := enSymbols[r]; ok {
		e.emitString(w)
		return next
	}
	if enSilent[r] {
		e.copy(" ")
		return next
	}
	if r != '(' && r != '"' && r != '\'' {
		e.prevWord = ""
	}
	e.copy(s[i:next])
	return next
}

// startsMoney reports whether a currency sign and a digit start at i.
func startsMoney(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	_, sz := utf8.DecodeRuneInString(s[i:])
	_, ok := enCurrencySymbols[s[i:i+sz]]
	return ok && nextDigit(s, i+sz)
}

// arrowAt reads comparison and arrow operators at i ("->", "=>", "<=",
// ">=", "==", "=", "<", ">"). It returns the end, the words, and whether
// they are read everywhere rather than only between numbers.
func arrowAt(s string, i int) (int, string, bool) {
	if i+2 <= len(s) {
		switch s[i : i+2] {
		case "->", "=>":
			return i + 2, "to", true
		case "==":
			return i + 2, "equals", true
		case "<=":
			return i + 2, "less than or equal to", false
		case ">=":
			return i + 2, "greater than or equal to", false
		}
	}
	switch s[i] {
	case '<':
		return i + 1, "less than", false
	case '>':
		return i + 1, "greater than", false
	}
	return i + 1, "equals", true
}

func isAllCaps(w string) bool {
	if len(w) < 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isUpper(w[i]) && !isDigit(w[i]) {
			return false
		}
	}
	return true
}
