package textnorm

// Dates, times, telephone numbers, versions and addresses in the English
// pass.

func isOrdinalSuffix(t string) bool {
	return hasPrefixFold(t, "st") || hasPrefixFold(t, "nd") || hasPrefixFold(t, "rd") || hasPrefixFold(t, "th")
}

func isYearValue(v int) bool { return v >= 1000 && v <= 2099 }

func hasPrefixAt(s string, i int, p string) bool {
	return i <= len(s) && len(s)-i >= len(p) && s[i:i+len(p)] == p
}

func hasDashAt(s string, i int) bool { return hasPrefixAt(s, i, "–") }

// isYear decides whether a bare four-digit number is a year: after a cue
// word ("in 1990", "since 2005", "March 2024") or in parentheses ("(2019)").
func (e *enPass) isYear(n enNum) bool {
	v := n.value()
	if len(n.ip) != 4 || !isYearValue(v) {
		return false
	}
	if n.start > 0 && e.s[n.start-1] == '(' && n.end < len(e.s) && e.s[n.end] == ')' {
		return true
	}
	if e.prevWord == "" {
		return false
	}
	// "the 2024 budget": after "the" only recent years, since "the 1500
	// soldiers" is a count.
	if (e.prevWord == "the" || e.prevWord == "The") && v >= 1900 {
		return true
	}
	if _, ok := enMonthIndex[e.prevWord]; ok {
		return true
	}
	var buf [16]byte
	if len(e.prevWord) > len(buf) {
		return false
	}
	low := buf[:0]
	for i := 0; i < len(e.prevWord); i++ {
		c := e.prevWord[i]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		low = append(low, c)
	}
	return enYearCues[string(low)]
}

// yearAfter reads ", 2024" or " 2024" at i as a year.
func yearAfter(s string, i int) (int, int) {
	k := i
	if k < len(s) && s[k] == ',' {
		k++
	}
	if k >= len(s) || s[k] != ' ' {
		return 0, i
	}
	k++
	k2 := digitsEnd(s, k)
	if k2-k != 4 || !boundaryAt(s, k2) {
		return 0, i
	}
	return atoi(s[k:k2]), k2
}

// ampmAt reads "am", "pm", "a.m.", "P.M." at i. It returns the words, the
// end, and whether the form ended with a period that also ends the sentence.
func ampmAt(s string, i int) (string, int, bool) {
	if i >= len(s) {
		return "", i, false
	}
	var ap string
	switch s[i] {
	case 'a', 'A':
		ap = "a m"
	case 'p', 'P':
		ap = "p m"
	default:
		return "", i, false
	}
	k := i + 1
	dotted := k < len(s) && s[k] == '.'
	if dotted {
		k++
	}
	if k >= len(s) || (s[k] != 'm' && s[k] != 'M') {
		return "", i, false
	}
	k++
	if dotted && k < len(s) && s[k] == '.' {
		k++
		return ap, k, sentenceEndAfter(s, k)
	}
	if !boundaryAt(s, k) {
		return "", i, false
	}
	return ap, k, false
}

// monthAt reads a capitalised month name at i, and when abbrevOK also an
// abbreviation with an optional period ("Sept."). It returns the month
// (1..12) and the end, or 0.
func monthAt(s string, i int, abbrevOK bool) (int, int) {
	k := wordEnd(s, i)
	if k == i || !capitalAt(s, i) {
		return 0, i
	}
	m, ok := enMonthIndex[s[i:k]]
	if !ok {
		return 0, i
	}
	if k-i <= 4 && s[i:k] != "May" && s[i:k] != "June" && s[i:k] != "July" {
		if !abbrevOK {
			return 0, i
		}
		if k < len(s) && s[k] == '.' {
			k++
		}
	}
	return m, k
}

// appendDate reads a calendar date: "March fifteenth, twenty twenty-four".
func appendDate(w []byte, y, m, d int) []byte {
	w = appendWord(w, enMonths[m-1])
	from := len(w)
	w = appendInt(w, d)
	w = ordinalize(w, from)
	if y > 0 {
		w = append(w, ',')
		w = appendYear(w, y)
	}
	return w
}

func validDate(y, m, d int) bool { return m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 0 }

// isoDate reads 2024-03-15 (optionally followed by a T and a time).
func (e *enPass) isoDate(i int) int {
	s := e.s
	y, k, ok := fixedDigits(s, i, 4)
	if !ok || k >= len(s) || s[k] != '-' {
		return i
	}
	m, k, ok := fixedDigits(s, k+1, 2)
	if !ok || k >= len(s) || s[k] != '-' {
		return i
	}
	d, k, ok := fixedDigits(s, k+1, 2)
	if !ok || !validDate(y, m, d) {
		return i
	}
	if k < len(s) && !boundaryAt(s, k) {
		if s[k] != 'T' || k+1 >= len(s) || !isDigit(s[k+1]) {
			return i
		}
		e.done(appendDate(e.scratch(), y, m, d))
		e.out = append(e.out, ',')
		return e.clock(k + 1)
	}
	e.done(appendDate(e.scratch(), y, m, d))
	e.lastNum = true
	return k
}

// numericDate reads 03/15/2024 (US order for English, unless the first
// number cannot be a month), 3/15/24, and 15.03.2024.
func (e *enPass) numericDate(i int) int {
	s := e.s
	a, k := digitsEnd(s, i), 0
	if a-i > 2 || a >= len(s) || (s[a] != '/' && s[a] != '.') {
		return i
	}
	sep := s[a]
	b := digitsEnd(s, a+1)
	if b-a-1 < 1 || b-a-1 > 2 || b >= len(s) || s[b] != sep {
		return i
	}
	k = digitsEnd(s, b+1)
	yl := k - b - 1
	if (yl != 4 && (yl != 2 || sep == '.')) || !boundaryAt(s, k) {
		return i
	}
	if k < len(s) && (s[k] == '/' || (s[k] == '.' && k+1 < len(s) && isDigit(s[k+1]))) {
		return i
	}
	x, z, y := atoi(s[i:a]), atoi(s[a+1:b]), atoi(s[b+1:k])
	if yl == 2 {
		if y < 50 {
			y += 2000
		} else {
			y += 1900
		}
	}
	m, d := x, z
	if sep == '.' || x > 12 {
		m, d = z, x
	}
	if !validDate(y, m, d) {
		return i
	}
	e.done(appendDate(e.scratch(), y, m, d))
	e.lastNum = true
	return k
}

// fixedDigits reads exactly n digits at i not followed by another digit.
func fixedDigits(s string, i, n int) (int, int, bool) {
	k := digitsEnd(s, i)
	if k-i != n {
		return 0, i, false
	}
	return atoi(s[i:k]), k, true
}

// clock reads times: "10:30", "10:05", "10:00", "14:30", "7:30 AM",
// "10:30:15".
func (e *enPass) clock(i int) int {
	s := e.s
	a := digitsEnd(s, i)
	if a-i < 1 || a-i > 2 || a+3 > len(s) || s[a] != ':' {
		return i
	}
	h := atoi(s[i:a])
	m, k, ok := fixedDigits(s, a+1, 2)
	if !ok || h > 24 || m > 59 {
		return i
	}
	sec := -1
	if k+3 <= len(s) && s[k] == ':' {
		if v, k2, ok := fixedDigits(s, k+1, 2); ok && v <= 59 {
			sec, k = v, k2
		}
	}
	if k < len(s) && (s[k] == ':' || s[k] == '.' && k+1 < len(s) && isDigit(s[k+1])) {
		return i
	}
	ap, k2, dot := "", k, false
	if h >= 1 && h <= 12 {
		ap, k2, dot = ampmAt(s, skipSpace(s, k))
		if ap == "" {
			k2 = k
		}
	}
	w := e.scratch()
	switch {
	case m == 0 && ap == "" && (h == 0 || h == 24):
		w = appendWord(w, "midnight")
	default:
		w = appendInt(w, h)
		switch {
		case m == 0 && ap != "":
		case m == 0 && h > 12:
			w = appendWord(w, "hundred")
		case m == 0:
			w = appendWord(w, "o'clock")
		case m < 10:
			w = appendWord(w, "oh")
			w = appendWord(w, enOnes[m])
		default:
			w = appendInt(w, m)
		}
	}
	if sec > 0 {
		w = appendWord(w, "and")
		w = appendInt(w, sec)
		if sec == 1 {
			w = appendWord(w, "second")
		} else {
			w = appendWord(w, "seconds")
		}
	}
	if ap != "" {
		w = appendWord(w, ap)
	}
	e.done(w)
	if dot {
		e.copy(".")
	}
	e.lastNum = true // "9:30 – 11:45" is a range
	return k2
}

// dotted reads numbers with two or more dots: IPv4 addresses
// ("192.168.0.1" → "one ninety-two dot ...") and versions ("1.2.3" → "one
// point two point three").
func (e *enPass) dotted(i int) int {
	s := e.s
	var groups [8][2]int
	n, k := 0, i
	for n < len(groups) {
		k2 := digitsEnd(s, k)
		if k2 == k {
			return i
		}
		groups[n] = [2]int{k, k2}
		n++
		k = k2
		if k+1 < len(s) && s[k] == '.' && isDigit(s[k+1]) {
			k++
			continue
		}
		break
	}
	if n < 3 || !boundaryAt(s, k) {
		return i
	}
	ip := n == 4
	for _, g := range groups[:n] {
		if g[1]-g[0] > 3 || atoi(s[g[0]:g[1]]) > 255 {
			ip = false
		}
	}
	sep := "point"
	if ip {
		sep = "dot"
	}
	w := e.scratch()
	for j, g := range groups[:n] {
		if j > 0 {
			w = appendWord(w, sep)
		}
		if ip {
			w = appendIPGroup(w, s[g[0]:g[1]])
		} else {
			w = appendCardinal(w, s[g[0]:g[1]])
		}
	}
	e.done(w)
	return k
}

// appendIPGroup reads one address byte the way people say them: "192" →
// "one ninety-two", "10" → "ten", "0" → "zero".
func appendIPGroup(w []byte, g string) []byte {
	if len(g) == 3 && g[1] != '0' {
		w = appendWord(w, enOnes[g[0]-'0'])
		return appendCardinal(w, g[1:])
	}
	return appendCardinal(w, g)
}

// phone reads telephone numbers digit by digit, group by group: 555-1234,
// 555-123-4567, 555.123.4567, 1-800-555-1234.
func (e *enPass) phone(i int) int {
	s := e.s
	var groups [5][2]int
	n, k := 0, i
	var sep byte
	for n < len(groups) {
		k2 := digitsEnd(s, k)
		if k2 == k {
			break
		}
		groups[n] = [2]int{k, k2}
		n++
		k = k2
		if k+1 < len(s) && (s[k] == '-' || s[k] == '.' || s[k] == ' ') && isDigit(s[k+1]) && (sep == 0 || s[k] == sep) {
			sep = s[k]
			k++
			continue
		}
		break
	}
	if !boundaryAt(s, k) || (k < len(s) && (s[k] == '-' || s[k] == '.' && k+1 < len(s) && isDigit(s[k+1]))) {
		return i
	}
	lens := func() (l [5]int) {
		for j := 0; j < n; j++ {
			l[j] = groups[j][1] - groups[j][0]
		}
		return
	}()
	var ok bool
	switch {
	case n == 2 && sep == '-' && lens[0] == 3 && lens[1] == 4:
		ok = true
	case n == 3 && lens[0] == 3 && lens[1] == 3 && lens[2] == 4:
		ok = true
	case n == 4 && sep != ' ' && lens[0] == 1 && lens[1] == 3 && lens[2] == 3 && lens[3] == 4:
		ok = true
	}
	if !ok {
		return i
	}
	w := e.scratch()
	for j := 0; j < n; j++ {
		if j > 0 {
			w = append(w, ',')
		}
		w = appendDigitWords(w, s[groups[j][0]:groups[j][1]])
	}
	e.done(w)
	return k
}

// phoneParen reads "(555) 123-4567" starting at the parenthesis.
func (e *enPass) phoneParen(i int) int {
	s := e.s
	_, k, ok := fixedDigits(s, i+1, 3)
	if !ok || k >= len(s) || s[k] != ')' {
		return i
	}
	k = skipSpace(s, k+1)
	_, k2, ok := fixedDigits(s, k, 3)
	if !ok || k2 >= len(s) || (s[k2] != '-' && s[k2] != '.' && s[k2] != ' ') {
		return i
	}
	_, k3, ok := fixedDigits(s, k2+1, 4)
	if !ok || !boundaryAt(s, k3) {
		return i
	}
	w := e.scratch()
	w = appendDigitWords(w, s[i+1:i+4])
	w = append(w, ',')
	w = appendDigitWords(w, s[k:k2])
	w = append(w, ',')
	w = appendDigitWords(w, s[k2+1:k3])
	e.done(w)
	return k3
}

// phonePlus reads international numbers: "+44 20 7946 0958", "+1-555-123-4567".
func (e *enPass) phonePlus(i int) int {
	s := e.s
	k, groups, digits := i+1, 0, 0
	w := appendWord(e.scratch(), "plus")
	for {
		k2 := digitsEnd(s, k)
		if k2 == k || k2-k > 4 {
			return i
		}
		if groups > 0 {
			w = append(w, ',')
		}
		w = appendDigitWords(w, s[k:k2])
		groups++
		digits += k2 - k
		k = k2
		if k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && isDigit(s[k+1]) {
			k++
			continue
		}
		break
	}
	if groups < 2 || digits < 8 || digits > 15 || !boundaryAt(s, k) {
		e.tmp = w[:0]
		return i
	}
	e.done(w)
	return k
}
