package textnorm

// Helpers shared by Chinese, Japanese and Korean: amounts are written as
// digits followed by the word with no space ("5美元", "5ドル", "5달러"), and
// the digits after a decimal point are spelled one by one, since espeak-ng
// drops the point and reads "3.14" as "three fourteen".

// cjkMoney writes the amount then the currency word, unspaced.
func cjkMoney(p *lightPass, a amount, c lightMoney) {
	p.num(a)
	p.copy(c.one)
}

// cjkNumber returns a writeNumber that spells decimals as point + digits.
func cjkNumber(point string, digits *[10]string) func(p *lightPass, a amount) {
	return func(p *lightPass, a amount) {
		p.digits(a.ip)
		if !a.frac {
			return
		}
		p.copy(point)
		for i := 0; i < len(a.fp); i++ {
			p.copy(digits[a.fp[i]-'0'])
		}
	}
}

// cjkSuffix returns a percent hook that writes the amount and then word.
func cjkSuffix(word string) func(p *lightPass, a amount) bool {
	return func(p *lightPass, a amount) bool {
		p.num(a)
		p.copy(word)
		return true
	}
}

// cjkCounter reads one of words straight after a number at i and returns it
// and its end.
func cjkCounter(s string, i int, words []string) (string, int) {
	for _, w := range words {
		if hasPrefixAt(s, i, w) {
			return w, i + len(w)
		}
	}
	return "", i
}

// unspacedUnits converts a table of unit words into one where every form is
// the same word.
func unspacedUnits(m map[string]string) map[string]lightUnit {
	u := make(map[string]lightUnit, len(m))
	for k, w := range m {
		u[k] = lightUnit{one: w, few: w, many: w}
	}
	return u
}

// oneForm builds a currency table where every form is the same word.
func oneForm(m map[string]string) map[string]lightMoney { return unspacedUnits(m) }
