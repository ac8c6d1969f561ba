package textnorm

import (
	"testing"

	"github.com/parley-voice/parley/protocol"
)

type normCase struct{ in, want string }

func runCases(t *testing.T, lang protocol.Language, cases []normCase) {
	t.Helper()
	for _, c := range cases {
		if got := Normalize(c.in, lang); got != c.want {
			t.Errorf("Normalize(%q, %s)\n got: %q\nwant: %q", c.in, lang, got, c.want)
		}
	}
}

func TestEnglishCardinals(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"0", "zero"},
		{"7", "seven"},
		{"13", "thirteen"},
		{"21", "twenty-one"},
		{"100", "one hundred"},
		{"101", "one hundred one"},
		{"999", "nine hundred ninety-nine"},
		{"1000", "one thousand"},
		{"1,234", "one thousand two hundred thirty-four"},
		{"1,234,567", "one million two hundred thirty-four thousand five hundred sixty-seven"},
		{"1000000", "one million"},
		{"1,000,000,000", "one billion"},
		{"1000000000000000", "one quadrillion"},
		{"999,999,999,999,999", "nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"},
		{"2,000,000,000,000,000,000", "two quintillion"},
		{"2,000,000,000,000,000,000,000", "two sextillion"},
		{"-42", "minus forty-two"},
		{"It was -5 outside.", "It was minus five outside."},
		{"(-5)", "(minus five)"},
		{"+5", "plus five"},
		{"I have 2 kids and 3 dogs.", "I have two kids and three dogs."},
		{"1,2,3", "one, two, three"},
		{"1,23", "one, twenty-three"},
		{"150+ countries", "one hundred fifty plus countries"},
	})
}

func TestEnglishDigitStrings(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"007", "zero zero seven"},
		{"Agent 0042 reports.", "Agent zero zero four two reports."},
		{"1234567890123456789012345678", "one two three four five six seven eight nine zero one two three four five six seven eight nine zero one two three four five six seven eight"},
		{"Call 555-1234.", "Call five five five, one two three four."},
		{"Call 555-123-4567 now!", "Call five five five, one two three, four five six seven now!"},
		{"555.123.4567", "five five five, one two three, four five six seven"},
		{"(555) 123-4567", "five five five, one two three, four five six seven"},
		{"1-800-555-1234", "one, eight zero zero, five five five, one two three four"},
		{"+44 20 7946 0958", "plus four four, two zero, seven nine four six, zero nine five eight"},
	})
}

func TestEnglishOrdinals(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"1st", "first"},
		{"2nd", "second"},
		{"3rd", "third"},
		{"4th", "fourth"},
		{"11th", "eleventh"},
		{"12th", "twelfth"},
		{"13th", "thirteenth"},
		{"20th", "twentieth"},
		{"22nd", "twenty-second"},
		{"103rd", "one hundred third"},
		{"1,000th", "one thousandth"},
		{"Win 1st prize!", "Win first prize!"},
		{"the 21st century", "the twenty-first century"},
	})
}

func TestEnglishDecimals(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"3.14", "three point one four"},
		{"0.5", "zero point five"},
		{".5", "point five"},
		{"1.50", "one point five zero"},
		{"-2.5", "minus two point five"},
		{"1,234.56", "one thousand two hundred thirty-four point five six"},
		{"It was in 2024.", "It was in twenty twenty-four."},
		{"I counted 5.", "I counted five."},
		{"3.14 is pi. It was in 2024.", "three point one four is pi. It was in twenty twenty-four."},
		{"Python 3.12", "Python three point one two"},
		{"version 3.12", "version three point twelve"},
	})
}

func TestEnglishFractions(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"1/2", "one half"},
		{"3/4", "three quarters"},
		{"1/4", "one quarter"},
		{"2/3", "two thirds"},
		{"1/3", "one third"},
		{"5/8 inch", "five eighths inch"},
		{"5/16", "five sixteenths"},
		{"1/10", "one tenth"},
		{"1 1/2 hours", "one and a half hours"},
		{"2 3/4", "two and three quarters"},
		{"2½ days", "two and a half days"},
		{"½", "one half"},
		{"¾", "three quarters"},
		{"24/7", "twenty-four seven"},
		{"50/50", "fifty-fifty"},
		{"9/11", "nine slash eleven"},
		{"3/2", "three slash two"},
	})
}

func TestEnglishMoney(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"$5", "five dollars"},
		{"$1", "one dollar"},
		{"It costs $5.", "It costs five dollars."},
		{"$5.50", "five dollars and fifty cents"},
		{"$1.01", "one dollar and one cent"},
		{"$0.50", "fifty cents"},
		{"$0.01", "one cent"},
		{"$5.00", "five dollars"},
		{"$1,000,000!", "one million dollars!"},
		{"$1.5M", "one point five million dollars"},
		{"$2bn", "two billion dollars"},
		{"$4.2B", "four point two billion dollars"},
		{"€3k", "three thousand euros"},
		{"$5 million", "five million dollars"},
		{"£10 billion", "ten billion pounds"},
		{"€5", "five euros"},
		{"€1", "one euro"},
		{"€2.50", "two euros and fifty cents"},
		{"£1", "one pound"},
		{"£5.50", "five pounds and fifty pence"},
		{"£0.01", "one penny"},
		{"¥500", "five hundred yen"},
		{"¥1.5", "one point five yen"},
		{"₹100", "one hundred rupees"},
		{"5 €", "five euros"},
		{"5€", "five euros"},
		{"USD 5", "five dollars"},
		{"20 EUR", "twenty euros"},
		{"1 GBP", "one pound"},
		{"US$5", "five dollars"},
		{"C$10", "ten Canadian dollars"},
		{"A$1", "one Australian dollar"},
		{"50¢", "fifty cents"},
		{"1¢", "one cent"},
		{"$5-10", "five to ten dollars"},
		{"$5–$10", "five to ten dollars"},
		{"$1M-$2M", "one to two million dollars"},
		{"$19.99/month", "nineteen dollars and ninety-nine cents per month"},
		{"€5/kg", "five euros per kilogram"},
		{"-$5", "minus five dollars"},
		{"~$10", "about ten dollars"},
		{"Q3 revenue was $4.2B, up 15%.", "Q3 revenue was four point two billion dollars, up fifteen percent."},
		{"$ signs", "$ signs"},
	})
}

func TestEnglishPercent(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"12%", "twelve percent"},
		{"12.5%", "twelve point five percent"},
		{"12 %", "twelve percent"},
		{"5-10% growth", "five to ten percent growth"},
		{"~10% more", "about ten percent more"},
		{"0.25%", "zero point two five percent"},
		{"100%.", "one hundred percent."},
	})
}

func TestEnglishYears(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"in 1990", "in nineteen ninety"},
		{"in 2005", "in two thousand five"},
		{"by 2024.", "by twenty twenty-four."},
		{"since 2000", "since two thousand"},
		{"in 1905", "in nineteen oh five"},
		{"in 1900", "in nineteen hundred"},
		{"from 2010 to 2020", "from twenty ten to twenty twenty"},
		{"In 1066, ", "In ten sixty-six,"},
		{"(2019)", "(twenty nineteen)"},
		{"March 2024", "March twenty twenty-four"},
		{"Q3 2024", "Q3 twenty twenty-four"},
		{"the 2024 budget", "the twenty twenty-four budget"},
		{"the 1500 soldiers", "the one thousand five hundred soldiers"},
		{"500 BC", "five hundred B C"},
		{"1990-1995", "nineteen ninety to nineteen ninety-five"},
		{"1990–95", "nineteen ninety to ninety-five"},
		{"the 1990s", "the nineteen nineties"},
		{"the 1900s", "the nineteen hundreds"},
		{"the '80s", "the eighties"},
		{"the 80s", "the eighties"},
		{"1990's", "nineteen nineties"},
		// Without a cue a four-digit number is a quantity.
		{"2024 people", "two thousand twenty-four people"},
		{"1500 ms", "one thousand five hundred milliseconds"},
	})
}

func TestEnglishDates(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"2024-03-15", "March fifteenth, twenty twenty-four"},
		{"03/15/2024", "March fifteenth, twenty twenty-four"},
		{"3/15/24", "March fifteenth, twenty twenty-four"},
		{"01/02/2024", "January second, twenty twenty-four"},
		{"15/03/2024", "March fifteenth, twenty twenty-four"},
		{"15.03.2024", "March fifteenth, twenty twenty-four"},
		{"March 15, 2024", "March fifteenth, twenty twenty-four"},
		{"On March 15, 2024.", "On March fifteenth, twenty twenty-four."},
		{"15 March 2024", "the fifteenth of March twenty twenty-four"},
		{"on 5 May", "on the fifth of May"},
		{"Mar 15", "March fifteenth"},
		{"Sept. 5th", "September fifth"},
		{"March 15-20", "March fifteenth to twentieth"},
		{"Dec 1st, 1999", "December first, nineteen ninety-nine"},
		{"2024-03-15T10:30", "March fifteenth, twenty twenty-four, ten thirty"},
		{"2024-03-15 – 2024-03-20", "March fifteenth, twenty twenty-four to March twentieth, twenty twenty-four"},
		{"in March we", "in March we"},
		{"Mar is short", "Mar is short"},
		{"2024-13-45", "two thousand twenty-four to thirteen to forty-five"},
		{"2010-15", "twenty ten to fifteen"},
	})
}

func TestEnglishTimes(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"10:30", "ten thirty"},
		{"10:05", "ten oh five"},
		{"10:00", "ten o'clock"},
		{"09:15", "nine fifteen"},
		{"7pm", "seven p m"},
		{"7 pm", "seven p m"},
		{"7 p.m.", "seven p m."},
		{"7 PM", "seven p m"},
		{"7:30 AM", "seven thirty a m"},
		{"7:30am", "seven thirty a m"},
		{"7:00 pm", "seven p m"},
		{"14:30", "fourteen thirty"},
		{"14:00", "fourteen hundred"},
		{"00:00", "midnight"},
		{"10:30:15", "ten thirty and fifteen seconds"},
		{"At 7 p.m. We left.", "At seven p m. We left."},
		{"at 7 p.m. sharp", "at seven p m sharp"},
		{"at 5 am I woke; I am 30.", "at five a m I woke; I am thirty."},
		{"John 3:16", "John three sixteen"},
		{"a 3:2 ratio", "a three to two ratio"},
		{"10:75", "ten to seventy-five"},
		{"9:30 am – 11:45 pm", "nine thirty a m to eleven forty-five p m"},
	})
}

func TestEnglishRanges(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"5-10 minutes", "five to ten minutes"},
		{"5–10", "five to ten"},
		{"5 – 10", "five to ten"},
		{"pages 10-20", "pages ten to twenty"},
		{"5 - 3", "five minus three"},
		{"a 5-year-old", "a five-year-old"},
		{"from 9 to 5", "from nine to five"},
	})
}

func TestEnglishVersionsAndAddresses(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"1.2.3", "one point two point three"},
		{"v1.2.3", "version one point two point three"},
		{"v2.1", "version two point one"},
		{"v2", "version two"},
		{"192.168.0.1", "one ninety-two dot one sixty-eight dot zero dot one"},
		{"10.0.0.1", "ten dot zero dot zero dot one"},
	})
}

func TestEnglishUnits(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"1 km", "one kilometer"},
		{"2 km", "two kilometers"},
		{"5km", "five kilometers"},
		{"2.5kg", "two point five kilograms"},
		{"1.0 kg", "one point zero kilograms"},
		{"a 5-km run", "a five-kilometer run"},
		{"5 m", "five meters"},
		{"5 cm and 3 mm", "five centimeters and three millimeters"},
		{"10 mph", "ten miles per hour"},
		{"1 mph", "one mile per hour"},
		{"100 km/h", "one hundred kilometers per hour"},
		{"90 kph", "ninety kilometers per hour"},
		{"10 m/s", "ten meters per second"},
		{"20°C", "twenty degrees Celsius"},
		{"20 °C", "twenty degrees Celsius"},
		{"20℃", "twenty degrees Celsius"},
		{"-5 °F", "minus five degrees Fahrenheit"},
		{"The temperature is -5°C today.", "The temperature is minus five degrees Celsius today."},
		{"1°", "one degree"},
		{"90°", "ninety degrees"},
		{"5 ms", "five milliseconds"},
		{"3 s", "three seconds"},
		{"10 min", "ten minutes"},
		{"1 min", "one minute"},
		{"2 h", "two hours"},
		{"3 hrs", "three hours"},
		{"16 GB", "sixteen gigabytes"},
		{"512MB", "five hundred twelve megabytes"},
		{"1 TB", "one terabyte"},
		{"64 KB", "sixty-four kilobytes"},
		{"3.2 GHz", "three point two gigahertz"},
		{"60 Hz", "sixty hertz"},
		{"44.1 kHz", "forty-four point one kilohertz"},
		{"100 MHz", "one hundred megahertz"},
		{"5 kW", "five kilowatts"},
		{"10 kWh", "ten kilowatt hours"},
		{"100 W", "one hundred watts"},
		{"220 V", "two hundred twenty volts"},
		{"5000 mAh", "five thousand milliamp hours"},
		{"6 ft", "six feet"},
		{"1 ft", "one foot"},
		{"6 ft 2 in", "six feet two inches"},
		{"27in", "twenty-seven inches"},
		{"1 lb", "one pound"},
		{"5 lbs", "five pounds"},
		{"8 oz", "eight ounces"},
		{"5 L", "five liters"},
		{"500 ml", "five hundred milliliters"},
		{"5 mg/kg", "five milligrams per kilogram"},
		{"100 m²", "one hundred square meters"},
		{"He is 5'11\" tall.", "He is five feet eleven inches tall."},
		{"5′ 2″", "five feet two inches"},
		// A number followed by a word that only looks like a unit.
		{"5 in the box", "five in the box"},
		{"5 men", "five men"},
		{"2 go", "two go"},
		{"5 s of", "five seconds of"},
		{"3 miles", "three miles"},
		{"5 hours", "five hours"},
	})
}

func TestEnglishAbbreviations(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"Dr. Smith lives on Main St.", "Doctor Smith lives on Main Street."},
		{"St. Louis", "Saint Louis"},
		{"Visit St. Paul's.", "Visit Saint Paul's."},
		{"Mulholland Dr. is long.", "Mulholland Drive is long."},
		{"Hi Dr. Who.", "Hi Doctor Who."},
		{"Rue St. Honoré", "Rue Saint Honoré"},
		{"123 Main St., Springfield", "one hundred twenty-three Main Street, Springfield"},
		{"Elm St is closed", "Elm Street is closed"},
		{"Mr. Jones", "Mister Jones"},
		{"Mrs. Smith", "Missus Smith"},
		{"Ms. Lee", "Miz Lee"},
		{"Mr Jones", "Mister Jones"},
		{"Prof. Xavier", "Professor Xavier"},
		{"John Smith Jr. and Apple Inc. are here.", "John Smith Junior and Apple Incorporated are here."},
		{"Acme Ltd. and Acme Co. merged.", "Acme Limited and Acme Company merged."},
		{"I work at Acme Inc.", "I work at Acme Incorporated."},
		{"cats vs. dogs", "cats versus dogs"},
		{"cats vs dogs", "cats versus dogs"},
		{"apples, pears, etc. and more", "apples, pears, et cetera and more"},
		{"apples, pears, etc.", "apples, pears, et cetera."},
		{"apples, etc. Then we left.", "apples, et cetera. Then we left."},
		{"fruit, e.g. apples", "fruit, for example apples"},
		{"E.g. apples", "For example apples"},
		{"one, i.e. this", "one, that is this"},
		{"approx. 5", "approximately five"},
		{"No. 5", "number five"},
		{"No.5", "number five"},
		{"no. 7 bus", "number seven bus"},
		{"No. That is wrong.", "No. That is wrong."},
		{"Fig. 3", "Figure three"},
		{"w/ cheese", "with cheese"},
		{"w/o cheese", "without cheese"},
		{"The U.S. economy", "The U.S. economy"},
		{"a.k.a. Bob", "also known as Bob"},
	})
}

func TestEnglishSymbols(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"rock & roll", "rock and roll"},
		{"1 + 1 = 2", "one plus one equals two"},
		{"me @ home", "me at home"},
		{"#1", "number one"},
		{"item # 1", "item number one"},
		{"C# and F#", "C sharp and F sharp"},
		{"#hashtag", "hashtag"},
		{"~5", "about five"},
		{"3 × 4", "three times four"},
		{"3 * 4", "three times four"},
		{"3×4", "three times four"},
		{"1920x1080", "one thousand nine hundred twenty by one thousand eighty"},
		{"3 x 4", "three by four"},
		{"10x faster", "ten times faster"},
		{"2^10", "two to the power of ten"},
		{"10 / 2 = 5", "ten divided by two equals five"},
		{"3 < 5", "three less than five"},
		{"5 > 3", "five greater than three"},
		{"x >= 5", "x greater than or equal to five"},
		{"A -> B", "A to B"},
		{"A → B", "A to B"},
		{"and/or", "and or"},
		{"yes/no", "yes or no"},
		{"his/her", "his or her"},
		{"TCP/IP", "TCP slash IP"},
		{"C++", "C plus plus"},
		{"± 5", "plus or minus five"},
		{"§ 5", "section five"},
		{"Acme™ and Foo®", "Acme and Foo"},
		{"a | b", "a, b"},
		{"snake_case", "snake case"},
		{"<b>bold</b> text", "bold text"},
	})
}

func TestEnglishWeb(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"example.com", "example dot com"},
		{"Visit example.com.", "Visit example dot com."},
		{"https://www.example.com/path?q=1", "example dot com slash path"},
		{"http://example.org/", "example dot org"},
		{"See https://docs.python.org/3/library.", "See docs dot python dot org slash three slash library."},
		{"mail a.b@c.org", "mail a dot b at c dot org"},
		{"john_doe-99@mail.example.co.uk", "john underscore doe dash nine nine at mail dot example dot co dot uk"},
		{"(see example.com)", "(see example dot com)"},
		{"localhost:8080", "localhost: eight thousand eighty"},
		// Not addresses.
		{"end.Then", "end.Then"},
		{"Node.js", "Node.js"},
		{"e.g.", "for example"},
	})
}

func TestEnglishNamesAndIDs(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"A4 paper", "A4 paper"},
		{"mp3 files", "mp3 files"},
		{"MP3s", "MP3s"},
		{"COVID-19", "COVID nineteen"},
		{"F-16", "F sixteen"},
		{"GPT-4o", "GPT four o"},
		{"3D", "three D"},
		{"5G", "five G"},
		{"4K video", "four K video"},
		{"5k followers", "five thousand followers"},
		{"1.5M users", "one point five million users"},
		{"H2O", "H2O"},
		{"B2B", "B2B"},
		{"NASA and the FBI", "NASA and the FBI"},
		{"It's 5 o'clock.", "It's five o'clock."},
	})
}

func TestEnglishPunctuationAndSpace(t *testing.T) {
	runCases(t, protocol.English, []normCase{
		{"“Quotes” and ‘single’", "\"Quotes\" and 'single'"},
		{"don’t", "don't"},
		{"wait… what", "wait... what"},
		{"a — b", "a, b"},
		{"a—b", "a, b"},
		{"word – word", "word, word"},
		{"well-known", "well-known"},
		{"Hello   world  ", "Hello world"},
		{"  leading", "leading"},
		{"a\tb\r\nc", "a b, c"},
		{"Price:\u00a0$5", "Price: five dollars"},
		{"1\u00a0234\u00a0567", "one million two hundred thirty-four thousand five hundred sixty-seven"},
		{"zero\u200bwidth", "zerowidth"},
		{"**Bold** and `code`", "Bold and code"},
		{"# Heading\n- item one\n- item two", "Heading, item one, item two"},
		{"Hello!!", "Hello!!"},
		{"What?", "What?"},
		{"", ""},
		{"   ", ""},
	})
}

// TestEnglishLLMAnswer checks a realistic paragraph end to end.
func TestEnglishLLMAnswer(t *testing.T) {
	runCases(t, protocol.English, []normCase{{
		"The Eiffel Tower (completed in 1889) is 330 m tall. Tickets cost €29.40 for adults; " +
			"about 7 million people visit each year, i.e. ~19,000 a day. It's open 9:30 am – 11:45 pm.",
		"The Eiffel Tower (completed in eighteen eighty-nine) is three hundred thirty meters tall. " +
			"Tickets cost twenty-nine euros and forty cents for adults; about seven million people visit each year, " +
			"that is about nineteen thousand a day. It's open nine thirty a m to eleven forty-five p m.",
	}})
}
