package textnorm

import (
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/protocol"
)

func TestEveryLanguageRegistered(t *testing.T) {
	for _, lang := range protocol.Languages {
		if Lookup(lang) == nil {
			t.Errorf("no normaliser registered for %s", lang)
		}
	}
	if Lookup(protocol.Auto) != nil {
		t.Errorf("Auto has a normaliser; segments arrive with a resolved language")
	}
}

func TestRegisterOverridesAndRemoves(t *testing.T) {
	const lang = protocol.Language("Test-Upper")
	Register(lang, NormalizerFunc(strings.ToUpper))
	defer Register(lang, nil)
	if got := Normalize("  hello “world”  ", lang); got != `HELLO "WORLD"` {
		t.Errorf("registered normaliser: got %q", got)
	}
	// The result is tidied even when a normaliser misbehaves.
	Register(lang, NormalizerFunc(func(s string) string { return " a\x00  b\u200b\xff " }))
	if got := Normalize("x", lang); got != "a b" {
		t.Errorf("untidy normaliser output: got %q, want %q", got, "a b")
	}
	Register(lang, nil)
	if Lookup(lang) != nil {
		t.Fatalf("Register(nil) did not remove the normaliser")
	}
	if got := Normalize("  hello “world”  ", lang); got != `hello "world"` {
		t.Errorf("unregistered language gets cleaning only: got %q", got)
	}
}

func TestRegisterReplacesBuiltIn(t *testing.T) {
	orig := Lookup(protocol.English)
	defer Register(protocol.English, orig)
	Register(protocol.English, NormalizerFunc(func(s string) string { return "replaced" }))
	if got := Normalize("5", protocol.English); got != "replaced" {
		t.Errorf("got %q", got)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{" \t\n ", ""},
		{"a  b", "a b"},
		{"bad\xffbyte\xc3", "badbyte"},
		{"ctl\x00\x01\x1b[0m\x7fx", "ctl[0mx"},
		{"next\u0085line", "next, line"},
		{"zero\u200b\u200c\u200d\u2060\ufeffwidth", "zerowidth"},
		{"soft\u00adhyphen", "softhyphen"},
		{"bidi\u202eltr\u202c", "bidiltr"},
		{"emoji\ufe0f!", "emoji!"},
		{"repl\ufffdacement", "replacement"},
		{"‘a’ “b” „c“ «d» ‹e›", `'a' "b" "c" "d" "e"`},
		{"don’t", "don't"},
		{"wait…", "wait..."},
		{"a‐b a‑b −5", "a-b a-b -5"},
		{"1–2 a—b", "1–2 a—b"},
		{"1\u00a0234\u00a0567", "1234567"},
		{"1\u202f234", "1234"},
		{"1\u2009234,5", "1234,5"},
		{"1\u00a023", "1 23"},
		{"a\u00a0b", "a b"},
		{"ＡＢＣ１２３％", "ABC123%"},
		{"你好，世界！", "你好，世界！"},
		{"a\u3000b", "a b"},
		{"20℃", "20°C"},
		{"ﬁne", "fine"},
		{"3µs", "3μs"},
		{"1⁄2", "1/2"},
		{"**bold** __under__ ~~gone~~ `code`", "bold under gone code"},
		{"3 * 4", "3 * 4"},
		{"a * b", "a b"},
		{"# Title\n## Sub\n> quote\n- one\n* two\n+ three", "Title, Sub, quote, one, two, three"},
		{"#1 and #2", "#1 and #2"},
		{"-5 degrees", "-5 degrees"},
		{"line one\nline two", "line one, line two"},
		{"done.\nNext", "done. Next"},
		{"a • b • c", "a, b, c"},
		{"<b>bold</b> and <br/> 3 < 5", "bold and 3 < 5"},
		{"x_y ~5", "x_y ~5"},
	} {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTidy(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ok as is", "ok as is"},
		{" lead", "lead"},
		{"trail ", "trail"},
		{"a  b", "a b"},
		{"a\tb", "a b"},
		{"a\x00b\u200bc\xffd", "abcd"},
		{"", ""},
	} {
		if got := tidy(c.in); got != c.want {
			t.Errorf("tidy(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEnglishNumberWords(t *testing.T) {
	for _, c := range []struct {
		digits            string
		cardinal, ordinal string
	}{
		{"0", "zero", "zeroth"},
		{"1", "one", "first"},
		{"5", "five", "fifth"},
		{"9", "nine", "ninth"},
		{"12", "twelve", "twelfth"},
		{"20", "twenty", "twentieth"},
		{"40", "forty", "fortieth"},
		{"58", "fifty-eight", "fifty-eighth"},
		{"100", "one hundred", "one hundredth"},
		{"1001", "one thousand one", "one thousand first"},
		{"000123", "one hundred twenty-three", "one hundred twenty-third"},
		{"1000000", "one million", "one millionth"},
		{"1,000,001", "one million one", "one million first"},
	} {
		if got := string(appendCardinal(nil, c.digits)); got != c.cardinal {
			t.Errorf("cardinal %s = %q, want %q", c.digits, got, c.cardinal)
		}
		if got := string(appendOrdinal(nil, c.digits)); got != c.ordinal {
			t.Errorf("ordinal %s = %q, want %q", c.digits, got, c.ordinal)
		}
	}
	for _, c := range []struct {
		year int
		want string
	}{
		{1066, "ten sixty-six"},
		{1900, "nineteen hundred"},
		{1905, "nineteen oh five"},
		{1990, "nineteen ninety"},
		{2000, "two thousand"},
		{2005, "two thousand five"},
		{2010, "twenty ten"},
		{2024, "twenty twenty-four"},
		{1000, "one thousand"},
		{476, "four hundred seventy-six"},
	} {
		if got := string(appendYear(nil, c.year)); got != c.want {
			t.Errorf("year %d = %q, want %q", c.year, got, c.want)
		}
	}
}

func TestOrdinalsOfOtherLanguages(t *testing.T) {
	for _, c := range []struct {
		n    int
		cs   ruCase
		want string
	}{
		{1, ruGen, "первого"},
		{2, ruNom, "второй"},
		{3, ruPrep, "третьем"},
		{3, ruGen, "третьего"},
		{15, ruGen, "пятнадцатого"},
		{23, ruGen, "двадцать третьего"},
		{31, ruGen, "тридцать первого"},
		{40, ruNom, "сороковой"},
		{1000, ruGen, "тысячного"},
		{1812, ruGen, "тысяча восемьсот двенадцатого"},
		{1900, ruNom, "тысяча девятисотый"},
		{2000, ruPrep, "двухтысячном"},
		{2024, ruIns, "две тысячи двадцать четвёртым"},
		{2100, ruGen, "две тысячи сотого"},
	} {
		if got := ruOrdinal(c.n, c.cs); got != c.want {
			t.Errorf("ruOrdinal(%d, %d) = %q, want %q", c.n, c.cs, got, c.want)
		}
	}
	for n, want := range map[int]string{1: "erst", 3: "dritt", 7: "siebt", 8: "acht", 15: "fünfzehnt", 20: "zwanzigst", 31: "einunddreißigst"} {
		if got := deOrdinalStem(n); got != want {
			t.Errorf("deOrdinalStem(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "한", 4: "네", 10: "열", 11: "열한", 20: "스무", 24: "스물네", 99: "아흔아홉"} {
		if got := koNative(n); got != want {
			t.Errorf("koNative(%d) = %q, want %q", n, got, want)
		}
	}
	for m, want := range map[int]string{1: "いっぷん", 3: "さんぷん", 10: "じゅっぷん", 15: "じゅうごふん", 30: "さんじゅっぷん", 59: "ごじゅうきゅうふん"} {
		if got := jaMinutes(m); got != want {
			t.Errorf("jaMinutes(%d) = %q, want %q", m, got, want)
		}
	}
}

// TestConcurrentNormalize checks that pooled scratch state never leaks
// between concurrent calls.
func TestConcurrentNormalize(t *testing.T) {
	defer goleak.VerifyNone(t)
	inputs := []struct {
		text string
		lang protocol.Language
	}{
		{"It costs $5.50 on 2024-03-15 at 10:30.", protocol.English},
		{"Dr. Smith ran 5 km in 1990.", protocol.English},
		{"Am 15.03.2024 kostet es 5 €.", protocol.German},
		{"В 2024 году 5%.", protocol.Russian},
		{"2024年3月15日，$5。", protocol.Chinese},
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		want[i] = Normalize(in.text, in.lang)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(inputs))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 200; r++ {
				i := (g + r) % len(inputs)
				if got := Normalize(inputs[i].text, inputs[i].lang); got != want[i] {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent result differs: %q", e)
	}
}
