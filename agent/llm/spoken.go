package llm

import (
	"strconv"
	"time"
)

// The offline responder writes times and dates out in words, as people say
// them, so that they sound right through any TTS path, including one
// without a text normaliser.

var smallNumbers = [...]string{
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen",
}

var tensWords = [...]string{2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}

// numberWords spells 0 ≤ n < 100 ("forty-two").
func numberWords(n int) string {
	if n < 20 {
		return smallNumbers[n]
	}
	if n%10 == 0 {
		return tensWords[n/10]
	}
	return tensWords[n/10] + "-" + smallNumbers[n%10]
}

var smallOrdinals = [...]string{
	1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth",
	7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh",
	12: "twelfth", 13: "thirteenth", 14: "fourteenth", 15: "fifteenth",
	16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth",
	20: "twentieth", 30: "thirtieth",
}

// ordinalWords spells a day of the month, 1 ≤ n ≤ 31 ("twenty-first").
func ordinalWords(n int) string {
	if n < len(smallOrdinals) && smallOrdinals[n] != "" {
		return smallOrdinals[n]
	}
	return tensWords[n/10] + "-" + smallOrdinals[n%10]
}

// yearWords says a year the way it is read aloud: "nineteen oh five",
// "nineteen hundred", "two thousand five", "twenty twenty-five".
func yearWords(y int) string {
	switch {
	case y < 1000 || y > 9999:
		return strconv.Itoa(y)
	case y >= 2000 && y < 2010:
		if y == 2000 {
			return "two thousand"
		}
		return "two thousand " + numberWords(y%10)
	}
	hi, lo := y/100, y%100
	switch {
	case lo == 0:
		return numberWords(hi) + " hundred"
	case lo < 10:
		return numberWords(hi) + " oh " + numberWords(lo)
	}
	return numberWords(hi) + " " + numberWords(lo)
}

// spokenTime says a time of day: "It's ten past three in the afternoon."
func spokenTime(t time.Time) string {
	h, m := t.Hour(), t.Minute()
	var phrase string
	switch {
	case m == 0 && h == 0:
		return "It's midnight."
	case m == 0 && h == 12:
		return "It's noon."
	case m == 0:
		phrase = hourName(h) + " o'clock"
	case m == 15:
		phrase = "quarter past " + hourName(h)
	case m == 30:
		phrase = "half past " + hourName(h)
	case m == 45:
		phrase = "quarter to " + hourName(h+1)
	case m < 30:
		phrase = minutesWords(m) + " past " + hourName(h)
	default:
		phrase = minutesWords(60-m) + " to " + hourName(h+1)
	}
	// Midnight names its own part of the day.
	if (m <= 30 && h == 0) || (m > 30 && h == 23) {
		return "It's " + phrase + "."
	}
	return "It's " + phrase + " " + partOfDay(h) + "."
}

// hourName names an hour of a 0–24 clock on the twelve-hour dial.
func hourName(h int) string {
	if h%24 == 0 {
		return "midnight"
	}
	if h%12 == 0 {
		return "twelve"
	}
	return numberWords(h % 12)
}

// minutesWords says minutes as people do: "ten", "twenty-five", but "one
// minute" and "seven minutes" off the five-minute marks.
func minutesWords(m int) string {
	switch {
	case m%5 == 0:
		return numberWords(m)
	case m == 1:
		return "one minute"
	}
	return numberWords(m) + " minutes"
}

func partOfDay(h int) string {
	switch {
	case h < 12:
		return "in the morning"
	case h < 18:
		return "in the afternoon"
	case h < 21:
		return "in the evening"
	}
	return "at night"
}

// spokenDate says a date: "Today is Tuesday, March the fourth, twenty
// twenty-five."
func spokenDate(t time.Time) string {
	return "Today is " + t.Weekday().String() + ", " + t.Month().String() + " the " +
		ordinalWords(t.Day()) + ", " + yearWords(t.Year()) + "."
}

// spokenWeekday says the day of the week: "Today is Tuesday."
func spokenWeekday(t time.Time) string {
	return "Today is " + t.Weekday().String() + "."
}
