package textnorm

// Tables of the English pass.

// enUnit is how a unit symbol is read after a number.
type enUnit struct{ one, many string }

// enUnits maps unit symbols, case-sensitively, to words. A symbol is only
// read as a unit right after a number ("5 km", "5km", "5-km"), and only when
// a word boundary follows it, so "5 men" and "2 go" stay words. "in" is not
// here: it is nearly always the preposition (see enInches).
var enUnits = map[string]enUnit{
	"km": {"kilometer", "kilometers"}, "m": {"meter", "meters"},
	"cm": {"centimeter", "centimeters"}, "mm": {"millimeter", "millimeters"},
	"μm": {"micrometer", "micrometers"}, "nm": {"nanometer", "nanometers"},
	"mi": {"mile", "miles"}, "ft": {"foot", "feet"}, "yd": {"yard", "yards"},
	"kg": {"kilogram", "kilograms"}, "g": {"gram", "grams"},
	"mg": {"milligram", "milligrams"}, "μg": {"microgram", "micrograms"},
	"lb": {"pound", "pounds"}, "lbs": {"pound", "pounds"}, "oz": {"ounce", "ounces"},
	"mph":  {"mile per hour", "miles per hour"},
	"kph":  {"kilometer per hour", "kilometers per hour"},
	"km/h": {"kilometer per hour", "kilometers per hour"},
	"m/s":  {"meter per second", "meters per second"},
	"°C":   {"degree Celsius", "degrees Celsius"}, "°F": {"degree Fahrenheit", "degrees Fahrenheit"},
	"ºC": {"degree Celsius", "degrees Celsius"}, "ºF": {"degree Fahrenheit", "degrees Fahrenheit"},
	"°": {"degree", "degrees"}, "º": {"degree", "degrees"},
	"ms": {"millisecond", "milliseconds"}, "μs": {"microsecond", "microseconds"},
	"ns": {"nanosecond", "nanoseconds"}, "s": {"second", "seconds"},
	"sec": {"second", "seconds"}, "secs": {"second", "seconds"},
	"min": {"minute", "minutes"}, "mins": {"minute", "minutes"},
	"h": {"hour", "hours"}, "hr": {"hour", "hours"}, "hrs": {"hour", "hours"},
	"KB": {"kilobyte", "kilobytes"}, "kB": {"kilobyte", "kilobytes"},
	"MB": {"megabyte", "megabytes"}, "GB": {"gigabyte", "gigabytes"},
	"TB": {"terabyte", "terabytes"}, "PB": {"petabyte", "petabytes"},
	"Kbps": {"kilobit per second", "kilobits per second"},
	"Mbps": {"megabit per second", "megabits per second"},
	"Gbps": {"gigabit per second", "gigabits per second"},
	"Hz":   {"hertz", "hertz"}, "kHz": {"kilohertz", "kilohertz"},
	"MHz": {"megahertz", "megahertz"}, "GHz": {"gigahertz", "gigahertz"},
	"W": {"watt", "watts"}, "kW": {"kilowatt", "kilowatts"}, "MW": {"megawatt", "megawatts"},
	"Wh": {"watt hour", "watt hours"}, "kWh": {"kilowatt hour", "kilowatt hours"},
	"V": {"volt", "volts"}, "mA": {"milliamp", "milliamps"}, "mAh": {"milliamp hour", "milliamp hours"},
	"L": {"liter", "liters"}, "l": {"liter", "liters"},
	"ml": {"milliliter", "milliliters"}, "mL": {"milliliter", "milliliters"},
	"kcal": {"kilocalorie", "kilocalories"}, "cal": {"calorie", "calories"},
	"m²": {"square meter", "square meters"}, "km²": {"square kilometer", "square kilometers"},
	"cm²": {"square centimeter", "square centimeters"}, "ft²": {"square foot", "square feet"},
	"m³": {"cubic meter", "cubic meters"}, "cm³": {"cubic centimeter", "cubic centimeters"},
	"px": {"pixel", "pixels"}, "dB": {"decibel", "decibels"}, "pt": {"point", "points"},
}

// enInches is the one unit that is also a common word; see unitAfter.
var enInches = enUnit{"inch", "inches"}

// enPerUnit names the unit after a slash in a compound ("mg/kg" → "milligrams
// per kilogram"); besides the units above, plain time words are accepted.
var enPerWords = map[string]string{
	"day": "day", "d": "day", "week": "week", "wk": "week", "month": "month",
	"mo": "month", "year": "year", "yr": "year", "night": "night",
}

// enCurrency is how a currency is read.
type enCurrency struct {
	one, many           string // "dollar", "dollars"
	minorOne, minorMany string // "cent", "cents"; empty: no minor unit read
}

var (
	curDollar = enCurrency{"dollar", "dollars", "cent", "cents"}
	curEuro   = enCurrency{"euro", "euros", "cent", "cents"}
	curPound  = enCurrency{"pound", "pounds", "penny", "pence"}
	curYen    = enCurrency{"yen", "yen", "", ""}
	curYuan   = enCurrency{"yuan", "yuan", "", ""}
	curRupee  = enCurrency{"rupee", "rupees", "paisa", "paise"}
	curWon    = enCurrency{"won", "won", "", ""}
	curRuble  = enCurrency{"ruble", "rubles", "kopek", "kopeks"}
	curFranc  = enCurrency{"Swiss franc", "Swiss francs", "centime", "centimes"}
	curCAD    = enCurrency{"Canadian dollar", "Canadian dollars", "cent", "cents"}
	curAUD    = enCurrency{"Australian dollar", "Australian dollars", "cent", "cents"}
	curNZD    = enCurrency{"New Zealand dollar", "New Zealand dollars", "cent", "cents"}
	curHKD    = enCurrency{"Hong Kong dollar", "Hong Kong dollars", "cent", "cents"}
	curSGD    = enCurrency{"Singapore dollar", "Singapore dollars", "cent", "cents"}
	curBTC    = enCurrency{"bitcoin", "bitcoins", "", ""}
)

// enCurrencySymbols are read before or after an amount ("$5", "5 €").
var enCurrencySymbols = map[string]enCurrency{
	"$": curDollar, "€": curEuro, "£": curPound, "¥": curYen, "₹": curRupee,
	"₩": curWon, "₽": curRuble, "₿": curBTC,
}

// enDollarPrefixes qualify a dollar sign written straight after them ("C$5").
var enDollarPrefixes = map[string]enCurrency{
	"US": curDollar, "C": curCAD, "CA": curCAD, "A": curAUD, "AU": curAUD,
	"NZ": curNZD, "HK": curHKD, "S": curSGD,
}

// enCurrencyCodes are ISO 4217 codes, upper case only, before or after an
// amount ("USD 5", "5 EUR").
var enCurrencyCodes = map[string]enCurrency{
	"USD": curDollar, "EUR": curEuro, "GBP": curPound, "JPY": curYen,
	"CNY": curYuan, "RMB": curYuan, "INR": curRupee, "KRW": curWon,
	"RUB": curRuble, "CHF": curFranc, "CAD": curCAD, "AUD": curAUD,
	"NZD": curNZD, "HKD": curHKD, "SGD": curSGD, "BTC": curBTC,
}

// enScaleSuffix maps the abbreviations of large numbers written straight
// after an amount ("$1.5M", "€3k", "$2bn") to words. Outside money only the
// unambiguous ones apply (see enPlainScale).
var enScaleSuffix = map[string]string{
	"k": "thousand", "K": "thousand", "m": "million", "M": "million",
	"mn": "million", "MM": "million", "b": "billion", "B": "billion",
	"bn": "billion", "t": "trillion", "T": "trillion", "tn": "trillion",
}

var enPlainScale = map[string]string{
	"k": "thousand", "K": "thousand", "M": "million", "bn": "billion",
}

// enScaleWords are spelled-out scales that move a currency after them
// ("$5 million" → "five million dollars").
var enScaleWords = map[string]bool{
	"thousand": true, "million": true, "billion": true, "trillion": true,
}

// enAbbrev is an abbreviation read as a word. A title ("Mr.") is part of a
// name, so its period never ends a sentence.
type enAbbrev struct {
	exp   string
	title bool
}

// enAbbrevs are matched case-sensitively with their period. St. and Dr. are
// not here: they depend on the words around them (see saintOrStreet).
var enAbbrevs = map[string]enAbbrev{
	"Mr.": {"Mister", true}, "Mrs.": {"Missus", true}, "Ms.": {"Miz", true},
	"Prof.": {"Professor", true}, "Mt.": {"Mount", true}, "Rev.": {"Reverend", true},
	"Capt.": {"Captain", true}, "Sgt.": {"Sergeant", true}, "Lt.": {"Lieutenant", true},
	"Col.": {"Colonel", true}, "Gov.": {"Governor", true}, "Sen.": {"Senator", true},
	"Jr.": {"Junior", false}, "Sr.": {"Senior", false},
	"Inc.": {"Incorporated", false}, "Ltd.": {"Limited", false},
	"Co.": {"Company", false}, "Corp.": {"Corporation", false},
	"Ave.": {"Avenue", false}, "Blvd.": {"Boulevard", false}, "Rd.": {"Road", false},
	"Fig.": {"Figure", false}, "Vol.": {"Volume", false}, "Dept.": {"Department", false},
	"Univ.": {"University", false}, "Est.": {"Established", false},
}

// enTitlesBare are titles written without a period (British usage); they
// are expanded only before a capitalised name.
var enTitlesBare = map[string]string{
	"Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Dr": "Doctor", "St": "Saint",
	"Mt": "Mount", "Prof": "Professor",
}

// enAbbrevsFold are matched case-insensitively (lower-case keys); the
// expansion is capitalised when the source was.
var enAbbrevsFold = map[string]string{
	"e.g.": "for example", "i.e.": "that is", "etc.": "et cetera",
	"vs.": "versus", "approx.": "approximately",
	"a.k.a.": "also known as", "cf.": "compare", "incl.": "including",
}

var enMonths = [12]string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// enMonthIndex maps full and abbreviated month names (capitalised) to 1..12.
// Abbreviations ("Mar", "Sept.") count as months only before a day number.
var enMonthIndex = map[string]int{
	"January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6,
	"July": 7, "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8,
	"Sep": 9, "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

// enYearCues are words after which a four-digit number is a year.
var enYearCues = map[string]bool{
	"in": true, "since": true, "by": true, "from": true, "until": true, "till": true,
	"through": true, "to": true, "of": true, "during": true, "before": true,
	"after": true, "circa": true, "year": true, "early": true, "mid": true,
	"late": true, "spring": true, "summer": true, "fall": true, "autumn": true,
	"winter": true, "between": true, "copyright": true, "©": true,
	"q1": true, "q2": true, "q3": true, "q4": true, "h1": true, "h2": true,
}

// enEras follow a year ("500 BC").
var enEras = map[string]string{
	"AD": "A D", "BC": "B C", "BCE": "B C E", "CE": "C E",
	"A.D.": "A D", "B.C.": "B C", "B.C.E.": "B C E", "C.E.": "C E",
}

// enTLDs are the top-level domains that make "word.tld" a domain name to
// read out ("example.com" → "example dot com"). Kept to common ones so that
// a missing space after a period ("end.Then") is not mistaken for a domain.
var enTLDs = map[string]bool{
	"com": true, "org": true, "net": true, "edu": true, "gov": true, "mil": true,
	"int": true, "io": true, "ai": true, "dev": true, "app": true, "co": true,
	"uk": true, "us": true, "ca": true, "au": true, "de": true, "fr": true,
	"es": true, "it": true, "nl": true, "se": true, "no": true, "ch": true,
	"ru": true, "jp": true, "cn": true, "kr": true, "in": true, "br": true,
	"eu": true, "info": true, "biz": true, "me": true, "tv": true, "xyz": true,
	"tech": true, "cloud": true, "online": true, "site": true, "ly": true,
	"gg": true, "sh": true, "so": true, "fm": true, "ie": true, "nz": true,
	"pt": true, "pl": true, "be": true, "at": true, "dk": true, "fi": true,
	"mx": true, "ar": true, "za": true, "sg": true, "hk": true, "tw": true,
	"blog": true, "shop": true, "news": true, "page": true, "link": true,
}

// enURLSymbols names the punctuation read aloud inside URLs and addresses.
var enURLSymbols = map[byte]string{
	'.': "dot", '/': "slash", '@': "at", '-': "dash", '_': "underscore",
	':': "colon", '+': "plus", '~': "tilde", '=': "equals", '&': "and",
	'%': "percent",
}

// enFractionRunes are the precomposed fractions: numerator, denominator.
var enFractionRunes = map[rune][2]int{
	'½': {1, 2}, '⅓': {1, 3}, '⅔': {2, 3}, '¼': {1, 4}, '¾': {3, 4},
	'⅕': {1, 5}, '⅖': {2, 5}, '⅗': {3, 5}, '⅘': {4, 5}, '⅙': {1, 6},
	'⅚': {5, 6}, '⅐': {1, 7}, '⅛': {1, 8}, '⅜': {3, 8}, '⅝': {5, 8},
	'⅞': {7, 8}, '⅑': {1, 9}, '⅒': {1, 10},
}

// enSymbols are read as words wherever they stand outside numbers, URLs
// and e-mail addresses.
var enSymbols = map[rune]string{
	'&': "and", '=': "equals", '@': "at", '≈': "approximately",
	'≠': "not equal to", '≤': "less than or equal to", '≥': "greater than or equal to",
	'±': "plus or minus", '÷': "divided by", '×': "times", '→': "to", '⇒': "to",
	'←': "from", '§': "section", '¶': "paragraph", '©': "copyright",
	'°': "degrees", '‰': "per mille", '∞': "infinity", '√': "square root of",
	'♥': "love", '✓': "check", '✔': "check",
}

// enSilent are symbols that carry no sound in running text.
var enSilent = map[rune]bool{
	'®': true, '™': true, '†': true, '‡': true, '\\': true, '^': true,
	'<': true, '>': true, '{': true, '}': true, '#': true, '~': true,
	'*': true, '¦': true,
}
