package piper

import (
	"context"
	"strings"
	"unicode"

	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/internal/onnxrun"
)

// Phonemizer reads text into clauses of IPA phonemes for an espeak-ng
// voice: espeak.Pool and espeak.Engine.
type Phonemizer interface {
	Phonemize(ctx context.Context, text, voice string) ([]espeak.Clause, error)
}

// sentence is one sentence's phonemes clause by clause, each clause
// followed by its punctuation as piper-phonemize appends it.
type sentence = [][]rune

// defaultPhonemeMaps are piper-phonemize's DEFAULT_PHONEME_MAP, used when
// a voice's phoneme_map is empty: Brazilian Portuguese voices get k for c.
var defaultPhonemeMaps = map[string]map[rune][]rune{
	"pt-br": {'c': {'k'}},
}

// Sentences returns the phonemes of each sentence of text as Piper reads
// it, clause by clause (see the package documentation). ph is needed for
// espeak phonemes and unused for text phonemes.
func (c *Config) sentences(ctx context.Context, ph Phonemizer, text string) ([]sentence, error) {
	s, _, err := c.sentencesSpans(ctx, ph, text)
	return s, err
}

// sentencesSpans is sentences with the span of text each clause was read
// from, for word timestamps.
func (c *Config) sentencesSpans(ctx context.Context, ph Phonemizer, text string) ([]sentence, [][]onnxrun.Span, error) {
	if c.PhonemeType == PhonemesText {
		// phonemize_codepoints: case-folded, decomposed, one "sentence".
		s := c.mapPhonemes(nfd([]rune(foldCase(text))))
		if len(s) == 0 {
			return nil, nil, nil
		}
		return []sentence{{s}}, [][]onnxrun.Span{{{Start: 0, End: len(text)}}}, nil
	}
	clauses, err := ph.Phonemize(ctx, text, c.Espeak.Voice)
	if err != nil {
		return nil, nil, err
	}
	var out []sentence
	var cur sentence
	var spans [][]onnxrun.Span
	var curSpans []onnxrun.Span
	at := 0
	for _, cl := range clauses {
		curSpans = append(curSpans, onnxrun.Span{Start: at, End: at + len(cl.Text)})
		at += len(cl.Text)
		p := dropLanguageFlags(c.mapPhonemes(nfd([]rune(cl.Phonemes))))
		switch cl.Punct {
		case '.', '?', '!':
			p = append(p, cl.Punct)
		case ',', ':', ';':
			p = append(p, cl.Punct, ' ')
		}
		cur = append(cur, p)
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

// mapPhonemes applies the voice's phoneme_map, or piper-phonemize's
// default map for its espeak voice.
func (c *Config) mapPhonemes(p []rune) []rune {
	m := c.remap
	if m == nil && c.PhonemeType == PhonemesEspeak {
		m = defaultPhonemeMaps[c.Espeak.Voice]
	}
	if m == nil {
		return p
	}
	out := make([]rune, 0, len(p))
	for _, r := range p {
		if to, ok := m[r]; ok {
			out = append(out, to...)
		} else {
			out = append(out, r)
		}
	}
	return out
}

// dropLanguageFlags removes espeak-ng's language switches, "(en)" around
// words it reads in another language, as piper-phonemize does unless told
// to keep them.
func dropLanguageFlags(p []rune) []rune {
	out := p[:0]
	in := false
	for _, r := range p {
		switch {
		case in:
			in = r != ')'
		case r == '(':
			in = true
		default:
			out = append(out, r)
		}
	}
	return out
}

// nfd decomposes precomposed letters ("ç" becomes "c" and a combining
// cedilla), as piper-phonemize's una::norm::to_nfd_utf8 does. The table
// covers the Latin, Greek and Cyrillic blocks, which is everything
// espeak-ng's IPA output and the text voices' alphabets contain; canonical
// reordering of several combining marks is not done.
func nfd(p []rune) []rune {
	var out []rune
	for i, r := range p {
		d, ok := nfdTable[r]
		if !ok {
			if out != nil {
				out = append(out, r)
			}
			continue
		}
		if out == nil {
			out = append(make([]rune, 0, len(p)+4), p[:i]...)
		}
		out = append(out, []rune(d)...)
	}
	if out == nil {
		return p
	}
	return out
}

// foldCase approximates Unicode case folding (una::cases::to_casefold_utf8)
// with lower case, plus the one full folding common in Piper's text
// voices' languages: ß is ss.
func foldCase(s string) string {
	return strings.ReplaceAll(strings.Map(unicode.ToLower, s), "ß", "ss")
}

// IDs maps phonemes to the ids the model takes, as piper-phonemize's
// phonemes_to_ids does: the beginning symbol ^ and a pad _, then each
// phoneme's ids followed by a pad, then the end symbol $. Phonemes missing
// from the map are skipped and counted.
func (c *Config) IDs(phonemes []rune) (ids []int64, missing int) {
	pad := c.ids[padSymbol]
	ids = make([]int64, 0, 2*len(phonemes)+4)
	ids = append(ids, c.ids[bosSymbol]...)
	ids = append(ids, pad...)
	for _, r := range phonemes {
		m, ok := c.ids[r]
		if !ok {
			missing++
			continue
		}
		ids = append(ids, m...)
		ids = append(ids, pad...)
	}
	return append(ids, c.ids[eosSymbol]...), missing
}
