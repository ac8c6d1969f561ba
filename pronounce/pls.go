package pronounce

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parley-voice/parley/protocol"
)

// Namespace is the PLS 1.0 namespace.
const Namespace = "http://www.w3.org/2005/01/pronunciation-lexicon"

// MaxPLSBytes bounds a PLS document ParsePLS reads.
const MaxPLSBytes = 1 << 20

// plsLexicon mirrors a PLS 1.0 document (W3C Recommendation, 14 October
// 2008), as far as Parley reads it.
type plsLexicon struct {
	XMLName  xml.Name    `xml:"lexicon"`
	Version  string      `xml:"version,attr"`
	Alphabet string      `xml:"alphabet,attr"`
	Lang     string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Lexemes  []plsLexeme `xml:"lexeme"`
	Other    []plsAny    `xml:",any"`
}

type plsLexeme struct {
	Role      string         `xml:"role,attr"`
	Graphemes []string       `xml:"grapheme"`
	Prons     []plsPronounce `xml:",any"`
}

// plsPronounce is a phoneme, an alias or an example, in document order.
type plsPronounce struct {
	XMLName  xml.Name
	Alphabet string `xml:"alphabet,attr"`
	Prefer   string `xml:"prefer,attr"`
	Text     string `xml:",chardata"`
}

type plsAny struct {
	XMLName xml.Name
}

// ParsePLS reads a W3C Pronunciation Lexicon Specification 1.0 document
// into a Dictionary named name, checking its structure as the
// specification gives it: a lexicon root in the PLS namespace with
// version "1.0", an alphabet ("ipa", or "x-" and a private name) and an
// xml:lang; lexeme children, each with one or more graphemes and any
// number of phonemes and aliases (metadata and example elements are
// skipped). Each grapheme of a lexeme becomes an entry with the lexeme's
// preferred pronunciation: the first phoneme or alias marked
// prefer="true", else the first in document order. A phoneme must be in
// IPA (its own alphabet attribute, or the lexicon's), since that is what
// the engines read. PLS has no notion of case, so every entry matches any
// case unless caseSensitive. The language is the lexicon's xml:lang;
// "und" and "mul" mean every language.
func ParsePLS(r io.Reader, name string, caseSensitive bool) (Dictionary, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxPLSBytes+1))
	if err != nil {
		return Dictionary{}, err
	}
	if len(b) > MaxPLSBytes {
		return Dictionary{}, fmt.Errorf("%w: PLS document is larger than %d bytes", ErrInvalid, MaxPLSBytes)
	}
	var lex plsLexicon
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&lex); err != nil {
		return Dictionary{}, fmt.Errorf("%w: not a well-formed PLS document: %v", ErrInvalid, err)
	}
	switch {
	case lex.XMLName.Space != Namespace:
		return Dictionary{}, fmt.Errorf("%w: the root must be <lexicon xmlns=%q>", ErrInvalid, Namespace)
	case lex.Version != "1.0":
		return Dictionary{}, fmt.Errorf("%w: lexicon version %q, want \"1.0\"", ErrInvalid, lex.Version)
	case !validAlphabet(lex.Alphabet):
		return Dictionary{}, fmt.Errorf("%w: lexicon alphabet %q: want \"ipa\" or \"x-\" and a name", ErrInvalid, lex.Alphabet)
	case lex.Lang == "":
		return Dictionary{}, fmt.Errorf("%w: the lexicon has no xml:lang", ErrInvalid)
	}
	for _, o := range lex.Other {
		if o.XMLName.Local != "lexeme" && o.XMLName.Local != "meta" && o.XMLName.Local != "metadata" {
			return Dictionary{}, fmt.Errorf("%w: <%s> is not a PLS element of <lexicon>", ErrInvalid, o.XMLName.Local)
		}
	}
	d := Dictionary{Name: name}
	switch l := strings.ToLower(lex.Lang); l {
	case "und", "mul":
	default:
		lang, ok := protocol.LanguageOfTag(l)
		if !ok {
			return Dictionary{}, fmt.Errorf("%w: xml:lang %q is not a language Parley speaks", ErrInvalid, lex.Lang)
		}
		d.Language = lang
	}
	for i, x := range lex.Lexemes {
		if len(x.Graphemes) == 0 {
			return Dictionary{}, fmt.Errorf("%w: lexeme %d has no grapheme", ErrInvalid, i)
		}
		e, err := pronunciation(x, lex.Alphabet)
		if err != nil {
			return Dictionary{}, fmt.Errorf("%w: lexeme %d (%q): %v", ErrInvalid, i, truncate(x.Graphemes[0]), err)
		}
		e.CaseSensitive = caseSensitive
		for _, g := range x.Graphemes {
			e.Text = g
			d.Entries = append(d.Entries, e)
		}
	}
	if err := d.Validate(); err != nil {
		return Dictionary{}, err
	}
	return d, nil
}

func validAlphabet(a string) bool {
	return a == "ipa" || strings.HasPrefix(a, "x-") && len(a) > 2
}

// pronunciation picks a lexeme's preferred phoneme or alias.
func pronunciation(x plsLexeme, alphabet string) (Entry, error) {
	var chosen *plsPronounce
	for i := range x.Prons {
		p := &x.Prons[i]
		switch p.XMLName.Local {
		case "phoneme", "alias":
		case "example", "grapheme":
			continue
		default:
			return Entry{}, fmt.Errorf("<%s> is not a PLS element of <lexeme>", p.XMLName.Local)
		}
		if p.Prefer != "" && p.Prefer != "true" && p.Prefer != "false" {
			return Entry{}, fmt.Errorf("prefer=%q: want true or false", p.Prefer)
		}
		if chosen == nil || (p.Prefer == "true" && chosen.Prefer != "true") {
			chosen = p
		}
	}
	if chosen == nil {
		return Entry{}, errors.New("it has neither a phoneme nor an alias")
	}
	text := strings.TrimSpace(chosen.Text)
	if chosen.XMLName.Local == "alias" {
		return Entry{Alias: text}, nil
	}
	a := alphabet
	if chosen.Alphabet != "" {
		a = chosen.Alphabet
	}
	if a != "ipa" {
		return Entry{}, fmt.Errorf("its phoneme is in alphabet %q: Parley reads only ipa (aliases work in any lexicon)", a)
	}
	return Entry{IPA: text}, nil
}

// PLS writes d as a PLS 1.0 document in IPA, one lexeme per entry. Case
// sensitivity has no place in PLS and is not written. A dictionary for
// every language is written with xml:lang "mul".
func (d Dictionary) PLS() []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	lang := d.Language.Tag()
	if lang == "" {
		lang = "mul"
	}
	fmt.Fprintf(&b, "<lexicon version=\"1.0\" xmlns=%q alphabet=\"ipa\" xml:lang=%q>\n", Namespace, lang)
	for _, e := range d.Entries {
		b.WriteString("  <lexeme><grapheme>")
		_ = xml.EscapeText(&b, []byte(e.Text))
		if e.IPA != "" {
			b.WriteString("</grapheme><phoneme>")
			_ = xml.EscapeText(&b, []byte(e.IPA))
			b.WriteString("</phoneme></lexeme>\n")
		} else {
			b.WriteString("</grapheme><alias>")
			_ = xml.EscapeText(&b, []byte(e.Alias))
			b.WriteString("</alias></lexeme>\n")
		}
	}
	b.WriteString("</lexicon>\n")
	return b.Bytes()
}
