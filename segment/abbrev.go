package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// period says what a full stop after a word means.
type period uint8

const (
	// periodEnds: an ordinary word; followed by whitespace, the sentence ends.
	periodEnds period = iota
	// periodContinues: the word is an abbreviation that is (nearly) always
	// followed by more of the same sentence: titles before names, "e.g.",
	// initials. Never a boundary. Missing a real sentence end only makes a
	// segment longer, which costs less than a break in mid-sentence.
	periodContinues
	// periodAmbiguous: an abbreviation that often ends a sentence ("etc.",
	// "Inc.", "a.m."). Decided by the next word: a lowercase letter or a
	// digit means the sentence goes on; anything else ends it.
	periodAmbiguous
)

// abbrevList holds space-separated abbreviations, each without its final
// period (inner periods kept: "e.g").
type abbrevList struct{ continues, ambiguous string }

// baseAbbrevs apply to every language: English and Latin abbreviations turn up
// in LLM output whatever language it is in.
var baseAbbrevs = abbrevList{
	continues: "Mr Mrs Ms Mx Messrs Dr Prof St Mt Ft Jr Sr Gen Gov Sen Rep Rev Capt Col Lt Sgt Hon " +
		"vs e.g i.e cf approx ca Fig fig Vol vol Nos pp",
	ambiguous: "etc No Inc Ltd Co Corp Bros A.M P.M " +
		"Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Ave Blvd Rd dept est",
}

var langAbbrevs = map[protocol.Language]abbrevList{
	// German capitalises nouns, so "the next word is capitalised" says little:
	// abbreviations that usually precede a noun are listed as continuing.
	protocol.German: {
		continues: "z.B d.h u.a bzw ca Nr Hr Fr Hrn Dipl Ing sog vgl evtl ggf inkl exkl zzgl Mio Mrd Tel Str",
		ambiguous: "usw Jh",
	},
	protocol.Spanish: {
		continues: "Sra Srta Sres Dra Dña Lic Ing Arq núm pág aprox Av Avda Ud Uds Vd Vds",
	},
	protocol.Portuguese: {
		continues: "Sra Srta Dra Exmo Exma Av pág nº",
	},
	protocol.French: {
		continues: "MM Mme Mlle Mmes Pr Ste av bd boul",
	},
	protocol.Italian: {
		continues: "Sig Sigg Sig.ra Sig.na Dott Dott.ssa Avv Ing Geom Egr Gent pag",
		ambiguous: "ecc",
	},
	protocol.Russian: {
		continues: "т.е т.к т.н см ул им проф акад стр рис",
		ambiguous: "т.д т.п др млн млрд тыс руб",
	},
}

// abbrevTables maps each language, and Auto, to its table. Auto merges all
// languages; where they disagree, "continues" wins, for the reason given at
// periodContinues.
var abbrevTables = func() map[protocol.Language]map[string]period {
	add := func(t map[string]period, l abbrevList) {
		for _, w := range strings.Fields(l.ambiguous) {
			if t[w] != periodContinues {
				t[w] = periodAmbiguous
			}
		}
		for _, w := range strings.Fields(l.continues) {
			t[w] = periodContinues
		}
	}
	tables := make(map[protocol.Language]map[string]period)
	auto := make(map[string]period)
	add(auto, baseAbbrevs)
	for _, lang := range protocol.Languages {
		t := make(map[string]period)
		add(t, baseAbbrevs)
		add(t, langAbbrevs[lang])
		add(auto, langAbbrevs[lang])
		tables[lang] = t
	}
	tables[protocol.Auto] = auto
	return tables
}()

// maxWordBytes bounds the look-back for the word before a period. Every
// abbreviation is shorter; anything longer (a URL, a long word) is an ordinary
// word, and the bound keeps a dot-heavy URL from costing quadratic time.
const maxWordBytes = 24

// classifyWord decides what a period after word means. word is the run of
// letters, digits and inner periods right before the period.
func classifyWord(word []byte, table map[string]period, lang protocol.Language) period {
	if p, ok := table[string(word)]; ok {
		return p
	}
	first, size := utf8.DecodeRune(word)
	if unicode.IsUpper(first) {
		// Sentence-initial capital on a lowercase abbreviation: "E.g.", "Approx.".
		var buf [maxWordBytes + utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], unicode.ToLower(first))
		n += copy(buf[n:], word[size:])
		if p, ok := table[string(buf[:n])]; ok {
			return p
		}
	}
	if allDigits(word) {
		if lang == protocol.German {
			return periodContinues // an ordinal: "am 3. Mai"
		}
		return periodEnds
	}
	if size == len(word) { // a single letter
		switch {
		case unicode.IsUpper(first):
			return periodContinues // an initial: "J. K. Rowling"
		case unicode.IsLower(first):
			return periodAmbiguous // "p. 5", "в 2020 г. мы"
		}
		return periodEnds
	}
	if dotted(word) {
		if unicode.IsUpper(first) {
			// "U.S.", "U.K.", but also initials run together: "J.K. Rowling".
			return periodContinues
		}
		return periodAmbiguous // "a.m.", "p.m."
	}
	return periodEnds
}

func allDigits(word []byte) bool {
	for _, b := range word {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// dotted reports whether word is two or more groups of one or two letters
// joined by periods ("U.S", "a.m", "Ph.D"): the shape of an initialism, not
// of a domain name or a decimal.
func dotted(word []byte) bool {
	groups, letters := 1, 0
	for _, r := range string(word) {
		switch {
		case r == '.':
			if letters == 0 {
				return false
			}
			groups, letters = groups+1, 0
		case unicode.IsLetter(r):
			letters++
			if letters > 2 {
				return false
			}
		default:
			return false
		}
	}
	return groups > 1 && letters > 0
}
