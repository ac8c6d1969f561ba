package pronounce

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Lexicon is up to MaxPerRequest dictionaries compiled for lookup: a trie
// of their entries' texts, folded to lower case with white space as one
// space, one for each language and one for the entries of every language.
// It is read-only once compiled and safe for concurrent use.
type Lexicon struct {
	all   *node
	langs map[protocol.Language]*node
}

type node struct {
	next map[rune]*node
	ends []*compiled // entries whose text ends here, first dictionary first
}

type compiled struct {
	Entry
	prio       int  // dictionary order, then entry order
	firstAlnum bool // needs a word boundary before it
	lastAlnum  bool // needs a word boundary after it
}

// Compile builds the Lexicon of dicts, which must be valid; where two
// entries match the same text, the one of the earlier dictionary wins.
func Compile(dicts ...Dictionary) *Lexicon {
	l := &Lexicon{all: &node{}, langs: map[protocol.Language]*node{}}
	prio := 0
	for _, d := range dicts {
		root := l.all
		if d.Language != "" {
			if l.langs[d.Language] == nil {
				l.langs[d.Language] = &node{}
			}
			root = l.langs[d.Language]
		}
		for _, e := range d.Entries {
			first, _ := utf8.DecodeRuneInString(e.Text)
			last, _ := utf8.DecodeLastRuneInString(e.Text)
			c := &compiled{Entry: e, prio: prio, firstAlnum: alnum(first), lastAlnum: alnum(last)}
			prio++
			n := root
			for _, r := range fold(e.Text) {
				if n.next == nil {
					n.next = map[rune]*node{}
				}
				child := n.next[r]
				if child == nil {
					child = &node{}
					n.next[r] = child
				}
				n = child
			}
			n.ends = append(n.ends, c)
		}
	}
	return l
}

// fold is the form texts are matched in: lower case, white space runs as
// one space.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func alnum(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Run is a piece of text: either text no entry matched (Entry nil), or
// the text an entry matched, to be spoken as the entry says.
type Run struct {
	Text  string
	Entry *Entry
}

// Apply cuts text into runs, matching the entries of the dictionaries for
// lang and for every language: at each place, the longest entry that
// matches whole words (an entry that starts or ends with a letter or digit
// needs a non-letter, or the text's edge, beside it), in any case unless
// the entry is case-sensitive, with any white space where the entry has a
// space. Text no entry matches comes back as it was, so the runs'
// concatenation is text. A nil Lexicon matches nothing.
func (l *Lexicon) Apply(text string, lang protocol.Language) []Run {
	if l == nil || text == "" {
		return []Run{{Text: text}}
	}
	roots := []*node{l.all}
	if n := l.langs[lang]; n != nil {
		roots = append(roots, n)
	}
	var out []Run
	from := 0
	prev := rune(-1)
	for i := 0; i < len(text); {
		var best *compiled
		bestEnd := 0
		for _, root := range roots {
			if c, end := walk(root, text, i, prev); c != nil && (end > bestEnd || end == bestEnd && c.prio < best.prio) {
				best, bestEnd = c, end
			}
		}
		if best != nil {
			if from < i {
				out = append(out, Run{Text: text[from:i]})
			}
			e := best.Entry
			out = append(out, Run{Text: text[i:bestEnd], Entry: &e})
			prev, _ = utf8.DecodeLastRuneInString(text[:bestEnd])
			i, from = bestEnd, bestEnd
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		prev = r
		i += size
	}
	if from < len(text) || len(out) == 0 {
		out = append(out, Run{Text: text[from:]})
	}
	return out
}

// walk finds the best entry of the trie at root that matches text from i,
// where prev is the rune before i (-1 at the start).
func walk(root *node, text string, i int, prev rune) (*compiled, int) {
	var best *compiled
	bestEnd := 0
	n, j := root, i
	for j < len(text) && n.next != nil {
		r, size := utf8.DecodeRuneInString(text[j:])
		var key rune
		if unicode.IsSpace(r) {
			key = ' '
			for j < len(text) {
				r, size := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsSpace(r) {
					break
				}
				j += size
			}
		} else {
			key = unicode.ToLower(r)
			j += size
		}
		if n = n.next[key]; n == nil {
			break
		}
		for _, c := range n.ends {
			if fits(c, text, i, j, prev) {
				if best == nil || j > bestEnd {
					best, bestEnd = c, j
				}
				break // ends are in priority order
			}
		}
	}
	return best, bestEnd
}

// fits checks a candidate's word boundaries and case.
func fits(c *compiled, text string, i, j int, prev rune) bool {
	if c.firstAlnum && prev >= 0 && alnum(prev) {
		return false
	}
	if next, _ := utf8.DecodeRuneInString(text[j:]); c.lastAlnum && j < len(text) && alnum(next) {
		return false
	}
	return !c.CaseSensitive || strings.Join(strings.Fields(text[i:j]), " ") == c.Text
}
