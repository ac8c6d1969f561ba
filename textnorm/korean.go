package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Korean, korean) }

// Korean counts hours, things, people and years of age with native numbers
// ("세 시", "다섯 개") but espeak-ng reads every digit string with
// Sino-Korean numbers ("삼 시"); this normaliser spells the native ones.

var koSinoDigits = [10]string{"영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"}

var (
	koNativeUnits = [10]string{"", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉"}
	koNativeTens  = [10]string{"", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔"}
)

// koNative spells 1..99 as a native numeral before a counter ("스무", "스물한").
func koNative(n int) string {
	if n == 20 {
		return "스무"
	}
	return koNativeTens[n/10] + koNativeUnits[n%10]
}

// koCounters take native numbers; hours ("시") do too, minutes do not.
var koCounters = []string{"시간", "시", "개", "명", "살", "마리", "잔", "권", "장", "가지", "달", "군데", "사람"}

// koNotCounters start like a counter but take Sino-Korean numbers or are
// other words: "3개월" (months), "3달러" (dollars), "시즌" (season).
var koNotCounters = []string{"개월", "달러", "시즌", "시리즈"}

var korean = &lightLang{
	spaced:    true,
	minus:     "마이너스",
	rangeWord: "에서",
	about:     "약",
	times:     "곱하기",
	and:       "앤드",
	fractions: map[rune]string{'½': "2분의 1", '⅓': "3분의 1", '⅔': "3분의 2",
		'¼': "4분의 1", '¾': "4분의 3"},
	currencies: oneForm(map[string]string{
		"$": "달러", "USD": "달러", "US$": "달러", "€": "유로", "EUR": "유로",
		"£": "파운드", "GBP": "파운드", "¥": "엔", "JPY": "엔", "CNY": "위안",
		"₩": "원", "KRW": "원", "₽": "루블", "RUB": "루블", "₹": "루피", "INR": "루피",
		"CHF": "스위스 프랑",
	}),
	writeMoney:  cjkMoney,
	writeNumber: cjkNumber("점", &koSinoDigits),
	units: unspacedUnits(map[string]string{
		"km": "킬로미터", "kg": "킬로그램", "cm": "센티미터", "mm": "밀리미터", "m": "미터",
		"g": "그램", "mg": "밀리그램", "°C": "도", "°F": "도", "°": "도",
		"L": "리터", "ml": "밀리리터", "GB": "기가바이트", "MB": "메가바이트",
	}),
	percent: cjkSuffix("퍼센트"),
	clock: func(p *lightPass, h, m, end int) int {
		koHour(p, h)
		if m > 0 {
			p.word(strconv.Itoa(m) + "분")
		}
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		p.word(strconv.Itoa(y) + "년")
		p.word(koMonth(m))
		p.word(strconv.Itoa(d) + "일")
	},
	ymd:         true,
	afterNumber: koAfterNumber,
}

func koHour(p *lightPass, h int) {
	if h == 0 {
		p.word("영 시")
		return
	}
	p.word(koNative(h))
	p.word("시")
}

// koMonth spells a month: June and October drop a consonant ("유월",
// "시월").
func koMonth(m int) string {
	switch m {
	case 6:
		return "유월"
	case 10:
		return "시월"
	}
	return strconv.Itoa(m) + "월"
}

func koAfterNumber(p *lightPass, a amount) int {
	s := p.s
	if a.frac || a.end-a.start != countDigits(a.ip) {
		return 0
	}
	v := a.intValue()
	if hasPrefixAt(s, a.end, "월") && (v == 6 || v == 10) {
		p.word(koMonth(v))
		return a.end + len("월")
	}
	// "시속 100킬로미터": speed comes first in Korean.
	if k := skipSpace(s, a.end); hasPrefixAt(s, k, "km/h") && boundaryAt(s, k+len("km/h")) {
		p.word("시속")
		p.num(a)
		p.copy("킬로미터")
		return k + len("km/h")
	}
	if v < 1 || v > 99 {
		return 0
	}
	if w, _ := cjkCounter(s, a.end, koNotCounters); w != "" {
		return 0
	}
	if w, k := cjkCounter(s, a.end, koCounters); w != "" && (w != "시" || v <= 24) {
		p.word(koNative(v))
		p.word(w)
		return k
	}
	return 0
}
