package segment

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// op is one call in a scripted session.
type op struct {
	kind opKind
	text string // for opPush
}

type opKind uint8

const (
	opPush opKind = iota
	opFlush
	opReset
)

// These restate PROTOCOL.md's punctuation independently of the package's
// tables, so that the checks below are an oracle rather than a copy.
const (
	testCJKMarks     = "。！？，、；："
	testCJKClosers   = "\"')]}”’»›」』）】》〉〕〗〙〛］｝＂＇"
	testASCIIClosers = testCJKClosers + "“‘«‹"
	testGlue         = "\u00a0\u2007\u202f"
)

func isBreakSpace(r rune) bool { return unicode.IsSpace(r) && !strings.ContainsRune(testGlue, r) }

// checkSession runs ops on a Segmenter with cfg and checks, after every call:
// the concatenation invariant (segments are successive prefixes of the
// unspoken text, Reset drops exactly the unspoken text); Push segments are
// non-empty and end where the rules allow, with the character that confirmed
// the boundary already pushed; Len counts the unspoken code points; no rule
// is left unapplied (see settled); and the segments are the same as when each
// generation's text arrives as a single token.
func checkSession(t *testing.T, cfg Config, ops []op) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var (
		unspoken  string   // pushed, not yet returned or dropped
		spokenGen bool     // a Push segment came out in this generation
		got, want []string // since the last Flush or Reset, and from ref
		merged    strings.Builder
	)
	compare := func(i int) {
		want = append(want, ref.Push(merged.String())...)
		merged.Reset()
		if !slices.Equal(got, want) {
			t.Fatalf("op %d: token-by-token gave %q, one token per generation gave %q", i, got, want)
		}
		got, want = got[:0], want[:0]
	}
	for i, o := range ops {
		switch o.kind {
		case opPush:
			unspoken += o.text
			merged.WriteString(o.text)
			for _, seg := range s.Push(o.text) {
				if seg == "" {
					t.Fatalf("op %d: Push returned an empty segment", i)
				}
				if !strings.HasPrefix(unspoken, seg) {
					t.Fatalf("op %d: segment %q is not a prefix of the unspoken text %q", i, seg, unspoken)
				}
				unspoken = unspoken[len(seg):]
				checkCut(t, i, seg, unspoken)
				got = append(got, seg)
				spokenGen = true
			}
			settled(t, i, cfg, unspoken, !spokenGen)
		case opFlush:
			out := s.Flush()
			switch {
			case unspoken == "" && len(out) != 0:
				t.Fatalf("op %d: Flush of an empty buffer returned %q", i, out)
			case unspoken != "" && !slices.Equal(out, []string{unspoken}):
				t.Fatalf("op %d: Flush returned %q, want [%q]", i, out, unspoken)
			}
			compare(i)
			if refOut := ref.Flush(); !slices.Equal(out, refOut) {
				t.Fatalf("op %d: Flush gave %q, one token per generation gave %q", i, out, refOut)
			}
			unspoken, spokenGen = "", false
		case opReset:
			compare(i)
			s.Reset()
			ref.Reset()
			unspoken, spokenGen = "", false
		}
		if n := utf8.RuneCountInString(unspoken); s.Len() != n {
			t.Fatalf("op %d: Len() = %d, want %d", i, s.Len(), n)
		}
	}
}

// checkCut checks that a Push segment ends at a boundary the rules allow:
// before whitespace (sentence end, clause break, word break; no-break spaces
// may come first: "Fin.\u00a0 Puis"), or after CJK
// punctuation and its closers (no-break spaces may sit between them). rest, the text after it, must hold the
// character that confirmed the boundary.
func checkCut(t *testing.T, i int, seg, rest string) {
	t.Helper()
	if !utf8.FullRuneInString(rest) {
		t.Fatalf("op %d: segment %q was cut before the next character arrived", i, seg)
	}
	next, _ := utf8.DecodeRuneInString(rest)
	if after, _ := utf8.DecodeRuneInString(strings.TrimLeft(rest, testGlue)); isBreakSpace(after) {
		return
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(seg, testCJKClosers+testGlue))
	if !strings.ContainsRune(testCJKMarks, last) {
		t.Fatalf("op %d: segment %q ends inside a word (next is %q)", i, seg, next)
	}
}

// settled checks that no rule still applies to the unspoken text after a
// Push: with MinChars code points, no unambiguous sentence end or clause
// break remains (! ? , ; : and the CJK marks have no exceptions); with
// MaxChars, no word break; and while the first segment is pending, no such
// boundary ends a segment of FirstMinChars.
func settled(t *testing.T, i int, cfg Config, unspoken string, first bool) {
	t.Helper()
	runes := []rune(complete(unspoken))
	n := len(runes)
	for j := 1; j < n; j++ {
		if n >= cfg.MaxChars && isBreakSpace(runes[j]) && !isBreakSpace(runes[j-1]) {
			t.Fatalf("op %d: %d code points buffered, yet a word break remains in %q", i, n, unspoken)
		}
	}
	for j, r := range runes {
		end, ok := boundaryAfter(runes, j)
		if !ok {
			continue
		}
		if n >= cfg.MinChars {
			t.Fatalf("op %d: %d code points buffered, yet %q ends a sentence or clause in %q", i, n, r, unspoken)
		}
		if first && cfg.FirstMinChars > 0 && end >= cfg.FirstMinChars {
			t.Fatalf("op %d: first segment pending, yet %q ends %d code points in %q", i, r, end, unspoken)
		}
	}
}

// boundaryAfter reports whether runes[j] is a mark that has certainly become
// a boundary, and where that boundary ends.
func boundaryAfter(runes []rune, j int) (int, bool) {
	r := runes[j]
	cjk := strings.ContainsRune(testCJKMarks, r)
	if !cjk && !strings.ContainsRune("!?,;:", r) {
		return 0, false
	}
	closers := testASCIIClosers
	if cjk {
		closers = testCJKClosers
	}
	end := j + 1
	for k := j + 1; k < len(runes); k++ {
		switch c := runes[k]; {
		case strings.ContainsRune(closers, c):
			end = k + 1
		case strings.ContainsRune(testGlue, c):
		case isBreakSpace(c):
			return end, true
		case cjk && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			return end, true
		default:
			return 0, false
		}
	}
	return 0, false
}

// complete drops an incomplete UTF-8 sequence at the end of s: the
// Segmenter has not scanned it yet.
func complete(s string) string {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(s); k++ {
		if utf8.RuneStart(s[len(s)-k]) {
			if !utf8.FullRuneInString(s[len(s)-k:]) {
				return s[:len(s)-k]
			}
			break
		}
	}
	return s
}

// fuzzConfig derives a valid Config from one byte: the first-segment
// threshold, the language, and whether thresholds are tiny so that every rule
// fires often on short inputs.
func fuzzConfig(sel uint8) Config {
	cfg := DefaultConfig()
	cfg.FirstMinChars = []int{0, 20, 5, 1}[sel&3]
	langs := append([]protocol.Language{protocol.Auto}, protocol.Languages...)
	cfg.Language = langs[int(sel>>2&31)%len(langs)]
	if sel&0x80 != 0 {
		cfg.MinChars, cfg.MaxChars = 6, 16
		cfg.FirstMinChars = min(cfg.FirstMinChars, cfg.MinChars)
	}
	return cfg
}
