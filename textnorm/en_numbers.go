package textnorm

// English number words. Every function appends to dst and skips any
// non-digit bytes in its digit string, so callers can pass a number as
// written ("1,234,567") without copying it.

var enOnes = [20]string{
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen",
}

var enTens = [10]string{"", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// enScales names the powers of a thousand. Cardinals longer than these are
// read digit by digit: nobody says "a septillion" aloud to mean a number.
var enScales = [...]string{"", "thousand", "million", "billion", "trillion",
	"quadrillion", "quintillion", "sextillion"}

const enMaxCardinalDigits = 3 * len(enScales)

// appendWord appends w, preceded by a space unless dst is empty or already
// ends in a space or hyphen.
func appendWord(dst []byte, w string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != ' ' && dst[n-1] != '-' {
		dst = append(dst, ' ')
	}
	return append(dst, w...)
}

// appendUnder1000 appends v (1..999).
func appendUnder1000(dst []byte, v int) []byte {
	if v >= 100 {
		dst = appendWord(dst, enOnes[v/100])
		dst = appendWord(dst, "hundred")
		v %= 100
	}
	if v == 0 {
		return dst
	}
	if v < 20 {
		return appendWord(dst, enOnes[v])
	}
	dst = appendWord(dst, enTens[v/10])
	if v%10 != 0 {
		dst = append(dst, '-')
		dst = append(dst, enOnes[v%10]...)
	}
	return dst
}

// appendCardinal appends the cardinal reading of digits ("1,234" → "one
// thousand two hundred thirty-four"). Too long a number is read digit by
// digit.
func appendCardinal(dst []byte, digits string) []byte {
	var buf [enMaxCardinalDigits]byte
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !isDigit(c) || (n == 0 && c == '0') {
			continue
		}
		if n == len(buf) {
			return appendDigitWords(dst, digits)
		}
		buf[n] = c
		n++
	}
	if n == 0 {
		return appendWord(dst, "zero")
	}
	first := n % 3
	if first == 0 {
		first = 3
	}
	for start, end := 0, first; start < n; start, end = end, end+3 {
		v := 0
		for _, c := range buf[start:end] {
			v = v*10 + int(c-'0')
		}
		if v == 0 {
			continue
		}
		dst = appendUnder1000(dst, v)
		if scale := (n - end) / 3; scale > 0 {
			dst = appendWord(dst, enScales[scale])
		}
	}
	return dst
}

// appendInt appends the cardinal reading of a small non-negative integer.
func appendInt(dst []byte, v int) []byte {
	if v < 0 {
		v = 0
	}
	if v == 0 {
		return appendWord(dst, "zero")
	}
	if v < 1000 {
		return appendUnder1000(dst, v)
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return appendCardinal(dst, string(buf[i:]))
}

// appendDigitWords reads every digit on its own ("007" → "zero zero seven").
func appendDigitWords(dst []byte, digits string) []byte {
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; isDigit(c) {
			dst = appendWord(dst, enOnes[c-'0'])
		}
	}
	return dst
}

var enOrdinalIrregular = map[string]string{
	"one": "first", "two": "second", "three": "third", "five": "fifth",
	"eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}

// ordinalize rewrites the last word of dst[from:] as an ordinal.
func ordinalize(dst []byte, from int) []byte {
	i := len(dst)
	for i > from && dst[i-1] != ' ' && dst[i-1] != '-' {
		i--
	}
	if w, ok := enOrdinalIrregular[string(dst[i:])]; ok {
		return append(dst[:i], w...)
	}
	if n := len(dst); n > i && dst[n-1] == 'y' {
		return append(dst[:n-1], "ieth"...)
	}
	return append(dst, "th"...)
}

// appendOrdinal appends the ordinal reading ("103" → "one hundred third").
func appendOrdinal(dst []byte, digits string) []byte {
	from := len(dst)
	dst = appendCardinal(dst, digits)
	return ordinalize(dst, from)
}

// pluralize rewrites the last word of dst[from:] in the plural, as in
// decades ("nineteen ninety" → "nineteen nineties").
func pluralize(dst []byte, from int) []byte {
	n := len(dst)
	if n == from {
		return dst
	}
	switch c := dst[n-1]; {
	case c == 'y':
		dst = append(dst[:n-1], "ies"...)
	case c == 'x' || c == 's':
		dst = append(dst, "es"...)
	default:
		dst = append(dst, 's')
	}
	return dst
}

// appendYear reads a four-digit year the way English speakers do: "nineteen
// ninety", "nineteen oh five", "nineteen hundred", but "two thousand five".
func appendYear(dst []byte, y int) []byte {
	hi, lo := y/100, y%100
	switch {
	case y < 1000 || y%1000 < 10:
		return appendInt(dst, y)
	case lo == 0:
		dst = appendUnder1000(dst, hi)
		return appendWord(dst, "hundred")
	case lo < 10:
		dst = appendUnder1000(dst, hi)
		dst = appendWord(dst, "oh")
		return appendWord(dst, enOnes[lo])
	}
	dst = appendUnder1000(dst, hi)
	return appendUnder1000(dst, lo)
}

// appendDecimal reads "3.14" as "three point one four". An empty integer
// part (".5") is read "point five".
func appendDecimal(dst []byte, intPart, frac string) []byte {
	if countDigits(intPart) > 0 {
		dst = appendCardinal(dst, intPart)
	}
	dst = appendWord(dst, "point")
	return appendDigitWords(dst, frac)
}

// enDenominator appends the name of a fraction's denominator.
func enDenominator(dst []byte, den int, plural bool) []byte {
	switch den {
	case 2:
		if plural {
			return appendWord(dst, "halves")
		}
		return appendWord(dst, "half")
	case 4:
		if plural {
			return appendWord(dst, "quarters")
		}
		return appendWord(dst, "quarter")
	}
	from := len(dst)
	dst = appendInt(dst, den)
	dst = ordinalize(dst, from)
	if plural {
		dst = append(dst, 's')
	}
	return dst
}
