package textnorm

import (
	"strconv"
	"strings"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Russian, russian) }

// Russian nouns after a number take one of three forms (1 доллар, 2
// доллара, 5 долларов); espeak-ng does not inflect the words it substitutes
// for symbols ("5 процент") and leaves €, £, ¥ and ₽ silent. Ordinals in
// dates and years ("в 2024 году") are spelled out here because espeak-ng
// reads them as cardinals.

var ruMonthsGen = [12]string{"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря"}

func rm(one, few, many string) lightMoney { return lightMoney{one: one, few: few, many: many} }

var (
	ruDollar = rm("доллар", "доллара", "долларов")
	ruEuro   = rm("евро", "евро", "евро")
	ruPound  = rm("фунт", "фунта", "фунтов")
	ruYen    = rm("иена", "иены", "иен")
	ruYuan   = rm("юань", "юаня", "юаней")
	ruRupee  = rm("рупия", "рупии", "рупий")
	ruRuble  = rm("рубль", "рубля", "рублей")
	ruWon    = rm("вона", "воны", "вон")
	ruFranc  = rm("франк", "франка", "франков")
)

// ruMinor names the minor unit of a currency, by the major's singular.
var ruMinor = map[string]lightMoney{
	"доллар": rm("цент", "цента", "центов"),
	"евро":   rm("цент", "цента", "центов"),
	"фунт":   rm("пенс", "пенса", "пенсов"),
	"рубль":  rm("копейка", "копейки", "копеек"),
}

// ruAfter are words written after a number, read in the number's form. The
// scales make a following currency or unit genitive plural ("5 млн руб." →
// "5 миллионов рублей").
var ruAfter = map[string]lightMoney{
	"тыс.": rm("тысяча", "тысячи", "тысяч"), "млн": rm("миллион", "миллиона", "миллионов"),
	"млн.": rm("миллион", "миллиона", "миллионов"), "млрд": rm("миллиард", "миллиарда", "миллиардов"),
	"млрд.": rm("миллиард", "миллиарда", "миллиардов"), "трлн": rm("триллион", "триллиона", "триллионов"),
	"руб.": ruRuble, "р.": ruRuble, "коп.": rm("копейка", "копейки", "копеек"),
}

var ruScales = map[string]bool{"тыс.": true, "млн": true, "млн.": true, "млрд": true, "млрд.": true, "трлн": true}

var russian = &lightLang{
	decimalComma:    true,
	joinSpaceGroups: true,
	spaced:          true,
	minus:           "минус",
	about:           "примерно",
	times:           "на",
	and:             "и",
	numberSign:      "номер",
	fractions: map[rune]string{'½': "одна вторая", '⅓': "одна третья", '⅔': "две третьих",
		'¼': "одна четвёртая", '¾': "три четвёртых"},
	form: ruForm,
	scales: scalesOf(rm("тысяча", "тысячи", "тысяч"), rm("миллион", "миллиона", "миллионов"),
		rm("миллиард", "миллиарда", "миллиардов"), ""),
	currencies: map[string]lightMoney{
		"$": ruDollar, "USD": ruDollar, "US$": ruDollar, "€": ruEuro, "EUR": ruEuro,
		"£": ruPound, "GBP": ruPound, "¥": ruYen, "JPY": ruYen, "CNY": ruYuan,
		"₹": ruRupee, "INR": ruRupee, "₽": ruRuble, "RUB": ruRuble, "₩": ruWon,
		"KRW": ruWon, "CHF": ruFranc,
		"R$": rm("реал", "реала", "реалов"),
	},
	units: map[string]lightUnit{
		"км/ч": rm("километр в час", "километра в час", "километров в час"),
		"km/h": rm("километр в час", "километра в час", "километров в час"),
		"м/с":  rm("метр в секунду", "метра в секунду", "метров в секунду"),
		"км":   rm("километр", "километра", "километров"), "km": rm("километр", "километра", "километров"),
		"м": rm("метр", "метра", "метров"), "m": rm("метр", "метра", "метров"),
		"см": rm("сантиметр", "сантиметра", "сантиметров"), "cm": rm("сантиметр", "сантиметра", "сантиметров"),
		"мм": rm("миллиметр", "миллиметра", "миллиметров"), "mm": rm("миллиметр", "миллиметра", "миллиметров"),
		"кг": rm("килограмм", "килограмма", "килограммов"), "kg": rm("килограмм", "килограмма", "килограммов"),
		"г": rm("грамм", "грамма", "граммов"), "g": rm("грамм", "грамма", "граммов"),
		"мг": rm("миллиграмм", "миллиграмма", "миллиграммов"),
		"л":  rm("литр", "литра", "литров"), "мл": rm("миллилитр", "миллилитра", "миллилитров"),
		"ч": rm("час", "часа", "часов"), "мин": rm("минута", "минуты", "минут"),
		"сек": rm("секунда", "секунды", "секунд"), "мс": rm("миллисекунда", "миллисекунды", "миллисекунд"),
		"ГБ": rm("гигабайт", "гигабайта", "гигабайт"), "GB": rm("гигабайт", "гигабайта", "гигабайт"),
		"МБ": rm("мегабайт", "мегабайта", "мегабайт"), "MB": rm("мегабайт", "мегабайта", "мегабайт"),
		"ТБ": rm("терабайт", "терабайта", "терабайт"), "TB": rm("терабайт", "терабайта", "терабайт"),
		"кВт": rm("киловатт", "киловатта", "киловатт"), "Вт": rm("ватт", "ватта", "ватт"),
		"ГГц": rm("гигагерц", "гигагерца", "гигагерц"), "ГГЦ": rm("гигагерц", "гигагерца", "гигагерц"),
		"м²":  rm("квадратный метр", "квадратных метра", "квадратных метров"),
		"км²": rm("квадратный километр", "квадратных километра", "квадратных километров"),
		"°C":  rm("градус Цельсия", "градуса Цельсия", "градусов Цельсия"),
		"°F":  rm("градус по Фаренгейту", "градуса по Фаренгейту", "градусов по Фаренгейту"),
		"°":   rm("градус", "градуса", "градусов"),
	},
	abbrevs: []lightAbbrev{
		{src: "т. е.", exp: "то есть"}, {src: "т.е.", exp: "то есть"},
		{src: "т. д.", exp: "так далее"}, {src: "т.д.", exp: "так далее"},
		{src: "т. п.", exp: "тому подобное"}, {src: "т.п.", exp: "тому подобное"},
		{src: "т. к.", exp: "так как"}, {src: "т.к.", exp: "так как"},
		{src: "т. н.", exp: "так называемый"}, {src: "т.н.", exp: "так называемый"},
		{src: "др.", exp: "другие"}, {src: "см.", exp: "смотри"}, {src: "напр.", exp: "например"},
		{src: "ул.", exp: "улица"}, {src: "им.", exp: "имени"},
	},
	percent: func(p *lightPass, a amount) bool {
		p.num(a)
		p.word(ruForm(a, rm("процент", "процента", "процентов")))
		return true
	},
	writeMoney:  ruMoney,
	date:        ruDate,
	afterNumber: ruAfterNumber,
}

// ruForm picks the form of a noun after the number a: one for 1, 21, 101;
// few for 2-4, 22-24 and for fractions (genitive singular); many otherwise.
func ruForm(a amount, m lightMoney) string {
	if a.frac {
		return m.few
	}
	n := lastTwoDigits(a.ip)
	switch {
	case n%10 == 1 && n != 11:
		return m.one
	case n%10 >= 2 && n%10 <= 4 && (n < 12 || n > 14):
		return m.few
	}
	return m.many
}

// lastTwoDigits returns the number formed by the last two digits of t.
func lastTwoDigits(t string) int {
	v, n := 0, 0
	for i := len(t) - 1; i >= 0 && n < 2; i-- {
		if c := t[i]; isDigit(c) {
			d := int(c - '0')
			if n == 1 {
				d *= 10
			}
			v += d
			n++
		}
	}
	return v
}

// ruMoney writes "5 долларов", "5 долларов 50 центов", "2,5 иены".
func ruMoney(p *lightPass, a amount, c lightMoney) {
	minor, ok := ruMinor[c.one]
	if a.frac && len(a.fp) == 2 && ok {
		whole := a
		whole.frac, whole.fp = false, ""
		p.num(whole)
		p.word(ruForm(whole, c))
		if a.fp != "00" {
			cents := amount{ip: strings.TrimPrefix(a.fp, "0")}
			p.num(cents)
			p.word(ruForm(cents, minor))
		}
		return
	}
	p.num(a)
	p.word(ruForm(a, c))
}

// Ordinals.

type ruCase int

const (
	ruNom  ruCase = iota // год
	ruGen                // года, дат
	ruDat                // к 2024 году
	ruPrep               // в 2024 году
	ruIns                // 2024 годом
)

// ruStem is an ordinal stem; stressed stems end in -ой in the nominative.
type ruStem struct {
	stem     string
	stressed bool
}

var ruOrdOnes = [20]ruStem{{}, {"перв", false}, {"втор", true}, {"трет", false}, {"четвёрт", false},
	{"пят", false}, {"шест", true}, {"седьм", true}, {"восьм", true}, {"девят", false},
	{"десят", false}, {"одиннадцат", false}, {"двенадцат", false}, {"тринадцат", false},
	{"четырнадцат", false}, {"пятнадцат", false}, {"шестнадцат", false}, {"семнадцат", false},
	{"восемнадцат", false}, {"девятнадцат", false}}

var ruOrdTens = [10]ruStem{{}, {}, {"двадцат", false}, {"тридцат", false}, {"сороков", true},
	{"пятидесят", false}, {"шестидесят", false}, {"семидесят", false}, {"восьмидесят", false},
	{"девяност", false}}

var ruOrdHundreds = [10]ruStem{{}, {"сот", false}, {"двухсот", false}, {"трёхсот", false},
	{"четырёхсот", false}, {"пятисот", false}, {"шестисот", false}, {"семисот", false},
	{"восьмисот", false}, {"девятисот", false}}

var ruTens = [10]string{"", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят",
	"семьдесят", "восемьдесят", "девяносто"}

var ruHundreds = [10]string{"", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот",
	"семьсот", "восемьсот", "девятьсот"}

// ruEnding completes an ordinal stem in a case (masculine singular).
func ruEnding(st ruStem, c ruCase) string {
	if st.stem == "трет" {
		return [...]string{"третий", "третьего", "третьему", "третьем", "третьим"}[c]
	}
	nom := "ый"
	if st.stressed {
		nom = "ой"
	}
	return st.stem + [...]string{nom, "ого", "ому", "ом", "ым"}[c]
}

// ruOrdinal spells 1..2999 as an ordinal in a case: the last non-zero part
// is the ordinal and the parts before it stay cardinal ("две тысячи
// двадцать четвёртого").
func ruOrdinal(n int, c ruCase) string {
	if n <= 0 || n > 2999 {
		return strconv.Itoa(n)
	}
	t, h, r := n/1000, n%1000/100, n%100
	var parts []string
	if t > 0 {
		switch {
		case h == 0 && r == 0 && t == 1:
			return ruEnding(ruStem{"тысячн", false}, c)
		case h == 0 && r == 0:
			return ruEnding(ruStem{"двухтысячн", false}, c)
		case t == 1:
			parts = append(parts, "тысяча")
		default:
			parts = append(parts, "две тысячи")
		}
	}
	if h > 0 {
		if r == 0 {
			return strings.Join(append(parts, ruEnding(ruOrdHundreds[h], c)), " ")
		}
		parts = append(parts, ruHundreds[h])
	}
	switch {
	case r < 20:
		parts = append(parts, ruEnding(ruOrdOnes[r], c))
	case r%10 == 0:
		parts = append(parts, ruEnding(ruOrdTens[r/10], c))
	default:
		parts = append(parts, ruTens[r/10], ruEnding(ruOrdOnes[r%10], c))
	}
	return strings.Join(parts, " ")
}

// ruDate writes "пятнадцатого марта две тысячи двадцать четвёртого года".
func ruDate(p *lightPass, y, m, d int) {
	p.word(ruOrdinal(d, ruGen))
	p.word(ruMonthsGen[m-1])
	if y > 0 && y <= 2999 {
		p.word(ruOrdinal(y, ruGen))
		p.word("года")
	} else if y > 0 {
		p.word(strconv.Itoa(y))
	}
}

// ruYearWord reads a form of "год" after a year and returns its case, the
// word to write and the end.
func ruYearWord(s string, i int, prev string) (ruCase, string, int, bool) {
	if i+1 >= len(s) || s[i] != ' ' {
		return 0, "", i, false
	}
	k := wordEnd(s, i+1)
	w := s[i+1 : k]
	switch w {
	case "год":
		return ruNom, w, k, true
	case "года":
		return ruGen, w, k, true
	case "годом":
		return ruIns, w, k, true
	case "году":
		if prev == "к" || prev == "К" || prev == "по" {
			return ruDat, w, k, true
		}
		return ruPrep, w, k, true
	case "г":
		if k < len(s) && s[k] == '.' {
			if prev == "в" || prev == "В" {
				return ruPrep, "году", k + 1, true
			}
			return ruGen, "года", k + 1, true
		}
	}
	return 0, "", i, false
}

func ruAfterNumber(p *lightPass, a amount) int {
	s := p.s
	v := a.intValue()
	plain := !a.frac && v > 0 && a.end-a.start == countDigits(a.ip)
	// "15 марта (2024 года)".
	if plain && v <= 31 && a.end+1 < len(s) && s[a.end] == ' ' {
		if m, k := monthIn(s, a.end+1, ruMonthsGen[:]); m > 0 {
			p.word(ruOrdinal(v, ruGen))
			p.word(ruMonthsGen[m-1])
			if k+5 <= len(s) && s[k] == ' ' {
				if y, k2, ok := fixedDigits(s, k+1, 4); ok && boundaryAt(s, k2) && y <= 2999 {
					p.word(ruOrdinal(y, ruGen))
					if _, _, k3, ok := ruYearWord(s, k2, ""); ok {
						k2 = k3
					}
					p.word("года")
					return k2
				}
			}
			return k
		}
	}
	// "в 2024 году", "2024 г.": years only, since "2 года" is a duration.
	if plain && v >= 1000 && v <= 2999 && a.end-a.start == 4 {
		if c, w, k, ok := ruYearWord(s, a.end, p.prevWord); ok {
			p.word(ruOrdinal(v, c))
			p.word(w)
			return k
		}
	}
	// Scales and abbreviated units: "5 тыс.", "2 млн руб.".
	if a.end+1 < len(s) && s[a.end] == ' ' {
		k := wordEnd(s, a.end+1)
		if k < len(s) && s[k] == '.' {
			k++
		}
		word := s[a.end+1 : k]
		m, ok := ruAfter[word]
		if !ok && k > a.end+1 && s[k-1] == '.' {
			word = s[a.end+1 : k-1]
			m, ok = ruAfter[word]
			k--
		}
		if ok {
			p.num(a)
			p.word(ruForm(a, m))
			if ruScales[word] {
				many := amount{ip: "5"}
				if c, k2, ok := p.currencyAfter(k); ok {
					p.word(ruForm(many, c))
					return k2
				}
				if k+1 < len(s) && s[k] == ' ' {
					k2 := wordEnd(s, k+1)
					if k2 < len(s) && s[k2] == '.' {
						k2++
					}
					if c, ok := ruAfter[s[k+1:k2]]; ok && !ruScales[s[k+1:k2]] {
						p.word(ruForm(many, c))
						return k2
					}
				}
			}
			return k
		}
	}
	return 0
}
