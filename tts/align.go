package tts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/textnorm"
)

// Word timestamps need each spoken word's place in the client's text,
// which normalisation ("Dr. Smith paid $5" → "Doctor Smith paid five
// dollars"), pronunciation dictionaries and SSML change. Parley aligns
// afterwards rather than carrying offsets through every normaliser: the
// source is cut into tokens (runs of non-space, each CJK character alone),
// each token is normalised on its own to learn the words it is likely to
// become, and the spoken words are matched to those expected words in
// order (a longest common subsequence). A matched word takes its token's
// span; the words between two matches share the tokens between them,
// in proportion to the words each token was expected to give, so that
// "five dollars" both point to "$5" and a date's words to the date. A
// dictionary entry, <sub>, <say-as> and <phoneme> are one token each:
// every word they speak points to the whole of it.

// spokenWord is a word of an engine's text: its bytes there, and the span
// of the source it came from, in code points of the generation's text.
type spokenWord struct {
	a, b     int
	src, end int
}

// srcToken is a token of the source: its span in the generation's text
// and its text. dotEnd is end without a final full stop, used when the
// token was read as written (a sentence's last word, not "Dr.").
type srcToken struct {
	text        string
	start, end  int
	dotEnd      int
	fixed, keep bool // fixed: an atom or dictionary entry, spoken whole
}

// maxAlignCells bounds the work of one alignment (spoken words times
// expected words); longer texts share their tokens in proportion.
const maxAlignCells = 1 << 18

// openers and closers are trimmed off a token's span: they belong to no
// word. A final full stop is decided by alignToTokens.
const (
	openers = "\"'([{«“‘¿¡„‚<"
	closers = "\"')]}»”’,;:!?…>"
)

// tokenize cuts text into tokens; pos maps a code point index of text
// (0 to its length) to the generation's text.
func tokenize(text string, pos func(int) int) []srcToken {
	var out []srcToken
	runes := []rune(text)
	for i := 0; i < len(runes); {
		if unicode.IsSpace(runes[i]) {
			i++
			continue
		}
		j := i + 1
		if !cjk(runes[i]) {
			for j < len(runes) && !unicode.IsSpace(runes[j]) && !cjk(runes[j]) {
				j++
			}
		}
		a, b := i, j
		for a < b && strings.ContainsRune(openers, runes[a]) {
			a++
		}
		for b > a && (strings.ContainsRune(closers, runes[b-1]) || runes[b-1] == '.' && b-1 > a && !unicode.IsLetter(runes[b-2])) {
			b-- // a full stop after a letter may be an abbreviation's
		}
		if a < b {
			dot := b
			if runes[b-1] == '.' && b-1 > a {
				dot = b - 1
			}
			out = append(out, srcToken{text: string(runes[a:b]), start: pos(a), end: pos(b), dotEnd: pos(dot)})
		}
		i = j
	}
	return out
}

func cjk(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// key is how words compare: lower case letters, digits and marks.
func key(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// words cuts an engine's text into its words: byte spans of tokens with a
// key, CJK characters one by one.
func words(text string) [][2]int {
	var out [][2]int
	start := -1
	flush := func(end int) {
		if start >= 0 && key(text[start:end]) != "" {
			out = append(out, [2]int{start, end})
		}
		start = -1
	}
	for i, r := range text {
		switch {
		case unicode.IsSpace(r):
			flush(i)
		case cjk(r):
			flush(i)
			out = append(out, [2]int{i, i + utf8.RuneLen(r)})
		case start < 0:
			start = i
		}
	}
	flush(len(text))
	return out
}

// alignToTokens maps the words of spoken, which the tokens became in lang,
// to the tokens' spans; base is added to the words' bytes.
func alignToTokens(spoken string, base int, toks []srcToken, lang protocol.Language) []spokenWord {
	ws := words(spoken)
	if len(ws) == 0 || len(toks) == 0 {
		return nil
	}
	out := make([]spokenWord, len(ws))
	for i, w := range ws {
		out[i].a, out[i].b = base+w[0], base+w[1]
	}
	if len(toks) == 1 {
		for i := range out {
			out[i].src, out[i].end = toks[0].start, toks[0].end
		}
		return out
	}
	// What each token is expected to become, word by word.
	var exp []string
	var owner []int
	count := make([]int, len(toks))
	for t, tok := range toks {
		for _, w := range strings.Fields(textnorm.Normalize(tok.text, lang)) {
			if k := key(w); k != "" {
				exp, owner = append(exp, k), append(owner, t)
				count[t]++
			}
		}
	}
	got := make([]string, len(ws))
	for i, w := range ws {
		got[i] = key(spoken[w[0]:w[1]])
	}
	match := make([]int, len(ws)) // token of the expected word spoken word i matched, or -1
	for i := range match {
		match[i] = -1
	}
	if len(got)*len(exp) <= maxAlignCells {
		lcs(got, exp, func(i, j int) { match[i] = owner[j] })
	}
	verbatim := make([]bool, len(toks))
	for i, t := range match {
		if t >= 0 && got[i] == key(toks[t].text) {
			verbatim[t] = true
		}
	}
	// Words between two matches share the tokens between them.
	prev := -1 // last matched token
	for i := 0; i < len(ws); {
		if match[i] >= 0 {
			prev = match[i]
			i++
			continue
		}
		j := i
		for j < len(ws) && match[j] < 0 {
			j++
		}
		next := len(toks)
		if j < len(ws) {
			next = match[j]
		}
		lo, hi := prev+1, next // candidate tokens [lo, hi)
		if lo >= hi {
			// No token between: the words belong to a neighbour.
			t := prev
			if t < 0 {
				t = min(next, len(toks)-1)
			}
			for k := i; k < j; k++ {
				match[k] = t
			}
		} else {
			share(match[i:j], lo, hi, count)
		}
		i = j
	}
	for i, t := range match {
		tok := toks[t]
		out[i].src, out[i].end = tok.start, tok.end
		if verbatim[t] && !tok.fixed {
			out[i].end = tok.dotEnd
		}
	}
	return out
}

// share gives n words, in order, to the tokens [lo, hi), each in
// proportion to the words it was expected to give (at least one).
func share(match []int, lo, hi int, count []int) {
	total := 0
	for t := lo; t < hi; t++ {
		total += max(count[t], 1)
	}
	n := len(match)
	acc := 0
	t := lo
	for k := range match {
		// Word k's middle, as a fraction of the run, falls in token t's
		// share.
		mid := (2*k + 1) * total
		for t < hi-1 && mid >= 2*n*(acc+max(count[t], 1)) {
			acc += max(count[t], 1)
			t++
		}
		match[k] = t
	}
}

// lcs calls pair for each pair (i, j) of a longest common subsequence of
// a and b, in order.
func lcs(a, b []string, pair func(i, j int)) {
	n, m := len(a), len(b)
	// t[i][j] is the LCS length of a[i:], b[j:].
	t := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &t[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			pair(i, j)
			i++
			j++
		case *at(i+1, j) >= *at(i, j+1):
			i++
		default:
			j++
		}
	}
}

// fixedWords maps every word of spoken to one span: an atom or a
// dictionary entry.
func fixedWords(spoken string, base, start, end int) []spokenWord {
	var out []spokenWord
	for _, w := range words(spoken) {
		out = append(out, spokenWord{a: base + w[0], b: base + w[1], src: start, end: end})
	}
	return out
}

// Word is one word of a segment's timestamps: what was spoken (Text),
// when (Start and End, in samples at 24 kHz from the first sample
// SpeakPrepared emitted for the segment), and the span of the client's
// text it came from (SourceStart and SourceEnd, in code points of the
// generation's text: see Request.SourceOffset). Several words may share
// one span ("five", "dollars" for "$5").
type Word struct {
	Text                   string
	Start, End             int
	SourceStart, SourceEnd int
}

// placer turns one engine call's words (bytes of its text) into Words,
// given the spoken words of the text. Each engine word takes the spoken
// words from where the last one stopped to its own end, so that a word an
// engine runs into the next ("the" in "for the book") is not lost; an
// engine word inside a spoken word that was taken already ("twenty" and
// "five" of "twenty-five") takes that word's span again.
type placer struct {
	text   string
	spoken []spokenWord
	next   int // the first spoken word not taken
}

func (p *placer) place(ews []engineWord, origin int) []Word {
	out := make([]Word, 0, len(ews))
	for _, ew := range ews {
		from := p.next
		for p.next < len(p.spoken) && p.spoken[p.next].a < ew.textEnd {
			p.next++
		}
		taken := p.spoken[from:p.next]
		if len(taken) == 0 {
			for i := from - 1; i >= 0; i-- {
				if sw := p.spoken[i]; sw.a < ew.textEnd && sw.b > ew.textStart {
					taken = p.spoken[i : i+1]
					break
				}
			}
		}
		if len(taken) == 0 {
			continue // punctuation, or nothing the client wrote
		}
		parts := make([]string, 0, len(taken))
		src, end := taken[0].src, taken[0].end
		for _, sw := range taken {
			parts = append(parts, strings.TrimFunc(p.text[sw.a:sw.b], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) }))
			src, end = min(src, sw.src), max(end, sw.end)
		}
		out = append(out, Word{Text: strings.Join(parts, " "), Start: origin + ew.start, End: origin + max(ew.end, ew.start),
			SourceStart: src, SourceEnd: end})
	}
	return out
}

// engineWord is engine.Word without the dependency in the helpers above.
type engineWord struct {
	start, end         int
	textStart, textEnd int
}

// timing passes one engine call's words on as Words, once it knows where
// the call's audio starts in the segment's (settle); words that come
// before are held until then.
type timing struct {
	placer
	sink    func([]Word)
	origin  int // -1 until settled
	pending []engineWord
}

func newTiming(text string, spoken []spokenWord, sink func([]Word)) *timing {
	return &timing{placer: placer{text: text, spoken: spoken}, sink: sink, origin: -1}
}

// words takes the engine's words.
func (t *timing) words(ws []engine.Word) {
	for _, w := range ws {
		t.pending = append(t.pending, engineWord{start: w.Start, end: w.End, textStart: w.TextStart, textEnd: w.TextEnd})
	}
	t.flush()
}

// settle fixes where the call's first sample is in the segment's audio,
// once.
func (t *timing) settle(origin int) {
	if t.origin < 0 {
		t.origin = origin
		t.flush()
	}
}

func (t *timing) flush() {
	if t.origin < 0 || len(t.pending) == 0 {
		return
	}
	ws := t.place(t.pending, t.origin)
	t.pending = t.pending[:0]
	if len(ws) > 0 {
		t.sink(ws)
	}
}
