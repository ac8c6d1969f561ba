package pronounce

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestValidate(t *testing.T) {
	long := strings.Repeat("x", MaxTextChars+1)
	cases := []struct {
		name string
		d    Dictionary
		want string
	}{
		{"no entries", Dictionary{}, "no entries"},
		{"empty text", Dictionary{Entries: []Entry{{Text: " ", Alias: "a"}}}, "entry 0"},
		{"both", Dictionary{Entries: []Entry{{Text: "a", Alias: "b", IPA: "c"}}}, "exactly one of alias and ipa"},
		{"neither", Dictionary{Entries: []Entry{{Text: "a"}}}, "exactly one of alias and ipa"},
		{"long text", Dictionary{Entries: []Entry{{Text: long, Alias: "b"}}}, "longer than 100"},
		{"control", Dictionary{Entries: []Entry{{Text: "a\x01", Alias: "b"}}}, "control character"},
		{"repeat", Dictionary{Entries: []Entry{{Text: "Nasa", Alias: "b"}, {Text: "NASA", Alias: "c"}}}, "entry 1 (\"NASA\") repeats entry 0"},
		{"language", Dictionary{Language: "Klingon", Entries: []Entry{{Text: "a", Alias: "b"}}}, "unknown language"},
		{"too many", Dictionary{Entries: make([]Entry, MaxEntries+1)}, "1001 entries"},
	}
	for _, c := range cases {
		err := c.d.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	d := Dictionary{Entries: []Entry{{Text: "  New \t York ", Alias: " the Big Apple "}, {Text: "NASA", Alias: "nasa", CaseSensitive: true}, {Text: "nasa", Alias: "n"}}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Entries[0].Text != "New York" || d.Entries[0].Alias != "the Big Apple" {
		t.Fatalf("not tidied: %+v", d.Entries[0])
	}
}

// specExample is the example of PLS 1.0 section 4.1, with an alias lexeme
// added.
const specExample = `<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0"
      xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="http://www.w3.org/2005/01/pronunciation-lexicon
        http://www.w3.org/TR/2007/CR-pronunciation-lexicon-20071212/pls.xsd"
      alphabet="ipa" xml:lang="en-US">
  <metadata><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">Example</dc:title></metadata>
  <lexeme>
    <grapheme>tomato</grapheme>
    <phoneme>təmei&#x27E;oʊ</phoneme>
    <phoneme prefer="true">təˈmɑːtoʊ</phoneme>
  </lexeme>
  <lexeme role="x">
    <grapheme>W3C</grapheme>
    <grapheme>W3 Consortium</grapheme>
    <alias>World Wide Web Consortium</alias>
    <example>The W3C writes standards.</example>
  </lexeme>
</lexicon>`

func TestParsePLS(t *testing.T) {
	d, err := ParsePLS(strings.NewReader(specExample), "spec", false)
	if err != nil {
		t.Fatal(err)
	}
	want := Dictionary{Name: "spec", Language: protocol.English, Entries: []Entry{
		{Text: "tomato", IPA: "təˈmɑːtoʊ"},
		{Text: "W3C", Alias: "World Wide Web Consortium"},
		{Text: "W3 Consortium", Alias: "World Wide Web Consortium"},
	}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	// Export and import again: the same dictionary.
	back, err := ParsePLS(strings.NewReader(string(d.PLS())), "spec", false)
	if err != nil {
		t.Fatalf("%v\n%s", err, d.PLS())
	}
	if !reflect.DeepEqual(back, d) {
		t.Fatalf("round trip: got %+v\nwant %+v", back, d)
	}
	cs, err := ParsePLS(strings.NewReader(specExample), "spec", true)
	if err != nil || !cs.Entries[0].CaseSensitive {
		t.Fatalf("case-sensitive import: %+v %v", cs, err)
	}
}

func TestParsePLSErrors(t *testing.T) {
	lex := func(attrs, body string) string {
		return `<lexicon ` + attrs + `>` + body + `</lexicon>`
	}
	ok := `version="1.0" xmlns="` + Namespace + `" alphabet="ipa" xml:lang="en"`
	cases := []struct{ name, doc, want string }{
		{"not xml", "<lexicon", "not a well-formed"},
		{"namespace", lex(`version="1.0" alphabet="ipa" xml:lang="en"`, ""), "the root must be"},
		{"version", lex(`version="2.0" xmlns="`+Namespace+`" alphabet="ipa" xml:lang="en"`, ""), `version "2.0"`},
		{"alphabet", lex(`version="1.0" xmlns="`+Namespace+`" alphabet="sampa" xml:lang="en"`, ""), `alphabet "sampa"`},
		{"lang", lex(`version="1.0" xmlns="`+Namespace+`" alphabet="ipa"`, ""), "no xml:lang"},
		{"unknown lang", lex(`version="1.0" xmlns="`+Namespace+`" alphabet="ipa" xml:lang="sv"`, "<lexeme><grapheme>a</grapheme><alias>b</alias></lexeme>"), `"sv" is not a language`},
		{"no grapheme", lex(ok, "<lexeme><alias>b</alias></lexeme>"), "lexeme 0 has no grapheme"},
		{"no pronunciation", lex(ok, "<lexeme><grapheme>a</grapheme></lexeme>"), "neither a phoneme nor an alias"},
		{"private phoneme", lex(`version="1.0" xmlns="`+Namespace+`" alphabet="x-sampa" xml:lang="en"`, "<lexeme><grapheme>a</grapheme><phoneme>@</phoneme></lexeme>"), "reads only ipa"},
		{"phoneme alphabet", lex(ok, `<lexeme><grapheme>a</grapheme><phoneme alphabet="x-sampa">@</phoneme></lexeme>`), "reads only ipa"},
		{"stray element", lex(ok, "<lexeme><grapheme>a</grapheme><meaning>b</meaning></lexeme>"), "<meaning> is not a PLS element"},
		{"stray root child", lex(ok, "<entry/>"), "<entry> is not a PLS element"},
		{"empty", lex(ok, ""), "no entries"},
		{"entity", `<!DOCTYPE lexicon [<!ENTITY x "y">]>` + lex(ok, "<lexeme><grapheme>&x;</grapheme><alias>b</alias></lexeme>"), "not a well-formed"},
	}
	for _, c := range cases {
		_, err := ParsePLS(strings.NewReader(c.doc), "n", false)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	private, err := ParsePLS(strings.NewReader(lex(`version="1.0" xmlns="`+Namespace+`" alphabet="x-sampa" xml:lang="mul"`, "<lexeme><grapheme>a</grapheme><alias>b</alias></lexeme>")), "n", false)
	if err != nil || private.Language != "" {
		t.Fatalf("aliases of a private-alphabet lexicon for every language: %+v %v", private, err)
	}
}

func runs(rs []Run) string {
	var b strings.Builder
	for _, r := range rs {
		switch {
		case r.Entry == nil:
			b.WriteString(r.Text)
		case r.Entry.IPA != "":
			b.WriteString("[" + r.Text + "=/" + r.Entry.IPA + "/]")
		default:
			b.WriteString("[" + r.Text + "=" + r.Entry.Alias + "]")
		}
	}
	return b.String()
}

func TestApply(t *testing.T) {
	brands := Dictionary{Name: "brands", Entries: []Entry{
		{Text: "Parley", IPA: "ˈpɑːli"},
		{Text: "New York", Alias: "the city"},
		{Text: "New York City", Alias: "NYC"},
		{Text: "AT&T", Alias: "A T and T"},
		{Text: ".NET", Alias: "dot net"},
		{Text: "US", Alias: "U S", CaseSensitive: true},
		{Text: "Zürich", Alias: "Zurich"},
	}}
	english := Dictionary{Name: "en", Language: protocol.English, Entries: []Entry{
		{Text: "parley", Alias: "PARLAY"}, // loses to the earlier dictionary
		{Text: "colour", Alias: "color"},
	}}
	german := Dictionary{Name: "de", Language: protocol.German, Entries: []Entry{{Text: "colour", Alias: "Farbe"}}}
	for _, d := range []*Dictionary{&brands, &english, &german} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	l := Compile(brands, english, german)
	cases := []struct {
		lang protocol.Language
		in   string
		want string
	}{
		{protocol.English, "Welcome to Parley.", "Welcome to [Parley=/ˈpɑːli/]."},
		{protocol.English, "PARLEY and parley", "[PARLEY=/ˈpɑːli/] and [parley=/ˈpɑːli/]"},
		{protocol.English, "parleying", "parleying"},
		{protocol.English, "New York City and New  York, new\nyork", "[New York City=NYC] and [New  York=the city], [new\nyork=the city]"},
		{protocol.English, "AT&T and ASP.NET", "[AT&T=A T and T] and ASP[.NET=dot net]"},
		{protocol.English, "us and US", "us and [US=U S]"},
		{protocol.English, "the colour", "the [colour=color]"},
		{protocol.German, "the colour", "the [colour=Farbe]"},
		{protocol.French, "the colour", "the colour"},
		{protocol.English, "Zürich, ZÜRICH!", "[Zürich=Zurich], [ZÜRICH=Zurich]!"},
		{protocol.English, "", ""},
	}
	for _, c := range cases {
		got := l.Apply(c.in, c.lang)
		if s := runs(got); s != c.want {
			t.Errorf("%s %q: got %s, want %s", c.lang, c.in, s, c.want)
		}
		var all strings.Builder
		for _, r := range got {
			all.WriteString(r.Text)
		}
		if all.String() != c.in {
			t.Errorf("%q: runs add up to %q", c.in, all.String())
		}
	}
	var nilLex *Lexicon
	if got := nilLex.Apply("Parley", protocol.English); runs(got) != "Parley" {
		t.Fatalf("nil lexicon: %v", got)
	}
}

func FuzzApply(f *testing.F) {
	d := Dictionary{Entries: []Entry{{Text: "a b", Alias: "x"}, {Text: "ab", IPA: "y"}, {Text: "é", Alias: "e"}, {Text: "-", Alias: "dash"}}}
	if err := d.Validate(); err != nil {
		f.Fatal(err)
	}
	l := Compile(d)
	f.Add("a b ab é - a  b")
	f.Fuzz(func(t *testing.T, s string) {
		var all strings.Builder
		for _, r := range l.Apply(s, protocol.English) {
			all.WriteString(r.Text)
		}
		if all.String() != s {
			t.Fatalf("runs add up to %q, not %q", all.String(), s)
		}
	})
}

func FuzzParsePLS(f *testing.F) {
	f.Add(specExample)
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := ParsePLS(strings.NewReader(doc), "f", false)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParsePLS returned an invalid dictionary: %v", err)
		}
		if _, err := ParsePLS(strings.NewReader(string(d.PLS())), "f", false); err != nil {
			t.Fatalf("export does not import: %v\n%s", err, d.PLS())
		}
	})
}

// BenchmarkApply looks a 200-character segment up in three dictionaries
// of 1,000 entries each.
func BenchmarkApply(b *testing.B) {
	var dicts []Dictionary
	for d := range 3 {
		var es []Entry
		for i := range MaxEntries {
			es = append(es, Entry{Text: "word" + strings.Repeat("x", d) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)), Alias: "alias"})
		}
		dicts = append(dicts, Dictionary{Entries: es})
	}
	l := Compile(dicts...)
	text := strings.Repeat("The wordab and wordxcd went to New York with someone else. ", 4)[:200]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		l.Apply(text, protocol.English)
	}
}
