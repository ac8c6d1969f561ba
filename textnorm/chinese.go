package textnorm

import (
	"strconv"

	"github.com/parley-voice/parley/protocol"
)

func init() { Register(protocol.Chinese, chinese) }

var zhDigits = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

var chinese = &lightLang{
	minus:      "负",
	rangeWord:  "到",
	about:      "约",
	times:      "乘",
	and:        "和",
	numberSign: "第",
	fractions: map[rune]string{'½': "二分之一", '⅓': "三分之一", '⅔': "三分之二",
		'¼': "四分之一", '¾': "四分之三"},
	currencies: oneForm(map[string]string{
		"$": "美元", "USD": "美元", "US$": "美元", "€": "欧元", "EUR": "欧元",
		"£": "英镑", "GBP": "英镑", "¥": "元", "CNY": "元", "RMB": "元", "JPY": "日元",
		"₩": "韩元", "KRW": "韩元", "₽": "卢布", "RUB": "卢布", "₹": "卢比", "INR": "卢比",
		"CHF": "瑞士法郎", "HK$": "港元", "HKD": "港元",
	}),
	writeMoney:  cjkMoney,
	writeNumber: cjkNumber("点", &zhDigits),
	units: unspacedUnits(map[string]string{
		"km": "公里", "kg": "公斤", "cm": "厘米", "mm": "毫米", "m": "米", "g": "克",
		"mg": "毫克", "km/h": "公里每小时", "°C": "摄氏度", "°F": "华氏度", "°": "度",
		"L": "升", "ml": "毫升", "GB": "GB", "MB": "MB",
	}),
	// "5%" is "百分之五": the percent comes first.
	percent: func(p *lightPass, a amount) bool {
		p.copy("百分之")
		p.num(a)
		return true
	},
	clock:       zhClock,
	date:        zhDate,
	ymd:         true,
	afterNumber: zhAfterNumber,
}

// zhHour writes an hour; 2 is "两点", not "二点".
func zhHour(p *lightPass, h int) {
	if h == 2 {
		p.copy("两")
		return
	}
	p.copy(strconv.Itoa(h))
}

// zhClock: espeak-ng reads "10:30" as "十 三十"; it is "十点三十分", and
// "10:05" is "十点零五分".
func zhClock(p *lightPass, h, m, end int) int {
	zhHour(p, h)
	p.copy("点")
	if m > 0 {
		if m < 10 {
			p.copy("零")
		}
		p.copy(strconv.Itoa(m))
		p.copy("分")
	}
	return end
}

// zhYear spells a year digit by digit ("二零二四"), as Chinese says years;
// espeak-ng would read 2024 as a quantity.
func zhYear(p *lightPass, digits string) {
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; isDigit(c) {
			p.copy(zhDigits[c-'0'])
		}
	}
}

func zhDate(p *lightPass, y, m, d int) {
	zhYear(p, strconv.Itoa(y))
	p.copy("年")
	p.copy(strconv.Itoa(m))
	p.copy("月")
	p.copy(strconv.Itoa(d))
	p.copy("日")
}

// zhMeasures are measure words before which 2 is "两" ("两个", "两天").
var zhMeasures = []string{"个月", "个", "位", "只", "本", "次", "天", "种", "件", "条", "张", "家",
	"人", "岁", "倍", "辆", "名", "台", "部", "年", "小时", "分钟", "周", "星期", "公里", "米",
	"斤", "杯", "瓶", "块", "元", "层", "双", "份"}

func zhAfterNumber(p *lightPass, a amount) int {
	s := p.s
	if a.frac || a.end-a.start != countDigits(a.ip) {
		return 0
	}
	// "2024年" is read digit by digit.
	if a.end-a.start == 4 && hasPrefixAt(s, a.end, "年") {
		zhYear(p, a.ip)
		return a.end
	}
	if a.ip == "2" {
		if w, _ := cjkCounter(s, a.end, zhMeasures); w != "" {
			p.copy("两")
			return a.end
		}
	}
	return 0
}
