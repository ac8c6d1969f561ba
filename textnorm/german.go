package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.German, german) }

var deMonths = [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni",
	"Juli", "August", "September", "Oktober", "November", "Dezember"}

var german = &lightLang{
	decimalComma: true,
	spaced:       true,
	nounCaps:     true,
	rangeWord:    "bis",
	about:        "etwa",
	times:        "mal",
	numberSign:   "Nummer",
	currencies: map[string]lightMoney{
		"$": {one: "Dollar", many: "Dollar"}, "USD": {one: "Dollar", many: "Dollar"},
		"€": {one: "Euro", many: "Euro"}, "EUR": {one: "Euro", many: "Euro"},
		"£": {one: "Pfund", many: "Pfund"}, "GBP": {one: "Pfund", many: "Pfund"},
		"¥": {one: "Yen", many: "Yen"}, "JPY": {one: "Yen", many: "Yen"},
		"CNY": {one: "Yuan", many: "Yuan"}, "₹": {one: "Rupie", many: "Rupien"},
		"₽": {one: "Rubel", many: "Rubel"}, "RUB": {one: "Rubel", many: "Rubel"},
		"₩": {one: "Won", many: "Won"}, "CHF": {one: "Franken", many: "Franken"},
		"US$": {one: "US-Dollar", many: "US-Dollar"},
		"R$":  {one: "Real", many: "Real"},
	},
	scales: scalesOf(lightMoney{one: "Tausend", many: "Tausend"},
		lightMoney{one: "Million", many: "Millionen"}, lightMoney{one: "Milliarde", many: "Milliarden"}, ""),
	units: map[string]lightUnit{
		"km/h": {one: "Kilometer pro Stunde", many: "Kilometer pro Stunde"},
		"m/s":  {one: "Meter pro Sekunde", many: "Meter pro Sekunde"},
		"m²":   {one: "Quadratmeter", many: "Quadratmeter"},
		"km²":  {one: "Quadratkilometer", many: "Quadratkilometer"},
		"m³":   {one: "Kubikmeter", many: "Kubikmeter"},
		"°C":   {one: "Grad Celsius", many: "Grad Celsius"},
		"°F":   {one: "Grad Fahrenheit", many: "Grad Fahrenheit"},
	},
	abbrevs: []lightAbbrev{
		{src: "z. B.", exp: "zum Beispiel"}, {src: "z.B.", exp: "zum Beispiel"},
		{src: "d. h.", exp: "das heißt"}, {src: "d.h.", exp: "das heißt"},
		{src: "u. a.", exp: "unter anderem"}, {src: "u.a.", exp: "unter anderem"},
		{src: "usw.", exp: "und so weiter"}, {src: "bzw.", exp: "beziehungsweise"},
		{src: "bspw.", exp: "beispielsweise"}, {src: "evtl.", exp: "eventuell"},
		{src: "ggf.", exp: "gegebenenfalls"}, {src: "inkl.", exp: "inklusive"},
		{src: "zzgl.", exp: "zuzüglich"}, {src: "vgl.", exp: "vergleiche"},
		{src: "etc.", exp: "et cetera"}, {src: "ca.", exp: "circa"},
		{src: "Mio.", exp: "Millionen"}, {src: "Mrd.", exp: "Milliarden"},
		{src: "Tsd.", exp: "Tausend"}, {src: "Str.", exp: "Straße"},
		{src: "Nr.", exp: "Nummer", needNumber: true}, {src: "S.", exp: "Seite", needNumber: true},
		{src: "Dr.", exp: "Doktor", title: true}, {src: "Prof.", exp: "Professor", title: true},
		{src: "Hr.", exp: "Herr", title: true}, {src: "Fr.", exp: "Frau", title: true},
	},
	clock:       deClock,
	date:        deDate,
	afterNumber: deAfterNumber,
}

// deClock: espeak-ng reads "10:05" as "zehn Uhr null fünf" and "10:00" as
// "zehn Uhr null null". A following "Uhr" moves between hours and minutes.
func deClock(p *lightPass, h, m, end int) int {
	p.word(strconv.Itoa(h))
	p.word("Uhr")
	if m > 0 {
		p.word(strconv.Itoa(m))
	}
	if hasPrefixAt(p.s, end, " Uhr") && boundaryAt(p.s, end+len(" Uhr")) {
		return end + len(" Uhr")
	}
	return end
}

var deOnes = [20]string{"", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
	"zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"}

var deTens = [10]string{"", "zehn", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"}

// deUnder100 spells 1..99 as one word ("einundzwanzig").
func deUnder100(n int) string {
	if n < 20 {
		return deOnes[n]
	}
	if n%10 == 0 {
		return deTens[n/10]
	}
	return deOnes[n%10] + "und" + deTens[n/10]
}

// deOrdinalStem spells the ordinal of 1..99 without its ending: "erst",
// "dritt", "zwanzigst".
func deOrdinalStem(n int) string {
	switch n {
	case 1:
		return "erst"
	case 3:
		return "dritt"
	case 7:
		return "siebt"
	case 8:
		return "acht"
	}
	if n < 20 {
		return deOnes[n] + "t"
	}
	return deUnder100(n) + "st"
}

// deDayEnding chooses the ordinal ending from the word before the date:
// "am fünfzehnten", "der fünfzehnte", and without an article (a dateline)
// "fünfzehnter".
func deDayEnding(prev string) string {
	switch prev {
	case "am", "Am", "vom", "Vom", "zum", "Zum", "dem", "den", "im", "beim", "bis", "ab", "seit", "Seit", "Ab", "Bis":
		return "en"
	case "der", "Der", "die", "Die", "das":
		return "e"
	}
	return "er"
}

// deYear writes a year: 1100-1999 are said in hundreds
// ("neunzehnhundertneunzig"), which espeak-ng does not know; other years it
// reads right as numbers.
func deYear(p *lightPass, y int) {
	if y >= 1100 && y <= 1999 {
		p.word(deUnder100(y/100) + "hundert" + deUnder100(y%100))
		return
	}
	p.word(strconv.Itoa(y))
}

func deDate(p *lightPass, y, m, d int) {
	p.word(deOrdinalStem(d) + deDayEnding(p.prevWord))
	p.word(deMonths[m-1])
	deYear(p, y)
}

var deYearCues = map[string]bool{
	"Jahr": true, "Jahre": true, "Jahres": true, "seit": true, "Seit": true, "von": true,
	"Von": true, "bis": true, "im": true, "Im": true, "um": true, "ab": true, "vor": true,
	"nach": true, "zwischen": true, "Anfang": true, "Ende": true, "Mitte": true,
	"Sommer": true, "Winter": true, "Frühjahr": true, "Herbst": true,
}

// deAfterNumber reads "15. März" as an ordinal ("fünfzehnter März"), and
// years after a cue ("seit 1990") or in ranges of years in hundreds.
func deAfterNumber(p *lightPass, a amount) int {
	s := p.s
	v := a.intValue()
	if a.frac || v < 0 || a.end-a.start != countDigits(a.ip) {
		return 0
	}
	if v >= 1 && v <= 31 && a.end+1 < len(s) && s[a.end] == '.' && s[a.end+1] == ' ' {
		if m, k := monthIn(s, a.end+2, deMonths[:]); m > 0 {
			p.word(deOrdinalStem(v) + deDayEnding(p.prevWord))
			p.word(deMonths[m-1])
			if k+5 <= len(s) && s[k] == ' ' {
				if y, k2, ok := fixedDigits(s, k+1, 4); ok && boundaryAt(s, k2) {
					deYear(p, y)
					return k2
				}
			}
			return k
		}
	}
	if v < 1100 || v > 1999 || a.end-a.start != 4 {
		return 0
	}
	if k, ok := rangeDash(s, a.end); ok {
		if y2, k2, ok := fixedDigits(s, k, 4); ok && boundaryAt(s, k2) {
			deYear(p, v)
			p.word("bis")
			deYear(p, y2)
			return k2
		}
	}
	if deYearCues[p.prevWord] || monthIndexIn(p.prevWord, deMonths[:]) > 0 {
		if _, _, ok := p.currencyAfter(a.end); !ok {
			deYear(p, v)
			return a.end
		}
	}
	return 0
}

// monthIn reads a month name from months at i followed by a word boundary.
func monthIn(s string, i int, months []string) (int, int) {
	for m, name := range months {
		if hasPrefixAt(s, i, name) && boundaryAt(s, i+len(name)) {
			return m + 1, i + len(name)
		}
	}
	return 0, i
}

func monthIndexIn(w string, months []string) int {
	for m, name := range months {
		if w == name {
			return m + 1
		}
	}
	return 0
}
