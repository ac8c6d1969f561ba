package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Spanish, spanish) }

var esMonths = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
	"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

var spanish = &lightLang{
	decimalComma:    true,
	joinSpaceGroups: true,
	spaced:          true,
	minus:           "menos",
	rangeWord:       "a",
	about:           "aproximadamente",
	times:           "por",
	and:             "y",
	numberSign:      "número",
	moneyJoin:       "con",
	fractions: map[rune]string{'½': "un medio", '⅓': "un tercio", '⅔': "dos tercios",
		'¼': "un cuarto", '¾': "tres cuartos"},
	currencies: map[string]lightMoney{
		"$": {one: "dólar", many: "dólares"}, "USD": {one: "dólar", many: "dólares"},
		"US$": {one: "dólar", many: "dólares"},
		"R$":  {one: "real", many: "reales"},
		"€":   {one: "euro", many: "euros"}, "EUR": {one: "euro", many: "euros"},
		"£": {one: "libra", many: "libras"}, "GBP": {one: "libra", many: "libras"},
		"¥": {one: "yen", many: "yenes"}, "JPY": {one: "yen", many: "yenes"},
		"CNY": {one: "yuan", many: "yuanes"}, "₹": {one: "rupia", many: "rupias"},
		"₽": {one: "rublo", many: "rublos"}, "₩": {one: "won", many: "wones"},
		"CHF": {one: "franco suizo", many: "francos suizos"},
	},
	scales: scalesOf(lightMoney{one: "mil", many: "mil"},
		lightMoney{one: "millón", many: "millones"}, lightMoney{one: "mil millones", many: "mil millones"}, "de"),
	units: map[string]lightUnit{
		"km/h": {one: "kilómetro por hora", many: "kilómetros por hora"},
		"m/s":  {one: "metro por segundo", many: "metros por segundo"},
		"m²":   {one: "metro cuadrado", many: "metros cuadrados"},
		"km²":  {one: "kilómetro cuadrado", many: "kilómetros cuadrados"},
		"m³":   {one: "metro cúbico", many: "metros cúbicos"},
		"°C":   {one: "grado Celsius", many: "grados Celsius"},
		"°F":   {one: "grado Fahrenheit", many: "grados Fahrenheit"},
	},
	abbrevs: []lightAbbrev{
		{src: "EE. UU.", exp: "Estados Unidos"}, {src: "EE.UU.", exp: "Estados Unidos"},
		{src: "p. ej.", exp: "por ejemplo"}, {src: "p.ej.", exp: "por ejemplo"},
		{src: "aprox.", exp: "aproximadamente"}, {src: "etc.", exp: "etcétera"},
		{src: "pág.", exp: "página", needNumber: true}, {src: "Avda.", exp: "avenida"},
		{src: "núm.", exp: "número", needNumber: true}, {src: "n.º", exp: "número", needNumber: true},
		{src: "nº", exp: "número", needNumber: true}, {src: "Nº", exp: "número", needNumber: true},
	},
	clock: func(p *lightPass, h, m, end int) int {
		p.word(strconv.Itoa(h))
		if m == 0 {
			p.word("en punto")
			return end
		}
		p.word("y")
		p.word(strconv.Itoa(m))
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		p.word(strconv.Itoa(d))
		p.word("de")
		p.word(esMonths[m-1])
		p.word("de")
		p.word(strconv.Itoa(y))
	},
}
