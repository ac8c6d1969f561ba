package textnorm

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// maxGrowth bounds the output: a hostile segment must not be able to blow up
// memory. The worst expansions are a lone symbol read as a word in a
// multi-byte script ("5%" → "5 процентов").
const maxGrowth = 20

// FuzzNormalize feeds every input to every language: Normalize must not
// panic, and its output must be valid UTF-8, free of control and format
// characters, trimmed, without runs of spaces, and bounded in length.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", " ", "It costs $5.50 on 2024-03-15 at 10:30 pm.", "Dr. Smith lives on Main St.",
		"1,234,567.89 km/h -5°C 12.5% ½ 1 1/2 24/7 3:2 v1.2.3 192.168.0.1",
		"Call (555) 123-4567 or +44 20 7946 0958; mail a.b@c.org; https://x.io/a?b",
		"Am 15.03.2024 um 10:05 Uhr kostet es 1.234,50 € z. B. bei Dr. Müller.",
		"В 2024 году 5 млн руб. и 21% т. е. 15 марта.", "2024年3月15日，$5，12.5%。",
		"4月1日10:30に500円", "3시 5개 2024-10-03 $5", "“quotes” — dashes… \u200b\x00\xff",
		"$$$$$", "%%%%", "1-2-3-4-5-6", "....", "'''", "0000000000000000000000000000000",
		"9/9/9999", "99:99", "#~#~", "¼¼¼", "$1.5M-$2bn", "1e10", "−½", "٣٤٥", "𝟏𝟐𝟑",
	} {
		f.Add(s)
	}
	langs := append([]protocol.Language{protocol.Auto}, protocol.Languages...)
	f.Fuzz(func(t *testing.T, in string) {
		for _, lang := range langs {
			out := Normalize(in, lang)
			checkOutput(t, in, out, lang)
		}
	})
}

func checkOutput(t *testing.T, in, out string, lang protocol.Language) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: invalid UTF-8 in %q for %q", lang, out, in)
	}
	if len(out) > maxGrowth*len(in)+64 {
		t.Fatalf("%s: output %d bytes for %d bytes of input: %q", lang, len(out), len(in), in)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Fatalf("%s: untidy spacing in %q for %q", lang, out, in)
	}
	for _, r := range out {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			t.Fatalf("%s: control character %U in %q for %q", lang, r, out, in)
		}
	}
}

// TestOutputBounded runs the fuzz checks on inputs built to expand as much
// as possible, so the bound is exercised without the fuzzer.
func TestOutputBounded(t *testing.T) {
	var cases []string
	for _, unit := range []string{"%", "$1", "1%", "¼", "#1", "~1", "1 km/h ", "7,777,777 ", "1st ",
		"a.b@c.org ", "1/7 ", "12:59 ", "1,5 % ", "1 млн руб. ", "5万円", "3시간 ", "10:59 ",
		"2024-12-31 ", "€1.01 ", "1.1.1.1 ", "₩1 ", "5-6 ", "&", "№1 ", "1 ft 1 in "} {
		cases = append(cases, strings.Repeat(unit, 300))
	}
	for _, in := range cases {
		for _, lang := range append([]protocol.Language{protocol.Auto}, protocol.Languages...) {
			checkOutput(t, in, Normalize(in, lang), lang)
		}
	}
}
