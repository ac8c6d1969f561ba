package turn

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestHeardText(t *testing.T) {
	two := []Segment{{"Hello there.", ms(1000), true}, {" How are you?", ms(1000), true}}
	tests := []struct {
		name   string
		segs   []Segment
		played int64
		want   string
	}{
		{"no segments", nil, 1000, ""},
		{"nothing played", two, 0, ""},
		{"negative", two, -5, ""},
		{"first word unfinished", []Segment{{"Hello wonderful world", ms(2000), true}}, 100, ""},
		{"mid-word cut back", []Segment{{"Hello wonderful world", ms(2000), true}}, 1000, "Hello"},
		{"cut right after a word", []Segment{{"Hello wonderful world", ms(2000), true}}, 500, "Hello"},
		{"cut after the space", []Segment{{"Hello wonderful world", ms(2000), true}}, 600, "Hello"},
		{"two words", []Segment{{"Hello wonderful world", ms(2000), true}}, 1550, "Hello wonderful"},
		{"punctuation is part of the word", two, 999, "Hello"},
		{"exactly the first segment", two, 1000, "Hello there."},
		{"just into the second", two, 1001, "Hello there."},
		{"almost all", two, 1999, "Hello there. How are"},
		{"exactly all", two, 2000, "Hello there. How are you?"},
		{"beyond the end", two, 60000, "Hello there. How are you?"},
		{"Chinese by characters", []Segment{{"今天天气很好。", ms(1400), true}}, 700, "今天天"},
		{"Chinese before the final stop", []Segment{{"今天天气很好。", ms(1400), true}}, 1399, "今天天气很好"},
		{"Chinese, less than a character", []Segment{{"今天天气很好。", ms(1400), true}}, 100, ""},
		{"Japanese kana", []Segment{{"こんにちは", ms(1000), true}}, 500, "こん"},
		{"mixed scripts, Latin word cut back", []Segment{{"我喜欢Go语言", ms(700), true}}, 450, "我喜欢"},
		{"mixed scripts, Latin word whole", []Segment{{"我喜欢Go语言", ms(700), true}}, 550, "我喜欢Go"},
		{"empty text first", []Segment{{"", 0, true}, {"Hi there", ms(800), true}}, 400, "Hi"},
		{"only empty text", []Segment{{"", 0, true}}, 100, ""},
		{"silent segment not reached", []Segment{{"One.", ms(500), true}, {" Two.", 0, true}, {" Three.", ms(500), true}}, 500, "One."},
		{"silent segment passed", []Segment{{"One.", ms(500), true}, {" Two.", 0, true}, {" Three.", ms(500), true}}, 900, "One. Two."},
		{"leading space only", []Segment{{" Hello", ms(600), true}}, 300, ""},
		{"finished segment, all played", []Segment{{"Hello there my friend", ms(300), true}}, 300, "Hello there my friend"},
		// 21 characters at the default 65 ms are 1365 ms, so 300 ms is
		// four characters, not the whole segment.
		{"unfinished segment, estimated length", []Segment{{"Hello there my friend", ms(300), false}}, 300, ""},
		{"unfinished segment, longer audio than estimate", []Segment{{"Hi.", ms(1000), false}}, 500, ""},
		{"unfinished segment, its audio played", []Segment{{"Hi.", ms(1000), false}}, 1000, "Hi."},
		// The first segment took twice the nominal time, so the second is
		// estimated at 1690 ms, and 845 ms into it is half its characters.
		{"unfinished segment at the voice's own rate", []Segment{{"Hello there.", ms(1560), true}, {" How are you?", ms(200), false}}, 2405, "Hello there. How"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HeardText(tt.segs, tt.played); got != tt.want {
				t.Fatalf("HeardText(%v, %d) = %q, want %q", tt.segs, tt.played, got, tt.want)
			}
		})
	}
}

// FuzzHeardText checks that the heard text is a prefix of the answer that
// never ends inside a word (unless at the end of a segment played whole:
// segments are cut between words) and only grows as playback goes on.
func FuzzHeardText(f *testing.F) {
	f.Add("Hello there. How are you?", "今天天气很好。", int64(1000), int64(700), true, int64(400), int64(900))
	f.Add("", " a", int64(0), int64(5), false, int64(0), int64(1))
	f.Fuzz(func(t *testing.T, a, b string, durA, durB int64, doneB bool, p1, p2 int64) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		segs := []Segment{{a, ms(int(durA % 1e7)), true}, {b, ms(int(durB % 1e7)), doneB}}
		whole := a + b
		if p1 > p2 {
			p1, p2 = p2, p1
		}
		h1, h2 := HeardText(segs, p1), HeardText(segs, p2)
		for _, h := range []string{h1, h2} {
			if !strings.HasPrefix(whole, h) {
				t.Fatalf("%q is not a prefix of %q", h, whole)
			}
			rest := []rune(whole[len(h):])
			if h != "" && len(rest) > 0 && h != strings.TrimRightFunc(a, unicode.IsSpace) {
				last, _ := utf8.DecodeLastRuneInString(h)
				if !boundary(last, rest[0]) {
					t.Fatalf("%q ends inside a word of %q", h, whole)
				}
			}
		}
		if !strings.HasPrefix(h2, h1) {
			t.Fatalf("heard %q at %d ms but %q at %d ms", h1, p1, h2, p2)
		}
	})
}
