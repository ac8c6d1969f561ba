package voice

import (
	"math"
	"strings"
	"unicode"
)

// Design parses a free-text voice description into a Profile. It reads the
// description as a sequence of words and looks each one up in the word
// table (see the package documentation); it knows no grammar, so unknown
// words are ignored and the result depends only on the words and their
// order. The same description, whatever its case, punctuation or spacing,
// always gives the same Profile.
func Design(description string) Profile {
	toks := tokenize(description)
	var (
		p                                Profile
		pitch, lnRate, lnRange, lnVolume float64
	)
	// Pending modifiers and how far back they were seen.
	var (
		scale    = 1.0
		negated  bool
		pending  []string
		gap      int
		accentAt = -1 // index just past the last accent word
	)
	reset := func() { scale, negated, pending, gap = 1, false, pending[:0], 0 }

	for i := 0; i < len(toks); {
		en, n := lookup(toks, i)
		if n == 0 {
			i++
			if len(pending) > 0 {
				gap++
				if gap > maxGap {
					reset()
				}
			}
			continue
		}
		start, phrase := i, joinRaw(toks[i:i+n])
		i += n
		switch en.kind {
		case kindIntensifier:
			scale = math.Min(scale*en.scale, maxIntensity)
			pending = append(pending, phrase)
			gap = 0
			continue
		case kindNegator:
			negated = true
			pending = append(pending, phrase)
			gap = 0
			continue
		case kindBreaker:
			reset()
			continue
		}
		e := en.e
		switch {
		case e.categorical() && negated:
			// "not British" names no accent to use instead.
		case toks[start].key == "english" && n == 1 && accentAt == start:
			// "American English" is American, not American then British.
		case accentQualifiers[toks[start].key] && n == 1 && startsAccent(toks, i):
			// "a strong Scottish accent" describes the accent, not the voice.
		default:
			if e.accent != "" {
				accentAt = i
			}
			applyCategories(&p, e)
			k := scale
			if negated {
				k = -0.5 * scale
			}
			pitch += k * e.pitch
			lnRate += k * lnFactor(e.rate)
			lnRange += k * lnFactor(e.rng)
			lnVolume += k * lnFactor(e.volume)
			p.Terms = append(p.Terms, strings.Join(append(pending, phrase), " "))
		}
		reset()
	}

	p.Pitch = round2(clamp(pitch, MinPitch, MaxPitch))
	p.Range = round2(clamp(math.Exp(lnRange), MinRange, MaxRange))
	p.Rate = round2(clamp(math.Exp(lnRate), MinRate, MaxRate))
	p.Volume = round2(clamp(math.Exp(lnVolume), MinVolume, MaxVolume))
	return p
}

// accentQualifiers describe an accent's strength when an accent word
// follows; espeak-ng has one strength per accent, so they are ignored then.
var accentQualifiers = map[string]bool{"strong": true, "light": true, "faint": true}

func startsAccent(toks []token, i int) bool {
	en, n := lookup(toks, i)
	return n > 0 && en.kind == kindEffect && en.e.accent != ""
}

// refines maps an accent to the broader one it is a kind of, so that
// "posh British" stays Received Pronunciation.
var refines = map[string]string{
	AccentRP:       AccentBritish,
	AccentScottish: AccentBritish,
	AccentNorthern: AccentBritish,
	AccentMidlands: AccentBritish,
	AccentNewYork:  AccentAmerican,
}

// applyCategories sets the profile's categories from e: the last word
// wins, except that a broader accent does not replace a narrower one.
func applyCategories(p *Profile, e effect) {
	if e.gender != "" {
		p.Gender = e.gender
	}
	if e.accent != "" && refines[p.Accent] != e.accent {
		p.Accent = e.accent
	}
	switch e.age {
	case "":
	case ageAdult:
		p.Age = ""
	default:
		p.Age = e.age
	}
	switch e.style {
	case "":
	case styleNatural:
		p.Style = ""
	default:
		p.Style = e.style
	}
}

func lnFactor(f float64) float64 {
	if f == 0 {
		return 0
	}
	return math.Log(f)
}

// lookup finds the longest table phrase starting at toks[i] and returns it
// with its length in tokens, or n == 0 for an unknown word.
func lookup(toks []token, i int) (en entry, n int) {
	for n = min(maxPhraseWords, len(toks)-i); n > 0; n-- {
		key := toks[i].key
		if n > 1 {
			keys := make([]string, n)
			for j := range keys {
				keys[j] = toks[i+j].key
			}
			key = strings.Join(keys, " ")
		}
		if en, ok := words[key]; ok {
			return en, n
		}
	}
	return entry{}, 0
}

func joinRaw(toks []token) string {
	if len(toks) == 1 {
		return toks[0].raw
	}
	raws := make([]string, len(toks))
	for i, t := range toks {
		raws[i] = t.raw
	}
	return strings.Join(raws, " ")
}

// token is one word of a description.
type token struct {
	key string // lower case, diacritics folded: what the table is keyed by
	raw string // lower case as written: what Terms echo
}

// tokenize splits s into words of letters and digits. Everything else
// separates words, except apostrophes, which are dropped so that "don't"
// and "dont" are the same word.
func tokenize(s string) []token {
	var (
		toks     []token
		key, raw strings.Builder
	)
	flush := func() {
		if raw.Len() > 0 {
			toks = append(toks, token{key: key.String(), raw: raw.String()})
			key.Reset()
			raw.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ' || r == '‘':
		case unicode.IsMark(r):
			// A combining accent folds away, as a precomposed one does.
			if raw.Len() > 0 {
				raw.WriteRune(r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			raw.WriteRune(r)
			writeFolded(&key, r)
		default:
			flush()
		}
	}
	flush()
	return toks
}

// writeFolded writes r without its diacritics, so that "rapido" finds
// "rápido" and "mannlich" finds "männlich".
func writeFolded(b *strings.Builder, r rune) {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā':
		r = 'a'
	case 'ç':
		r = 'c'
	case 'è', 'é', 'ê', 'ë', 'ē':
		r = 'e'
	case 'ì', 'í', 'î', 'ï':
		r = 'i'
	case 'ñ':
		r = 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō':
		r = 'o'
	case 'ù', 'ú', 'û', 'ü', 'ū':
		r = 'u'
	case 'ý', 'ÿ':
		r = 'y'
	case 'ё':
		r = 'е'
	case 'ß':
		b.WriteString("ss")
		return
	case 'œ':
		b.WriteString("oe")
		return
	case 'æ':
		b.WriteString("ae")
		return
	}
	b.WriteRune(r)
}
