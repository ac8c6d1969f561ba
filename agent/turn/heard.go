package turn

import (
	"strings"
	"time"
	"unicode"
)

// Segment is one piece of an answer as sent to TTS, with the audio it
// produced.
type Segment struct {
	// Text is the segment as the segmenter cut it, leading space included,
	// so that the answer is the concatenation of its segments.
	Text string
	// Duration is the audio received for it so far.
	Duration time.Duration
	// Done means TTS has finished the segment, so Duration is its whole
	// length. Until then it is only a lower bound.
	Done bool
}

// Speaking rates assumed for a segment whose audio is still arriving, when
// no finished segment shows the voice's own rate: about 15 characters a
// second for alphabetic text, 5 for Chinese and Japanese.
const (
	charDuration = 65 * time.Millisecond
	cjkDuration  = 180 * time.Millisecond
)

// HeardText returns the part of an answer the user heard once playedMS
// milliseconds of its audio had been played: every segment played to its
// end, then, of the segment being played, the share of its characters
// equal to the share of its audio played, cut back to the last word
// boundary so that no word is cut. Text without spaces between words
// (Chinese, Japanese) is cut between any two of its characters. Trailing
// space is trimmed, so the result is always a prefix of the concatenated
// segment texts.
//
// A segment whose audio is still arriving is assumed to last at least as
// long as its text takes to say at the rate the finished segments show,
// since taking the audio received so far as its length would overstate
// what was heard.
func HeardText(segments []Segment, playedMS int64) string {
	if playedMS <= 0 {
		return ""
	}
	played := msDuration(playedMS)
	scale := speechScale(segments)
	var b strings.Builder
	var start time.Duration
	for _, s := range segments {
		d := max(s.Duration, 0)
		if !s.Done {
			d = max(d, scaled(nominalDuration(s.Text), scale))
		}
		end := addSat(start, d)
		// Text with no audio counts as heard only once audio after it has
		// played.
		if played >= end && played > start {
			b.WriteString(s.Text)
			start = end
			continue
		}
		if played > start {
			b.WriteString(wordPrefix(s.Text, float64(played-start)/float64(d)))
		}
		break
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// msDuration converts milliseconds, saturating rather than overflowing.
func msDuration(ms int64) time.Duration {
	return time.Duration(min(ms, int64(maxDuration/time.Millisecond))) * time.Millisecond
}

const maxDuration = time.Duration(1<<63 - 1)

func addSat(a, b time.Duration) time.Duration {
	if a > maxDuration-b {
		return maxDuration
	}
	return a + b
}

func scaled(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	if v >= float64(maxDuration) {
		return maxDuration
	}
	return time.Duration(v)
}

// speechScale is how much slower than the nominal rates the finished
// segments were spoken, 1 when none tells.
func speechScale(segments []Segment) float64 {
	var audio, nominal time.Duration
	for _, s := range segments {
		if s.Done && s.Duration > 0 {
			audio = addSat(audio, s.Duration)
			nominal = addSat(nominal, nominalDuration(s.Text))
		}
	}
	if audio <= 0 || nominal <= 0 {
		return 1
	}
	return float64(audio) / float64(nominal)
}

func nominalDuration(text string) time.Duration {
	var d time.Duration
	for _, r := range text {
		if isCJK(r) {
			d += cjkDuration
		} else {
			d += charDuration
		}
	}
	return d
}

// wordPrefix returns the longest prefix of text ending at a word boundary
// and holding at most share of its characters.
func wordPrefix(text string, share float64) string {
	runes := []rune(text)
	k := min(max(int(share*float64(len(runes))), 0), len(runes))
	for k > 0 && k < len(runes) && !boundary(runes[k-1], runes[k]) {
		k--
	}
	return string(runes[:k])
}

// boundary reports whether a word may end between a and b.
func boundary(a, b rune) bool {
	return unicode.IsSpace(a) || unicode.IsSpace(b) || isCJK(a) || isCJK(b)
}

// isCJK reports scripts written without spaces between words, whose
// characters are each a unit of speech.
func isCJK(r rune) bool {
	// Below U+2E80 (CJK Radicals Supplement) there is none of them.
	return r >= 0x2e80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}
