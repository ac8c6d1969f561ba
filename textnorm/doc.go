// Package textnorm owns text normalisation before speech synthesis: it
// rewrites numbers, dates, times, money, units, abbreviations and symbols so
// that the engines read them the way a person would say them. The server
// calls Normalize on every segment, after segmentation and before the
// engine, so the package is pure Go, allocation-light and linear in the
// length of the text: one pass for cleaning, one for the language.
//
// # Cleaning (every language)
//
// Invalid UTF-8, control and format characters (zero-width spaces and
// joiners, bidi marks, soft hyphens), variation selectors and U+FFFD are
// dropped. Curly quotes and guillemets become ASCII quotes; "…" becomes
// "..."; hyphens and the minus sign become '-', figure and en dashes '–',
// em dashes '—' (the language pass reads '–' between numbers as a range and
// other dashes as a pause); no-break and thin spaces between digit groups
// are removed ("1 234 567" is one number), other Unicode spaces become
// spaces; full-width ASCII is folded to ASCII except the CJK sentence
// punctuation ！，：；？（）; ligatures, ℃ and ℉ are expanded. Markdown emphasis
// (*, **, __, ~~, `), heading and quote markers, list bullets and HTML-like
// tags are removed; a line break or bullet becomes a comma after a word so
// that list items keep a pause. Whitespace is collapsed to single spaces and
// trimmed.
//
// # English
//
// English is normalised completely, because flite reads digits poorly and
// both engines read many symbols literally. Numbers become words:
// cardinals with grouping and negatives ("-1,234" → "minus one thousand two
// hundred thirty-four") up to sextillions, longer or zero-led digit strings
// digit by digit; ordinals ("103rd" → "one hundred third"); decimals ("3.14"
// → "three point one four"), and a sentence-final period after a number
// stays a period; fractions ("3/4" → "three quarters", "1 1/2" and "1½" →
// "one and a half", "24/7" and "50/50" as idioms; other slashes between
// numbers read "slash"); percentages; years after a cue word (in, since, by,
// from, until, during, of, a month, a quarter; "the" from 1900 on), in
// parentheses, with an era or in ranges ("1990" → "nineteen ninety", "2005"
// → "two thousand five", "1905" → "nineteen oh five"); decades ("1990s", "'80s"). Money in $ € £ ¥ ₹ ₩ ₽
// ₿, ISO codes (USD, EUR, ...) and qualified dollars (US$, C$, A$, ...),
// with singular and plural, cents ("$5.50" → "five dollars and fifty
// cents"), scales ("$1.5M" → "one point five million dollars", "$5
// million"), ranges ("$5-10") and per-unit prices ("$10/month"). Dates:
// ISO, US numeric (03/15/2024; day-first when the first number exceeds 12),
// day.month.year, "March 15, 2024", "15 March 2024", "Mar 15", "March
// 15-20". Times: "10:30" → "ten thirty", "10:05" → "ten oh five", "10:00" →
// "ten o'clock", "14:00" → "fourteen hundred", "7pm"/"7 p.m." → "seven p m".
// Ranges: "5-10" and "5–10" → "five to ten"; a spaced hyphen between
// numbers is "minus". Telephone numbers (555-1234, (555) 123-4567,
// +44 20 7946 0958) digit by digit in groups; IPv4 addresses and versions
// ("v1.2.3" → "version one point two point three"). Units after numbers,
// case-sensitively and only before a word boundary, with singular and
// plural ("1 km" → "one kilometer", "5-km run" → "five-kilometer run",
// "mg/kg" → "milligrams per kilogram"); "in" is inches only when glued to
// the number or after feet, since "5 in the box" is far more common.
// Abbreviations: titles (Mr., Mrs., Ms., Dr., Prof., ...), Jr., Sr., Inc.,
// Ltd., Co., vs., etc., e.g., i.e., approx., "No. 5"; "St." is Saint before
// a name and Street after one, "Dr." Doctor or Drive likewise; an
// abbreviation's period is kept when it also ends the sentence. Symbols: &
// → and, + → plus, = → equals, @ → at, "#5" → number five, "C#" → C sharp,
// "~5" → about five, × and * between numbers → times, "1920x1080" → by,
// "10x" → ten times, ^ → to the power of; a slash between words reads "or"
// ("yes/no", and "and/or" as "and or") except between acronyms ("TCP/IP",
// "slash"), because in prose the slash nearly always offers alternatives.
// URLs, domains and e-mail addresses are read out without the scheme,
// "www.", query or fragment ("https://www.example.com/a?b" → "example dot
// com slash a"). Digits glued to letters ("mp3", "A4", "B2B") are names and
// left to the engines, which also spell acronyms; a hyphen between a word
// and a number is a space ("COVID-19" → "COVID nineteen").
//
// # Other languages
//
// espeak-ng reads numbers, most dates and many symbols in each of its
// languages, so the other normalisers leave numbers as digits and rewrite
// only what espeak-ng (1.51, as in Debian 12) reads wrongly or not at all,
// found by running it on each form. All of them:
//   - convert English-style grouping and decimals to the language's form and
//     drop grouping ("1,234.5" → "1234,5" in the European languages, whose
//     voices read "1,234.5" as "one comma two three four ..."), resolve
//     "1.234" (a thousands group) against "1.5" (a decimal) by the language's
//     convention, and leave versions ("1.2.3") alone;
//   - move a currency sign or code after the amount and name it with the
//     form the number asks for ("€5" → "5 euros"; espeak-ng says the sign
//     first, in the wrong number, or not at all), read scales glued to money
//     ("$4.2B"), cents, and US$ and R$;
//   - read "~5" (about), "5 × 3" and "2x3" (times), "№ 5" and "# 5"
//     (number), a few precomposed fractions where espeak-ng reads them in
//     English, and turn em dashes and spaced en dashes into pauses.
//
// Per language:
//   - German: "15.03.2024" and "15. März" as ordinals in the case the
//     preceding word asks for ("am fünfzehnten März", "der fünfzehnte",
//     "fünfzehnter März"); years 1100-1999 after a cue, in ranges and in
//     dates in hundreds ("neunzehnhundertneunzig"); times ("10:05" → "10 Uhr
//     5"; espeak-ng says "null fünf"); ranges ("bis"); km/h, m/s, m², m³,
//     °C; abbreviations (z. B., d. h., u. a., usw., bzw., ca., etc., Mio.,
//     Mrd., Nr., S., Dr., Prof., Hr., Fr., Str., ...). Left to espeak-ng:
//     numbers, "-5", "&", "%", "+", "=".
//   - Spanish: minus ("menos": espeak-ng drops the sign), ranges ("a"), "&"
//     ("y"), plain-space digit groups ("100 000"), times ("10:05" → "10 y
//     5", "12:00" → "12 en punto"), numeric dates ("15 de marzo de 2024"),
//     "1.º" → "1º", fractions, units, abbreviations (EE. UU., p. ej., etc.,
//     aprox., núm., n.º, pág., Avda.). Left: numbers, %, ordinals, titles.
//   - French: minus ("moins"), ranges ("à"), times ("10 heures 5"), numeric
//     dates and "1 mars" with "1er", fractions, units, M. and MM. before a
//     name, p. ex., c.-à-d., env., n°, av./apr. J.-C.; a quantity below two
//     takes the singular ("1,5 euro"). Left: numbers (spaced groups too),
//     %, "&", etc.
//   - Italian: ranges ("a"), "&" ("e"; espeak-ng says "and"), plain-space
//     digit groups, times ("10 e 5", "12"), numeric dates and "1 maggio"
//     with "1º", units, titles (Sig., Sig.ra, Dott., Prof., ...), ecc.,
//     p. es., n., pag. Left: numbers, "-5", %, fractions.
//   - Portuguese (espeak-ng speaks European Portuguese): ranges ("a";
//     espeak-ng says "cinco menos dez"), plain-space digit groups, times
//     ("10 e 5", "12 horas"), numeric dates, R$ (espeak-ng says "cifrão"),
//     units, Sr./Sra./Dra., p. ex., aprox., n.º, pág., Av. Left: numbers,
//     "-5", %, "&", fractions.
//   - Russian: nouns after numbers in the right one of three forms for
//     currencies (€, £, ¥ and ₽ are otherwise silent), % ("5 процент"
//     otherwise), degrees, units (Cyrillic ones are otherwise spelled letter
//     by letter: "5 км") and тыс./млн/млрд/руб./коп.; ordinals in dates
//     ("пятнадцатого марта две тысячи двадцать четвёртого года") and
//     before год, года, году, годом and г.; minus; "&" ("и"); plain-space
//     digit groups; т. е., т. д., т. п., т. к., т. н., др., см., напр.,
//     ул., им. Left: times ("10:05" is read "десять ноль пять", as Russians
//     say it), ranges (the dash is read as a short pause, as spoken), and
//     the gender of "один/одна" before feminine nouns.
//   - Chinese: currencies and units as words after the amount ("5美元"),
//     "百分之5" for "5%", decimals ("3点一四"; espeak-ng drops the point),
//     dates in 年月日 with the year digit by digit ("二零二四年"), times
//     ("10点零5分"), 两 for 2 before measure words and hours, minus (负),
//     ranges (到), "&" (和), fractions. Left: integers and Chinese text.
//   - Japanese: espeak-ng reads kana but not kanji, so everything written
//     is kana: currencies ("5ドル", "500えん"), "パーセント", decimals
//     ("3てんいちよん"), dates, times and counters after numbers with their
//     irregular readings (月, 日, 時, 分, 人 and about thirty others: "4月1日"
//     → "しがつついたち", "10:30" → "じゅうじさんじゅっぷん"), minus, ranges
//     (から), fractions, units. Left: integers.
//   - Korean: native numbers where Korean uses them (hours and the counters
//     개, 명, 살, 시간, 마리, 잔, 권, 장, 가지, 달, 군데, 사람: "다섯 개";
//     espeak-ng reads all digits in Sino-Korean), 유월 and 시월, times ("열 시
//     30분"), dates, currencies ("5달러"), 퍼센트, decimals ("3점일사"),
//     "시속 100킬로미터" for 100 km/h, minus, ranges, fractions. Left:
//     integers and Sino-Korean counters.
//
// # say-as
//
// SayAs reads a span as SSML's <say-as> asks (characters, spell-out,
// cardinal, ordinal, digits, date, time, telephone). English is read in
// words with the readers above (letters by their names when spelt). The
// other languages get the form their normaliser and espeak-ng read as asked
// (an ordinal as "3." in German, "3º" in Spanish, "1er" in French; a date as
// the language writes one; digits and letters spaced out), normalised. Text
// that does not fit the kind is refused, and read as ordinary text.
//
// # Adding a language
//
// A language is one file that registers a Normalizer from init, usually a
// *lightLang describing its tables and hooks; Register may also replace a
// built-in normaliser at run time.
//
// Known limits: espeak-ng 1.51's "cmn" voice reads most Han characters as
// pinyin with English tone numbers (espeak-ng issues #1028, #1236); its
// "cmn-latn-pinyin" voice reads them correctly, which is for the engine to
// choose. Context that needs understanding (whether "1500" is a year or a
// count without a cue word, "Main St. Louis") is resolved by the simple
// rules above.
package textnorm
