package textnorm

import (
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestSayAsEnglish(t *testing.T) {
	cases := []struct{ text, kind, format, want string }{
		{"ABC", "characters", "", "ay bee see"},
		{"hi5", "spell-out", "", "aitch eye five"},
		{"a.b@c", "characters", "", "ay dot bee at see"},
		{"1234", "cardinal", "", "one thousand two hundred thirty-four"},
		{"1,234", "cardinal", "", "one thousand two hundred thirty-four"},
		{"-5", "cardinal", "", "minus five"},
		{"3.14", "cardinal", "", "three point one four"},
		{"3", "ordinal", "", "third"},
		{"21st", "ordinal", "", "twenty-first"},
		{"4711", "digits", "", "four seven one one"},
		{"2024-03-15", "date", "", "March fifteenth, twenty twenty-four"},
		{"03/15/2024", "date", "", "March fifteenth, twenty twenty-four"},
		{"15/03/2024", "date", "dmy", "March fifteenth, twenty twenty-four"},
		{"15.3.24", "date", "dmy", "March fifteenth, twenty twenty-four"},
		{"3/15", "date", "md", "March fifteenth"},
		{"2024", "date", "", "twenty twenty-four"},
		{"03/2024", "date", "my", "March twenty twenty-four"},
		{"15", "date", "d", "the fifteenth"},
		{"14:30", "time", "", "fourteen thirty"},
		{"14:30", "time", "hms12", "two thirty p m"},
		{"7:05am", "time", "", "seven oh five a m"},
		{"1430", "time", "hms24", "fourteen thirty"},
		{"555-123-4567", "telephone", "", "five five five, one two three, four five six seven"},
		{"+44 20 7946 0958", "telephone", "", "plus four four, two zero, seven nine four six, zero nine five eight"},
	}
	for _, c := range cases {
		got, ok := SayAs(c.text, c.kind, c.format, protocol.English)
		if !ok || got != c.want {
			t.Errorf("SayAs(%q, %s, %q) = %q, %v; want %q", c.text, c.kind, c.format, got, ok, c.want)
		}
	}
}

func TestSayAsRefuses(t *testing.T) {
	for _, c := range []struct{ text, kind, format string }{
		{"abc", "cardinal", ""}, {"1.2.3", "cardinal", ""}, {"x", "ordinal", ""}, {"abc", "digits", ""},
		{"13/45/2024", "date", "mdy"}, {"1/2", "date", "dmy-"}, {"25:00", "time", ""}, {"noon", "time", ""},
		{"call me", "telephone", ""}, {"", "characters", ""}, {"5", "currency", ""},
	} {
		if got, ok := SayAs(c.text, c.kind, c.format, protocol.English); ok {
			t.Errorf("SayAs(%q, %s, %q) = %q, want a refusal", c.text, c.kind, c.format, got)
		}
	}
}

// TestSayAsOtherLanguages checks the forms handed to the other languages'
// normalisers, read back through them.
func TestSayAsOtherLanguages(t *testing.T) {
	cases := []struct {
		lang                     protocol.Language
		text, kind, format, want string
	}{
		{protocol.German, "3", "ordinal", "", Normalize("3.", protocol.German)},
		{protocol.Spanish, "2", "ordinal", "", Normalize("2º", protocol.Spanish)},
		{protocol.French, "1", "ordinal", "", Normalize("1er", protocol.French)},
		{protocol.German, "2024-03-15", "date", "", Normalize("15.03.2024", protocol.German)},
		{protocol.Spanish, "15/03/2024", "date", "", Normalize("15/03/2024", protocol.Spanish)},
		{protocol.Japanese, "2024-04-01", "date", "", Normalize("2024年4月1日", protocol.Japanese)},
		{protocol.French, "1,234", "cardinal", "", Normalize("1234", protocol.French)},
		{protocol.Italian, "4711", "digits", "", "4 7 1 1"},
		{protocol.German, "abc", "characters", "", "A B C"},
		{protocol.Spanish, "10:05", "time", "", Normalize("10:05", protocol.Spanish)},
		{protocol.Russian, "+7 495 123", "telephone", "", "+ 7, 4 9 5, 1 2 3"},
	}
	for _, c := range cases {
		got, ok := SayAs(c.text, c.kind, c.format, c.lang)
		if !ok || got != c.want {
			t.Errorf("%s SayAs(%q, %s) = %q, %v; want %q", c.lang, c.text, c.kind, got, ok, c.want)
		}
	}
}

func FuzzSayAs(f *testing.F) {
	for _, s := range []string{"1234", "2024-03-15", "14:30", "+1 555 0100", "ABC", "3rd", "-1,5", "12/31"} {
		f.Add(s, uint8(0), uint8(0))
	}
	kinds := []string{"characters", "spell-out", "cardinal", "ordinal", "digits", "date", "time", "telephone"}
	formats := []string{"", "mdy", "dmy", "ymd", "md", "dm", "ym", "my", "d", "m", "y", "hms12", "hms24"}
	f.Fuzz(func(t *testing.T, text string, k, l uint8) {
		kind := kinds[int(k)%len(kinds)]
		lang := protocol.Languages[int(l)%len(protocol.Languages)]
		for _, format := range formats {
			out, ok := SayAs(text, kind, format, lang)
			if !ok && out != "" {
				t.Fatalf("refused with output %q", out)
			}
			if len(out) > 16*len(text)+64 {
				t.Fatalf("%q as %s grew to %d bytes", text, kind, len(out))
			}
		}
	})
}
