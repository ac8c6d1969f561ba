package kokoro

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/internal/onnxrun"
)

// Phonemizer reads text into clauses of IPA phonemes for an espeak-ng
// voice: espeak.Pool and espeak.Engine.
type Phonemizer interface {
	Phonemize(ctx context.Context, text, voice string) ([]espeak.Clause, error)
}

// sentences phonemises text with the espeak-ng voice, as kokoro.js does:
// each clause's phonemes followed by its punctuation and a space, the
// sentences apart, and for English kokoro.js's corrections of espeak-ng.
func sentences(ctx context.Context, ph Phonemizer, text, voice string) ([][][]rune, error) {
	s, _, err := sentencesSpans(ctx, ph, text, voice)
	return s, err
}

// sentencesSpans is sentences with the span of text each clause was read
// from, for word timestamps.
func sentencesSpans(ctx context.Context, ph Phonemizer, text, voice string) ([][][]rune, [][]onnxrun.Span, error) {
	clauses, err := ph.Phonemize(ctx, text, voice)
	if err != nil {
		return nil, nil, err
	}
	english := strings.HasPrefix(voice, "en")
	var out [][][]rune
	var cur [][]rune
	var spans [][]onnxrun.Span
	var curSpans []onnxrun.Span
	at := 0
	for _, cl := range clauses {
		curSpans = append(curSpans, onnxrun.Span{Start: at, End: at + len(cl.Text)})
		at += len(cl.Text)
		p := dropLanguageFlags(cl.Phonemes)
		if cl.Punct != 0 {
			p += string(cl.Punct)
		}
		if english {
			p = fixEnglish(p, voice == "en-us")
		}
		cur = append(cur, []rune(p+" "))
		if cl.EndsSentence() {
			out, spans = append(out, cur), append(spans, curSpans)
			cur, curSpans = nil, nil
		}
	}
	if len(cur) > 0 {
		out, spans = append(out, cur), append(spans, curSpans)
	}
	return out, spans, nil
}

// dropLanguageFlags removes espeak-ng's language switches, "(en)" around
// words it reads in another language: "(" and ")" are in Kokoro's
// vocabulary, so they would be spoken.
func dropLanguageFlags(p string) string {
	var b strings.Builder
	in := false
	for _, r := range p {
		switch {
		case in:
			in = r != ')'
		case r == '(':
			in = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fixEnglish applies kokoro.js's post-processing of espeak-ng's English
// (hexgrad/kokoro, kokoro.js/src/phonemize.js): Kokoro's own name, ʲ as j,
// r as ɹ, x as k, ɬ as l, a space before "hundred" run into its number, a
// plural z joined to its word, and in American English "ninety" with a
// flapped d.
func fixEnglish(p string, american bool) string {
	p = strings.NewReplacer(
		"kəkˈoːɹoʊ", "kˈoʊkəɹoʊ",
		"kəkˈɔːɹəʊ", "kˈəʊkəɹəʊ",
		"ʲ", "j", "r", "ɹ", "x", "k", "ɬ", "l",
	).Replace(p)
	p = spaceBefore(p, "hˈʌndɹɪd", func(r rune) bool { return 'a' <= r && r <= 'z' || r == 'ɹ' || r == 'ː' })
	p = joinZ(p)
	if american {
		p = flapNinety(p)
	}
	return p
}

// flapNinety turns "ti" after "nˈaɪn" into "di", except before "ː".
func flapNinety(p string) string {
	const nine, ti = "nˈaɪn", "ti"
	var b strings.Builder
	for {
		i := strings.Index(p, nine+ti)
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		rest := p[i+len(nine+ti):]
		b.WriteString(p[:i] + nine)
		if strings.HasPrefix(rest, "ː") {
			b.WriteString(ti)
		} else {
			b.WriteString("di")
		}
		p = rest
	}
}

// spaceBefore inserts a space before each occurrence of word that follows
// a rune for which after is true.
func spaceBefore(p, word string, after func(rune) bool) string {
	var b strings.Builder
	for {
		i := strings.Index(p, word)
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		if r, _ := utf8.DecodeLastRuneInString(p[:i]); i > 0 && after(r) {
			b.WriteByte(' ')
		}
		b.WriteString(word)
		p = p[i+len(word):]
	}
}

// joinZ turns " z" into "z" where it ends a word: before punctuation, a
// space or the end.
func joinZ(p string) string {
	const ends = ";:,.!?¡¿—…\"«»“” "
	var b strings.Builder
	for {
		i := strings.Index(p, " z")
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		rest := p[i+2:]
		r, _ := utf8.DecodeRuneInString(rest)
		b.WriteString(p[:i])
		if rest == "" || strings.ContainsRune(ends, r) {
			b.WriteString("z")
		} else {
			b.WriteString(" z")
		}
		p = rest
	}
}
