package textnorm

import (
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestGerman(t *testing.T) {
	runCases(t, protocol.German, []normCase{
		// Money: the sign after the amount, in words.
		{"Das kostet 5 €.", "Das kostet 5 Euro."},
		{"€5", "5 Euro"},
		{"$10", "10 Dollar"},
		{"2,50 €", "2 Euro 50"},
		{"10 USD", "10 Dollar"},
		{"$4.2B", "4,2 Milliarden Dollar"},
		{"€3k", "3 Tausend Euro"},
		// Separators: English forms become German ones; German ones stay.
		{"1,234.5 km", "1234,5 km"},
		{"1,234,567", "1234567"},
		{"1.234.567", "1234567"},
		{"1.234,5", "1234,5"},
		{"3,14", "3,14"},
		{"1.5", "1,5"},
		{"1.500", "1500"},
		{"v1.2.3", "v1.2.3"},
		{"1.2.3", "1.2.3"},
		// Dates and times.
		{"Am 15.03.2024 um 10:05 Uhr.", "Am fünfzehnten März 2024 um 10 Uhr 5."},
		{"Der 1. Mai ist frei.", "Der erste Mai ist frei."},
		{"Berlin, 3. Oktober 1990", "Berlin, dritter Oktober neunzehnhundertneunzig"},
		{"2024-03-15", "fünfzehnter März 2024"},
		{"Es ist 12:00.", "Es ist 12 Uhr."},
		{"seit 1990", "seit neunzehnhundertneunzig"},
		{"1990-1995", "neunzehnhundertneunzig bis neunzehnhundertfünfundneunzig"},
		{"1500 Euro", "1500 Euro"},
		// Ranges, symbols, units, abbreviations.
		{"5-10 %", "5 bis 10 %"},
		{"~5 Leute", "etwa 5 Leute"},
		{"3 × 4 und 2x3", "3 mal 4 und 2 mal 3"},
		{"100 km/h bei 20 °C", "100 Kilometer pro Stunde bei 20 Grad Celsius"},
		{"z. B. hier, d.h. dort, usw.", "zum Beispiel hier, das heißt dort, und so weiter."},
		{"Dr. Müller, Nr. 5", "Doktor Müller, Nummer 5"},
		{"ca. 5 Mio. Menschen", "circa 5 Millionen Menschen"},
		{"Äpfel, Birnen usw.", "Äpfel, Birnen und so weiter."},
		{"-5 Grad", "-5 Grad"},
		{"Rock & Roll", "Rock & Roll"},
		{"a — b", "a, b"},
	})
}

func TestSpanish(t *testing.T) {
	runCases(t, protocol.Spanish, []normCase{
		{"Cuesta 5 €.", "Cuesta 5 euros."},
		{"€5", "5 euros"},
		{"1 €", "1 euro"},
		{"$1", "1 dólar"},
		{"2,50 €", "2 euros con 50"},
		{"5,05 €", "5 euros con 5"},
		{"¥100", "100 yenes"},
		{"$4.2B", "4,2 mil millones de dólares"},
		{"1,234.5 euros", "1234,5 euros"},
		{"100 000 personas", "100000 personas"},
		{"1 234 567", "1234567"},
		{"-5 grados", "menos 5 grados"},
		{"5-10 %", "5 a 10 %"},
		{"~5", "aproximadamente 5"},
		{"3 × 4", "3 por 4"},
		{"A & B", "A y B"},
		{"½ taza", "un medio taza"},
		{"El 15/03/2024 a las 10:05.", "El 15 de marzo de 2024 a las 10 y 5."},
		{"a las 12:00", "a las 12 en punto"},
		{"a las 9:45", "a las 9 y 45"},
		{"EE. UU., p. ej., aprox. 5, etc.", "Estados Unidos, por ejemplo, aproximadamente 5, etcétera."},
		{"pág. 5 y núm. 7", "página 5 y número 7"},
		{"100 km/h", "100 kilómetros por hora"},
		{"1 km/h", "1 kilómetro por hora"},
		{"20 °C", "20 grados Celsius"},
		{"Sr. García", "Sr. García"},
		{"el 1.º y la 2.ª", "el 1º y la 2ª"},
	})
}

func TestFrench(t *testing.T) {
	runCases(t, protocol.French, []normCase{
		{"Ça coûte 5 €.", "Ça coûte 5 euros."},
		{"€1", "1 euro"},
		{"1,5 €", "1,5 euro"},
		{"2 €", "2 euros"},
		{"5,50 €", "5 euros 50"},
		{"$10", "10 dollars"},
		{"1,234.5", "1234,5"},
		{"1 234", "1 234"},
		{"-5", "moins 5"},
		{"5-10", "5 à 10"},
		{"à 10:30", "à 10 heures 30"},
		{"à 1:00", "à 1 heure"},
		{"Le 1 mars 2024", "Le 1er mars 2024"},
		{"le 15/03/2024", "le 15 mars 2024"},
		{"le 01/05/2024", "le 1er mai 2024"},
		{"M. Dupont", "Monsieur Dupont"},
		{"M. le maire", "M. le maire"},
		{"p. ex. ceci, c.-à-d. cela", "par exemple ceci, c'est-à-dire cela"},
		{"n° 5", "numéro 5"},
		{"50 av. J.-C.", "50 avant Jésus-Christ."},
		{"en 50 av. J.-C. il", "en 50 avant Jésus-Christ il"},
		{"½ litre", "un demi litre"},
		{"~5", "environ 5"},
		{"20 °C", "20 degrés Celsius"},
	})
}

func TestItalian(t *testing.T) {
	runCases(t, protocol.Italian, []normCase{
		{"Costa 5 €.", "Costa 5 euro."},
		{"$1", "1 dollaro"},
		{"$5", "5 dollari"},
		{"2,50 €", "2 euro e 50"},
		{"£3", "3 sterline"},
		{"100 000 persone", "100000 persone"},
		{"1,234.5", "1234,5"},
		{"5-10", "5 a 10"},
		{"A & B", "A e B"},
		{"3 × 4", "3 per 4"},
		{"alle 10:05", "alle 10 e 5"},
		{"alle 12:00", "alle 12"},
		{"il 1 maggio", "il 1º maggio"},
		{"15/03/2024", "15 marzo 2024"},
		{"Sig. Rossi e Sig.ra Bianchi", "signor Rossi e signora Bianchi"},
		{"Dott. Verdi, ecc.", "dottor Verdi, eccetera."},
		{"p. es. questo", "per esempio questo"},
		{"n. 5", "numero 5"},
		{"-5", "-5"},
	})
}

func TestPortuguese(t *testing.T) {
	runCases(t, protocol.Portuguese, []normCase{
		{"Custa 5 €.", "Custa 5 euros."},
		{"R$ 5", "5 reais"},
		{"R$1", "1 real"},
		{"$10", "10 dólares"},
		{"2,50 €", "2 euros e 50"},
		{"5-10", "5 a 10"},
		{"100 000", "100000"},
		{"às 10:05", "às 10 e 5"},
		{"às 12:00", "às 12 horas"},
		{"à 1:00", "à 1 hora"},
		{"15/03/2024", "15 de março de 2024"},
		{"Sr. Silva e Sra. Costa", "senhor Silva e senhora Costa"},
		{"p. ex. isto, aprox. 5", "por exemplo isto, aproximadamente 5"},
		{"n.º 5", "número 5"},
		{"-5", "-5"},
	})
}

func TestRussian(t *testing.T) {
	runCases(t, protocol.Russian, []normCase{
		{"5 €", "5 евро"},
		{"$1", "1 доллар"},
		{"$21", "21 доллар"},
		{"22 $", "22 доллара"},
		{"$11", "11 долларов"},
		{"$5", "5 долларов"},
		{"2,5 £", "2,5 фунта"},
		{"100 ₽", "100 рублей"},
		{"5,50 $", "5 долларов 50 центов"},
		{"1 234 567 руб.", "1234567 рублей"},
		{"5 тыс. руб.", "5 тысяч рублей"},
		{"2 млн руб.", "2 миллиона рублей"},
		{"3 млрд $", "3 миллиарда долларов"},
		{"5%", "5 процентов"},
		{"21%", "21 процент"},
		{"3 %", "3 процента"},
		{"1,5 %", "1,5 процента"},
		{"-5 °C", "минус 5 градусов Цельсия"},
		{"20°", "20 градусов"},
		{"100 км/ч", "100 километров в час"},
		{"1 км", "1 километр"},
		{"3 кг", "3 килограмма"},
		{"15.03.2024", "пятнадцатого марта две тысячи двадцать четвёртого года"},
		{"15 марта 2024 года", "пятнадцатого марта две тысячи двадцать четвёртого года"},
		{"1 января", "первого января"},
		{"в 2024 году", "в две тысячи двадцать четвёртом году"},
		{"к 2025 году", "к две тысячи двадцать пятому году"},
		{"1990 год", "тысяча девятьсот девяностый год"},
		{"в 2023 г.", "в две тысячи двадцать третьем году"},
		{"2000 года", "двухтысячного года"},
		{"1900 год", "тысяча девятисотый год"},
		{"2 года", "2 года"},
		{"т. е. так, и т.д.", "то есть так, и так далее."},
		{"~5", "примерно 5"},
		{"3 × 4", "3 на 4"},
		{"½", "одна вторая"},
		{"№ 5", "номер 5"},
		{"10:05", "10:05"},
	})
}

func TestChinese(t *testing.T) {
	runCases(t, protocol.Chinese, []normCase{
		{"价格是$5。", "价格是5美元。"},
		{"€3.50", "3点五零欧元"},
		{"¥100", "100元"},
		{"增长5%", "增长百分之5"},
		{"12.5%", "百分之12点五"},
		{"3.14", "3点一四"},
		{"2024年3月15日", "二零二四年3月15日"},
		{"2024-03-15", "二零二四年3月15日"},
		{"2024/3/15", "二零二四年3月15日"},
		{"10:30", "10点30分"},
		{"10:05", "10点零5分"},
		{"2:00", "两点"},
		{"2个人", "两个人"},
		{"12个人", "12个人"},
		{"温度-5度", "温度负5度"},
		{"5-10", "5到10"},
		{"~5", "约5"},
		{"½", "二分之一"},
		{"１２３个，５％。", "123个，百分之5。"},
		{"20°C", "20摄氏度"},
		{"5km", "5公里"},
	})
}

func TestJapanese(t *testing.T) {
	runCases(t, protocol.Japanese, []normCase{
		{"$5", "5ドル"},
		{"€3.50", "3てんごぜろユーロ"},
		{"500円", "500えん"},
		{"¥100", "100えん"},
		{"5%", "5パーセント"},
		{"3.14", "3てんいちよん"},
		{"2024年3月15日", "2024ねんさんがつじゅうごにち"},
		{"2024-03-15", "2024ねんさんがつじゅうごにち"},
		{"4月1日", "しがつついたち"},
		{"10:30", "じゅうじさんじゅっぷん"},
		{"10:05", "じゅうじごふん"},
		{"7時30分", "しちじさんじゅっぷん"},
		{"4時", "よじ"},
		{"1人と2人と3人", "ひとりとふたりと3にん"},
		{"3ヶ月", "3かげつ"},
		{"5万円", "5まんえん"},
		{"-5", "マイナス5"},
		{"5-10", "5から10"},
		{"½", "にぶんのいち"},
		{"20°C", "20ど"},
	})
}

func TestKorean(t *testing.T) {
	runCases(t, protocol.Korean, []normCase{
		{"$5", "5달러"},
		{"₩1000", "1000원"},
		{"5%", "5퍼센트"},
		{"3.14", "3점일사"},
		{"2024-10-03", "2024년 시월 3일"},
		{"6월", "유월"},
		{"10:30", "열 시 30분"},
		{"3시에", "세 시에"},
		{"3시간", "세 시간"},
		{"5개", "다섯 개"},
		{"20살", "스무 살"},
		{"21살", "스물한 살"},
		{"1명", "한 명"},
		{"3개월", "3개월"},
		{"3달러", "3달러"},
		{"100km/h", "시속 100킬로미터"},
		{"-5", "마이너스 5"},
		{"½", "2분의 1"},
	})
}

// TestLanguageCleaning checks that every language gets the common cleaning,
// including languages without a normaliser of their own.
func TestLanguageCleaning(t *testing.T) {
	in := "  “Hi”\u200b —  there…\n\n- **x**  "
	want := map[protocol.Language]string{
		protocol.English: "\"Hi\", there... x",
		protocol.German:  "\"Hi\", there... x",
		protocol.Auto:    "\"Hi\" — there... x",
		"Klingon":        "\"Hi\" — there... x",
	}
	for lang, w := range want {
		if got := Normalize(in, lang); got != w {
			t.Errorf("%s: got %q, want %q", lang, got, w)
		}
	}
}
