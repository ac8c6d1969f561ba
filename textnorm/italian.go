package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Italian, italian) }

var itMonths = [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
	"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

var italian = &lightLang{
	decimalComma:    true,
	joinSpaceGroups: true,
	spaced:          true,
	rangeWord:       "a",
	about:           "circa",
	times:           "per",
	and:             "e",
	numberSign:      "numero",
	moneyJoin:       "e",
	currencies: map[string]lightMoney{
		"$": {one: "dollaro", many: "dollari"}, "USD": {one: "dollaro", many: "dollari"},
		"US$": {one: "dollaro", many: "dollari"},
		"R$":  {one: "real", many: "real"},
		"€":   {one: "euro", many: "euro"}, "EUR": {one: "euro", many: "euro"},
		"£": {one: "sterlina", many: "sterline"}, "GBP": {one: "sterlina", many: "sterline"},
		"¥": {one: "yen", many: "yen"}, "JPY": {one: "yen", many: "yen"},
		"CNY": {one: "yuan", many: "yuan"}, "₹": {one: "rupia", many: "rupie"},
		"₽": {one: "rublo", many: "rubli"}, "₩": {one: "won", many: "won"},
		"CHF": {one: "franco svizzero", many: "franchi svizzeri"},
	},
	scales: scalesOf(lightMoney{one: "mille", many: "mila"},
		lightMoney{one: "milione", many: "milioni"}, lightMoney{one: "miliardo", many: "miliardi"}, "di"),
	units: map[string]lightUnit{
		"km/h": {one: "chilometro orario", many: "chilometri orari"},
		"m/s":  {one: "metro al secondo", many: "metri al secondo"},
		"m²":   {one: "metro quadrato", many: "metri quadrati"},
		"km²":  {one: "chilometro quadrato", many: "chilometri quadrati"},
		"m³":   {one: "metro cubo", many: "metri cubi"},
		"°C":   {one: "grado Celsius", many: "gradi Celsius"},
		"°F":   {one: "grado Fahrenheit", many: "gradi Fahrenheit"},
	},
	abbrevs: []lightAbbrev{
		{src: "Sig.ra", exp: "signora", title: true}, {src: "Sig.na", exp: "signorina", title: true},
		{src: "Sig.", exp: "signor", title: true}, {src: "Dott.ssa", exp: "dottoressa", title: true},
		{src: "Dott.", exp: "dottor", title: true}, {src: "Prof.ssa", exp: "professoressa", title: true},
		{src: "Prof.", exp: "professor", title: true}, {src: "p. es.", exp: "per esempio"},
		{src: "ecc.", exp: "eccetera"}, {src: "etc.", exp: "eccetera"}, {src: "ca.", exp: "circa"},
		{src: "pag.", exp: "pagina", needNumber: true}, {src: "n.", exp: "numero", needNumber: true},
	},
	clock: func(p *lightPass, h, m, end int) int {
		p.word(strconv.Itoa(h))
		if m > 0 {
			p.word("e")
			p.word(strconv.Itoa(m))
		}
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		itDay(p, d)
		p.word(itMonths[m-1])
		p.word(strconv.Itoa(y))
	},
	afterNumber: func(p *lightPass, a amount) int {
		// "1 maggio" is "primo maggio".
		if a.ip == "1" && !a.frac && a.end+1 < len(p.s) && p.s[a.end] == ' ' {
			if m, _ := monthIn(p.s, a.end+1, itMonths[:]); m > 0 {
				itDay(p, 1)
				return a.end
			}
		}
		return 0
	},
}

// itDay writes a day of the month: "1º", which espeak-ng reads "primo".
func itDay(p *lightPass, d int) {
	if d == 1 {
		p.word("1º")
		return
	}
	p.word(strconv.Itoa(d))
}
