package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Japanese, japanese) }

// espeak-ng's Japanese reads kana and digits but not kanji, so the words
// this normaliser writes are in kana, and a number's kanji counter ("3月",
// "15日", "10時30分", "500円") is rewritten in kana with its irregular
// readings.

var jaDigits = [10]string{"ぜろ", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"}

var jaMonths = [13]string{"", "いちがつ", "にがつ", "さんがつ", "しがつ", "ごがつ", "ろくがつ",
	"しちがつ", "はちがつ", "くがつ", "じゅうがつ", "じゅういちがつ", "じゅうにがつ"}

var jaDays = [32]string{"", "ついたち", "ふつか", "みっか", "よっか", "いつか", "むいか", "なのか",
	"ようか", "ここのか", "とおか", "じゅういちにち", "じゅうににち", "じゅうさんにち", "じゅうよっか",
	"じゅうごにち", "じゅうろくにち", "じゅうしちにち", "じゅうはちにち", "じゅうくにち", "はつか",
	"にじゅういちにち", "にじゅうににち", "にじゅうさんにち", "にじゅうよっか", "にじゅうごにち",
	"にじゅうろくにち", "にじゅうしちにち", "にじゅうはちにち", "にじゅうくにち", "さんじゅうにち",
	"さんじゅういちにち"}

var jaHours = [25]string{"れいじ", "いちじ", "にじ", "さんじ", "よじ", "ごじ", "ろくじ", "しちじ",
	"はちじ", "くじ", "じゅうじ", "じゅういちじ", "じゅうにじ", "じゅうさんじ", "じゅうよじ", "じゅうごじ",
	"じゅうろくじ", "じゅうしちじ", "じゅうはちじ", "じゅうくじ", "にじゅうじ", "にじゅういちじ",
	"にじゅうにじ", "にじゅうさんじ", "にじゅうよじ"}

var (
	jaMinuteUnits = [10]string{"", "いっぷん", "にふん", "さんぷん", "よんぷん", "ごふん", "ろっぷん",
		"ななふん", "はっぷん", "きゅうふん"}
	jaMinuteTens      = [6]string{"", "じゅう", "にじゅう", "さんじゅう", "よんじゅう", "ごじゅう"}
	jaMinuteRoundTens = [6]string{"", "じゅっぷん", "にじゅっぷん", "さんじゅっぷん", "よんじゅっぷん", "ごじゅっぷん"}
)

// jaMinutes spells 1..59 minutes: "ごふん", "じゅっぷん", "さんじゅうごふん".
func jaMinutes(m int) string {
	if m%10 == 0 {
		return jaMinuteRoundTens[m/10]
	}
	return jaMinuteTens[m/10] + jaMinuteUnits[m%10]
}

var japanese = &lightLang{
	minus:     "マイナス",
	rangeWord: "から",
	about:     "やく",
	times:     "かける",
	and:       "アンド",
	fractions: map[rune]string{'½': "にぶんのいち", '⅓': "さんぶんのいち", '⅔': "さんぶんのに",
		'¼': "よんぶんのいち", '¾': "よんぶんのさん"},
	currencies: oneForm(map[string]string{
		"$": "ドル", "USD": "ドル", "US$": "ドル", "€": "ユーロ", "EUR": "ユーロ",
		"£": "ポンド", "GBP": "ポンド", "¥": "えん", "JPY": "えん", "CNY": "げん",
		"₩": "ウォン", "KRW": "ウォン", "₽": "ルーブル", "RUB": "ルーブル", "₹": "ルピー",
		"INR": "ルピー", "CHF": "スイスフラン",
	}),
	writeMoney:  cjkMoney,
	writeNumber: cjkNumber("てん", &jaDigits),
	units: unspacedUnits(map[string]string{
		"km": "キロメートル", "kg": "キログラム", "cm": "センチメートル", "mm": "ミリメートル",
		"m": "メートル", "g": "グラム", "mg": "ミリグラム", "km/h": "キロメートルまいじ",
		"°C": "ど", "°F": "ど", "°": "ど", "L": "リットル", "ml": "ミリリットル",
		"GB": "ギガバイト", "MB": "メガバイト",
	}),
	percent: cjkSuffix("パーセント"),
	clock: func(p *lightPass, h, m, end int) int {
		p.copy(jaHours[h])
		if m > 0 {
			p.copy(jaMinutes(m))
		}
		return end
	},
	date: func(p *lightPass, y, m, d int) {
		p.digits(strconv.Itoa(y))
		p.copy("ねん")
		p.copy(jaMonths[m])
		p.copy(jaDays[d])
	},
	ymd:         true,
	afterNumber: jaAfterNumber,
}

// jaCounters are kanji counters after a number with their plain kana.
var jaCounters = []struct{ kanji, kana string }{
	{"ヶ月", "かげつ"}, {"か月", "かげつ"}, {"カ月", "かげつ"}, {"ケ月", "かげつ"},
	{"時間", "じかん"}, {"週間", "しゅうかん"}, {"年", "ねん"}, {"秒", "びょう"},
	{"円", "えん"}, {"万", "まん"}, {"億", "おく"}, {"兆", "ちょう"}, {"千", "せん"},
	{"百", "ひゃく"}, {"歳", "さい"}, {"個", "こ"}, {"回", "かい"}, {"件", "けん"},
	{"度", "ど"}, {"階", "かい"}, {"枚", "まい"}, {"台", "だい"}, {"倍", "ばい"},
	{"番", "ばん"}, {"点", "てん"}, {"位", "い"}, {"名", "めい"}, {"元", "げん"},
}

func jaAfterNumber(p *lightPass, a amount) int {
	s := p.s
	if a.frac || a.end-a.start != countDigits(a.ip) {
		return 0
	}
	v := a.intValue()
	switch {
	case hasPrefixAt(s, a.end, "月") && v >= 1 && v <= 12:
		p.copy(jaMonths[v])
		return a.end + len("月")
	case hasPrefixAt(s, a.end, "日") && v >= 1 && v <= 31:
		p.copy(jaDays[v])
		return a.end + len("日")
	case hasPrefixAt(s, a.end, "時") && !hasPrefixAt(s, a.end, "時間") && v >= 0 && v <= 24:
		p.copy(jaHours[v])
		return a.end + len("時")
	case hasPrefixAt(s, a.end, "分") && v >= 1 && v <= 59:
		p.copy(jaMinutes(v))
		return a.end + len("分")
	case hasPrefixAt(s, a.end, "人") && (v == 1 || v == 2):
		if v == 1 {
			p.copy("ひとり")
		} else {
			p.copy("ふたり")
		}
		return a.end + len("人")
	case hasPrefixAt(s, a.end, "人"):
		p.num(a)
		p.copy("にん")
		return a.end + len("人")
	case hasPrefixAt(s, a.end, "日"):
		p.num(a)
		p.copy("にち")
		return a.end + len("日")
	}
	k := a.end
	for more := true; more; {
		more = false
		for _, c := range jaCounters {
			if hasPrefixAt(s, k, c.kanji) {
				if k == a.end {
					p.num(a)
				}
				p.copy(c.kana) // and again for "万円"
				k += len(c.kanji)
				more = true
				break
			}
		}
	}
	if k == a.end {
		return 0
	}
	return k
}
