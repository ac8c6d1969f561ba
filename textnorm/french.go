package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.French, french) }

var frMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

var french = &lightLang{
	decimalComma: true,
	spaced:       true,
	minus:        "moins",
	rangeWord:    "à",
	about:        "environ",
	times:        "fois",
	numberSign:   "numéro",
	fractions: map[rune]string{'½': "un demi", '⅓': "un tiers", '⅔': "deux tiers",
		'¼': "un quart", '¾': "trois quarts"},
	// In French a quantity below two takes the singular: "1,5 euro".
	form: func(a amount, m lightMoney) string {
		if a.intValue() >= 2 {
			return m.many
		}
		return m.one
	},
	currencies: map[string]lightMoney{
		"$": {one: "dollar", many: "dollars"}, "USD": {one: "dollar", many: "dollars"},
		"US$": {one: "dollar", many: "dollars"},
		"R$":  {one: "réal", many: "réaux"},
		"€":   {one: "euro", many: "euros"}, "EUR": {one: "euro", many: "euros"},
		"£": {one: "livre", many: "livres"}, "GBP": {one: "livre", many: "livres"},
		"¥": {one: "yen", many: "yens"}, "JPY": {one: "yen", many: "yens"},
		"CNY": {one: "yuan", many: "yuans"}, "₹": {one: "roupie", many: "roupies"},
		"₽": {one: "rouble", many: "roubles"}, "₩": {one: "won", many: "wons"},
		"CHF": {one: "franc suisse", many: "francs suisses"},
	},
	scales: scalesOf(lightMoney{one: "mille", many: "mille"},
		lightMoney{one: "million", many: "millions"}, lightMoney{one: "milliard", many: "milliards"}, "de"),
	units: map[string]lightUnit{
		"km/h": {one: "kilomètre heure", many: "kilomètres heure"},
		"m/s":  {one: "mètre par seconde", many: "mètres par seconde"},
		"m²":   {one: "mètre carré", many: "mètres carrés"},
		"km²":  {one: "kilomètre carré", many: "kilomètres carrés"},
		"m³":   {one: "mètre cube", many: "mètres cubes"},
		"°C":   {one: "degré Celsius", many: "degrés Celsius"},
		"°F":   {one: "degré Fahrenheit", many: "degrés Fahrenheit"},
	},
	abbrevs: []lightAbbrev{
		{src: "av. J.-C.", exp: "avant Jésus-Christ"}, {src: "apr. J.-C.", exp: "après Jésus-Christ"},
		{src: "c.-à-d.", exp: "c'est-à-dire"}, {src: "p. ex.", exp: "par exemple"},
		{src: "env.", exp: "environ"},
		{src: "n°", exp: "numéro", needNumber: true}, {src: "N°", exp: "numéro", needNumber: true},
		{src: "MM.", exp: "Messieurs", title: true}, {src: "M.", exp: "Monsieur", title: true},
	},
	clock: func(p *lightPass, h, m, end int) int {
		p.word(strconv.Itoa(h))
		if h <= 1 {
			p.word("heure")
		} else {
			p.word("heures")
		}
		if m > 0 {
			p.word(strconv.Itoa(m))
		}
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		frDay(p, d)
		p.word(frMonths[m-1])
		p.word(strconv.Itoa(y))
	},
	afterNumber: func(p *lightPass, a amount) int {
		// "1 mars" is "premier mars".
		if a.ip == "1" && !a.frac && a.end+1 < len(p.s) && p.s[a.end] == ' ' {
			if m, _ := monthIn(p.s, a.end+1, frMonths[:]); m > 0 {
				frDay(p, 1)
				return a.end
			}
		}
		return 0
	},
}

// frDay writes a day of the month: "1er", which espeak-ng reads "premier".
func frDay(p *lightPass, d int) {
	if d == 1 {
		p.word("1er")
		return
	}
	p.word(strconv.Itoa(d))
}
