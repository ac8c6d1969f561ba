package ssml

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parley-voice/parley/protocol"
)

// Style is the prosody and language in force at a point of the text: the
// product of every <prosody>, <emphasis> and xml:lang around it. The zero
// Style is the voice as configured.
type Style struct {
	// Rate multiplies the speaking rate; 0 means 1.
	Rate float64
	// Pitch shifts the pitch, in semitones.
	Pitch float64
	// Volume changes loudness, in dB.
	Volume float64
	// Silent is <prosody volume="silent">: the text takes its time but
	// makes no sound.
	Silent bool
	// Emphasis is the innermost <emphasis> level ("strong", "moderate",
	// "reduced", "none"), or "" outside any; its effect is already in
	// Rate, Pitch and Volume.
	Emphasis string
	// Lang is the innermost xml:lang, or "" for the generation's language.
	Lang protocol.Language
}

// RateFactor is Rate with 0 read as 1.
func (s Style) RateFactor() float64 {
	if s.Rate == 0 {
		return 1
	}
	return s.Rate
}

// Gain is Volume as an amplitude factor: 0 when Silent.
func (s Style) Gain() float64 {
	if s.Silent {
		return 0
	}
	return math.Pow(10, s.Volume/20)
}

// Neutral reports whether s changes nothing about the voice.
func (s Style) Neutral() bool {
	return s.RateFactor() == 1 && s.Pitch == 0 && s.Volume == 0 && !s.Silent && s.Lang == ""
}

// Limits of the prosody values one element may give. Nested elements
// multiply and add; the result is clamped to the same limits, so that no
// markup can push an engine past what it speaks intelligibly.
const (
	MinRate   = 0.5
	MaxRate   = 2.0
	MaxPitch  = 12.0 // semitones either way
	MaxVolume = 20.0 // dB either way
)

// rateWords, pitchWords and volumeWords are the keywords of SSML 1.1
// (section 3.2.4) and what each means here. The rates follow the common
// practice of the large services (x-slow is half speed); the pitch steps
// are three semitones, about what a speaker moves for "higher"; the volume
// steps are 6 dB, twice and half the amplitude.
var (
	rateWords   = map[string]float64{"x-slow": 0.5, "slow": 0.75, "medium": 1, "fast": 1.25, "x-fast": 1.75, "default": 1}
	pitchWords  = map[string]float64{"x-low": -6, "low": -3, "medium": 0, "high": 3, "x-high": 6, "default": 0}
	volumeWords = map[string]float64{"x-soft": -12, "soft": -6, "medium": 0, "loud": 6, "x-loud": 10, "default": 0}
)

// emphasisLevels maps each <emphasis> level to its change of rate, pitch
// (semitones) and volume (dB): a stressed word is slower, higher and
// louder; a reduced one quicker, lower and softer.
var emphasisLevels = map[string][3]float64{
	"strong":   {0.85, 2, 4},
	"moderate": {0.92, 1, 2},
	"reduced":  {1.1, -1, -4},
	"none":     {1, 0, 0},
}

// breakStrengths are the pauses of <break strength>, as the large services
// make them; a <break/> without attributes is medium (SSML 1.1, 3.2.3).
var breakStrengths = map[string]time.Duration{
	"none": 0, "x-weak": 250 * time.Millisecond, "weak": 500 * time.Millisecond,
	"medium": 750 * time.Millisecond, "strong": time.Second, "x-strong": 1250 * time.Millisecond,
}

// prosody is one element's contribution to the Style.
type prosody struct {
	rate, pitch, volume float64 // factor (0: none), semitones, dB
	silent              bool
	emphasis            string
	lang                protocol.Language
}

// style folds the contributions of a stack of elements into a Style.
func style(stack []frame) Style {
	s := Style{Rate: 1}
	for _, f := range stack {
		p := f.prosody
		if p.rate != 0 {
			s.Rate *= p.rate
		}
		s.Pitch += p.pitch
		s.Volume += p.volume
		s.Silent = s.Silent || p.silent
		if p.emphasis != "" {
			s.Emphasis = p.emphasis
		}
		if p.lang != "" {
			s.Lang = p.lang
		}
	}
	if e, ok := emphasisLevels[s.Emphasis]; ok {
		s.Rate *= e[0]
		s.Pitch += e[1]
		s.Volume += e[2]
	}
	s.Rate = clamp(s.Rate, MinRate, MaxRate)
	if s.Rate == 1 {
		s.Rate = 0
	}
	s.Pitch = clamp(s.Pitch, -MaxPitch, MaxPitch)
	s.Volume = clamp(s.Volume, -MaxVolume, MaxVolume)
	return s
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// parseRate reads a <prosody rate>: a keyword, a percentage of the voice's
// rate ("150%"), a relative change ("+20%", "-10%") or a factor ("1.5").
func parseRate(v string) (float64, error) {
	if f, ok := rateWords[v]; ok {
		return f, nil
	}
	var f float64
	switch {
	case strings.HasSuffix(v, "%") && (strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-")):
		n, err := number(v[:len(v)-1])
		if err != nil {
			return 0, err
		}
		f = 1 + n/100
	case strings.HasSuffix(v, "%"):
		n, err := number(v[:len(v)-1])
		if err != nil {
			return 0, err
		}
		f = n / 100
	default:
		n, err := number(v)
		if err != nil {
			return 0, fmt.Errorf("rate %q is not x-slow, slow, medium, fast, x-fast, a percentage (\"150%%\", \"+20%%\") or a factor (\"1.5\")", v)
		}
		f = n
	}
	if f < MinRate || f > MaxRate {
		return 0, fmt.Errorf("rate %q is outside %g%% to %g%% of the voice's rate", v, MinRate*100, MaxRate*100)
	}
	return f, nil
}

// parsePitch reads a <prosody pitch>: a keyword, semitones ("+2st",
// "-3st") or a relative change of frequency ("+10%"). Hertz are not
// accepted: they need the voice's own pitch, which differs by engine.
func parsePitch(v string) (float64, error) {
	if f, ok := pitchWords[v]; ok {
		return f, nil
	}
	var st float64
	switch {
	case strings.HasSuffix(v, "st"):
		n, err := number(v[:len(v)-2])
		if err != nil {
			return 0, err
		}
		st = n
	case strings.HasSuffix(v, "%") && (strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-")):
		n, err := number(v[:len(v)-1])
		if err != nil || n <= -100 {
			return 0, fmt.Errorf("pitch %q is not a change above -100%%", v)
		}
		st = 12 * math.Log2(1+n/100)
	case strings.HasSuffix(strings.ToLower(v), "hz"):
		return 0, fmt.Errorf("pitch %q: hertz are not supported; use semitones (\"+2st\") or a percentage (\"+10%%\")", v)
	default:
		return 0, fmt.Errorf("pitch %q is not x-low, low, medium, high, x-high, semitones (\"+2st\") or a percentage (\"+10%%\")", v)
	}
	if math.Abs(st) > MaxPitch {
		return 0, fmt.Errorf("pitch %q is more than %g semitones from the voice's", v, MaxPitch)
	}
	return st, nil
}

// parseVolume reads a <prosody volume>: a keyword, "silent", or decibels
// ("+6dB", "-3dB").
func parseVolume(v string) (db float64, silent bool, err error) {
	if v == "silent" {
		return 0, true, nil
	}
	if f, ok := volumeWords[v]; ok {
		return f, false, nil
	}
	if !strings.HasSuffix(strings.ToLower(v), "db") {
		return 0, false, fmt.Errorf("volume %q is not silent, x-soft, soft, medium, loud, x-loud or decibels (\"+6dB\")", v)
	}
	n, err := number(v[:len(v)-2])
	if err != nil {
		return 0, false, err
	}
	if math.Abs(n) > MaxVolume {
		return 0, false, fmt.Errorf("volume %q is more than %g dB from the voice's", v, MaxVolume)
	}
	return n, false, nil
}

// parseBreak reads <break time>: "500ms", "1.5s".
func parseBreak(v string, limit time.Duration) (time.Duration, error) {
	var unit time.Duration
	var num string
	switch {
	case strings.HasSuffix(v, "ms"):
		unit, num = time.Millisecond, v[:len(v)-2]
	case strings.HasSuffix(v, "s"):
		unit, num = time.Second, v[:len(v)-1]
	default:
		return 0, fmt.Errorf("time %q is not a duration: write \"500ms\" or \"1.5s\"", v)
	}
	n, err := number(num)
	if err != nil || n < 0 || strings.HasPrefix(num, "+") {
		return 0, fmt.Errorf("time %q is not a duration: write \"500ms\" or \"1.5s\"", v)
	}
	d := time.Duration(math.Round(n * float64(unit)))
	if n*float64(unit) > float64(limit) {
		return 0, fmt.Errorf("time %q is longer than the longest break, %v", v, limit)
	}
	return d, nil
}

// number parses a decimal number as SSML writes them: digits with an
// optional sign and fraction, nothing else (no exponents, no "NaN").
func number(s string) (float64, error) {
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	digits, dots := 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	if digits == 0 || dots > 1 || len(t) > 12 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.ParseFloat(s, 64)
}

// ParseLanguageTag maps a language tag ("fr-FR", "en", "zh-Hans") to the
// protocol language it names, by its primary subtag.
func ParseLanguageTag(tag string) (protocol.Language, error) {
	if l, ok := protocol.LanguageOfTag(tag); ok {
		return l, nil
	}
	return "", fmt.Errorf("language %q is not one Parley speaks: use en, es, pt, de, fr, it, zh, ja, ko or ru (with any region)", tag)
}
