package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Portuguese, portuguese) }

var ptMonths = [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho",
	"julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}

var portuguese = &lightLang{
	decimalComma:    true,
	joinSpaceGroups: true,
	spaced:          true,
	rangeWord:       "a",
	about:           "cerca de",
	times:           "vezes",
	numberSign:      "número",
	moneyJoin:       "e",
	currencies: map[string]lightMoney{
		"$": {one: "dólar", many: "dólares"}, "USD": {one: "dólar", many: "dólares"},
		"US$": {one: "dólar", many: "dólares"},
		"R$":  {one: "real", many: "reais"}, "BRL": {one: "real", many: "reais"},
		"€": {one: "euro", many: "euros"}, "EUR": {one: "euro", many: "euros"},
		"£": {one: "libra", many: "libras"}, "GBP": {one: "libra", many: "libras"},
		"¥": {one: "iene", many: "ienes"}, "JPY": {one: "iene", many: "ienes"},
		"CNY": {one: "yuan", many: "yuans"}, "₹": {one: "rupia", many: "rupias"},
		"₽": {one: "rublo", many: "rublos"}, "₩": {one: "won", many: "wons"},
		"CHF": {one: "franco suíço", many: "francos suíços"},
	},
	scales: scalesOf(lightMoney{one: "mil", many: "mil"},
		lightMoney{one: "milhão", many: "milhões"}, lightMoney{one: "mil milhões", many: "mil milhões"}, "de"),
	units: map[string]lightUnit{
		"km/h": {one: "quilómetro por hora", many: "quilómetros por hora"},
		"m/s":  {one: "metro por segundo", many: "metros por segundo"},
		"m²":   {one: "metro quadrado", many: "metros quadrados"},
		"km²":  {one: "quilómetro quadrado", many: "quilómetros quadrados"},
		"m³":   {one: "metro cúbico", many: "metros cúbicos"},
		"°C":   {one: "grau Celsius", many: "graus Celsius"},
		"°F":   {one: "grau Fahrenheit", many: "graus Fahrenheit"},
	},
	abbrevs: []lightAbbrev{
		{src: "V. Exa.", exp: "Vossa Excelência"}, {src: "p. ex.", exp: "por exemplo"},
		{src: "aprox.", exp: "aproximadamente"},
		{src: "Sra.", exp: "senhora", title: true}, {src: "Sr.", exp: "senhor", title: true},
		{src: "Dra.", exp: "doutora", title: true}, {src: "Av.", exp: "Avenida"},
		{src: "pág.", exp: "página", needNumber: true}, {src: "n.º", exp: "número", needNumber: true},
		{src: "nº", exp: "número", needNumber: true}, {src: "Nº", exp: "número", needNumber: true},
	},
	clock: func(p *lightPass, h, m, end int) int {
		p.word(strconv.Itoa(h))
		if m == 0 {
			if h == 1 {
				p.word("hora")
			} else {
				p.word("horas")
			}
			return end
		}
		p.word("e")
		p.word(strconv.Itoa(m))
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		p.word(strconv.Itoa(d))
		p.word("de")
		p.word(ptMonths[m-1])
		p.word("de")
		p.word(strconv.Itoa(y))
	},
}
