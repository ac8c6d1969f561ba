package voice

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// GenderThresholdHz divides male from female reference voices by median
// F0. Adult male speech centres around 85–155 Hz and female around
// 165–255 Hz; a voice below the threshold is matched with the language's
// male engine voice shifted up, one at or above it with the female voice
// shifted down.
const GenderThresholdHz = 160

// minMatchedRange keeps a matched profile off Range 0, which engine.Voice
// reads as "the voice's own range" rather than as monotone. It is the
// narrowest range calibrated.
const minMatchedRange = 0.1

// Match picks the voice parameters closest to an analysed reference for
// lang, without knowing what the reference says: the gender from MedianF0
// (see GenderThresholdHz), the engine voice VoiceFor gives that gender in
// lang, and the pitch shift, range and rate that bring that voice's
// measured median F0, F0 spread and speech rate (the calibration table in
// the package documentation) to the reference's. Accent, age and style are
// left unspecified, so VoiceFor's defaults apply; volume is 1, because a
// recording's level says nothing about the voice. Parameters are clamped
// to the Profile limits (range to at least 0.1) and rounded to two
// decimals. The same Analysis always gives the same Profile. Figures that
// are zero or not finite (an Analysis not made by Analyze) leave their
// parameter neutral and the gender the default voice's.
//
// The rate compares syllable nuclei per second, which depend on the voice
// and on what is said as much as on how fast, so it is a guess, held to
// 0.8–1.25; MatchText, given the words of the reference, measures it. The
// shifts are relative to lang's voice: the profile spoken in another
// language applies the same shifts to that language's voice.
func Match(a Analysis, lang protocol.Language) Profile {
	p := Profile{Range: 1, Rate: 1, Volume: 1}
	switch {
	case !positive(a.MedianF0):
		p.Gender = Default().Gender
	case a.MedianF0 < GenderThresholdHz:
		p.Gender = GenderMale
	default:
		p.Gender = GenderFemale
	}
	b, ok := baseFor(p.VoiceFor(lang))
	if !ok {
		return p
	}
	if s := a.F0Spread(); positive(s) {
		p.Range = matchedRange(rangeFor(b.Ranges, s))
	}
	if positive(a.MedianF0) {
		p.Pitch = round2(clamp(12*math.Log2(a.MedianF0/b.MedianF0)-shiftAt(b.Ranges, p.Range), MinPitch, MaxPitch))
	}
	if positive(a.SpeechRate) {
		p.Rate = round2(clamp(a.SpeechRate/b.SpeechRate, minGuessedRate, maxGuessedRate))
	}
	return p
}

// Match's rate without the reference's words is held within these: a
// wider swing of the nuclei ratio is more likely a difference between
// voices and texts than between speaking rates (see the package
// documentation for what was measured).
const (
	minGuessedRate = 0.8
	maxGuessedRate = 1.25
)

// MaxRefText bounds the reference text MatchText speaks, in characters.
const MaxRefText = protocol.MaxBufferChars

// MaxRefTextPerSecond bounds the reference text by the length of its
// recording, in characters per second: faster than anyone speaks (about 15
// in English), so that a short recording cannot come with a long text,
// which MatchText speaks up to four times.
const MaxRefTextPerSecond = 30

// CheckRefText returns an error wrapping ErrRefText if refText cannot be
// what d of reference audio says: more than MaxRefText characters, or more
// than MaxRefTextPerSecond for each second of d.
func CheckRefText(refText string, d time.Duration) error {
	n := utf8.RuneCountInString(refText)
	if n > MaxRefText {
		return fmt.Errorf("%w: %d characters, at most %d", ErrRefText, n, MaxRefText)
	}
	if limit := int(MaxRefTextPerSecond * d.Seconds()); n > limit {
		return fmt.Errorf("%w: %d characters for %.1f s of audio, at most %d", ErrRefText, n, d.Seconds(), limit)
	}
	return nil
}

// MatchText is Match refined by the words of the reference: it speaks
// refText in lang with Match's profile through s, measures the result with
// Analyze, and corrects the pitch, range and rate by how far that
// measurement is from the reference's. Speaking the same words makes the
// rate a comparison of durations of the same content, which Match cannot
// make. refText must be what the reference says, in lang, and pass
// CheckRefText; a transcript that does not match the audio gives a wrong
// rate. Auto and unknown languages are spoken as English, as
// VoiceFor treats them. An empty refText gives Match's profile. The cost
// is three or four syntheses of refText.
func MatchText(ctx context.Context, s engine.Synthesizer, a Analysis, refText string, lang protocol.Language) (Profile, error) {
	if _, ok := espeakVoices[lang]; !ok {
		lang = protocol.English
	}
	p := Match(a, lang)
	if strings.TrimSpace(refText) == "" {
		return p, nil
	}
	if err := CheckRefText(refText, a.Duration); err != nil {
		return Profile{}, err
	}
	if !positive(a.MedianF0) || a.Speech <= 0 {
		return Profile{}, errors.New("voice: reference analysis has no pitch or speech; use Analyze")
	}
	v := p.VoiceFor(lang)
	b, _ := baseFor(v)
	// Refine at the voice's own range first: espeak-ng's intonation
	// changes with pitch and rate, so the reference's F0 spread over the
	// voice's is only the range once both are close. The range then stays
	// fixed, the pitch undoes the median's shift at that range, and later
	// syntheses correct pitch and rate, which respond in proportion.
	p.Pitch = round2(clamp(p.Pitch+shiftAt(b.Ranges, p.Range), MinPitch, MaxPitch))
	p.Range = 1
	for pass := range maxRefinements {
		m, err := speakAndAnalyze(ctx, s, refText, lang, p.VoiceFor(lang))
		if err != nil {
			return Profile{}, fmt.Errorf("voice: the reference text spoken by %s: %w", voiceName(v), err)
		}
		dPitch := 12 * math.Log2(a.MedianF0/m.MedianF0)
		kRate := m.Speech.Seconds() / a.Speech.Seconds()
		if want, got := a.F0Spread(), m.F0Spread(); pass == 1 && positive(want) && positive(got) {
			p.Range = matchedRange(want / got)
			dPitch -= shiftAt(b.Ranges, p.Range)
		}
		p.Pitch = round2(clamp(p.Pitch+dPitch, MinPitch, MaxPitch))
		p.Rate = round2(clamp(p.Rate*kRate, MinRate, MaxRate))
		if pass > 1 && math.Abs(dPitch) < 0.25 && math.Abs(kRate-1) < 0.03 {
			break
		}
	}
	return p, nil
}

// maxRefinements bounds MatchText's syntheses: one to bring pitch and
// rate close, one to set the range, and up to two to bring pitch within a
// quarter semitone and rate within 3% again.
const maxRefinements = 4

// speakAndAnalyze synthesises text and analyses the result.
func speakAndAnalyze(ctx context.Context, s engine.Synthesizer, text string, lang protocol.Language, v engine.Voice) (Analysis, error) {
	var pcm []int16
	err := s.Synthesize(ctx, engine.Segment{Text: text, Language: lang}, v, func(b []int16) error {
		pcm = append(pcm, b...)
		return nil
	})
	if err != nil {
		return Analysis{}, err
	}
	// The reference limits are the reference's: this is the engine's
	// speech of a text CheckRefText has bounded.
	return analyze(ctx, pcm, protocol.SampleRate) // what a Synthesizer emits
}

func voiceName(v engine.Voice) string {
	if v.Variant == "" {
		return v.Engine + " " + v.Name
	}
	return v.Engine + " " + v.Name + "+" + v.Variant
}

func matchedRange(r float64) float64 { return round2(clamp(r, minMatchedRange, MaxRange)) }

func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// baseVoice is one engine voice's measured behaviour, speaking its
// language's calibration text.
type baseVoice struct {
	Engine, Name, Variant string
	Language              protocol.Language
	// At neutral prosody:
	MedianF0   float64 // Hz
	Spread     float64 // F0 10th to 90th percentile, semitones
	SpeechRate float64 // syllable nuclei per second
	// Ranges is the voice's response to Range, in ascending order.
	Ranges []rangePoint
}

// rangePoint is a voice's F0 spread at one Range, and how far (in
// semitones) its median has moved from that at Range 1: espeak-ng widens
// the pitch range upwards from a floor, so a wider range also raises the
// median, which the pitch shift must undo.
type rangePoint struct{ Range, Spread, Shift float64 }

// baseFor finds v's entry in the calibration table.
func baseFor(v engine.Voice) (baseVoice, bool) {
	for _, b := range calibration {
		if b.Engine == v.Engine && b.Name == v.Name && b.Variant == v.Variant {
			return b, true
		}
	}
	return baseVoice{}, false
}

// rangeFor is the Range at which a voice's F0 spread is spread, by linear
// interpolation in its response; beyond the response, its nearest end.
func rangeFor(pts []rangePoint, spread float64) float64 {
	if len(pts) == 0 {
		return 1
	}
	if spread <= pts[0].Spread {
		return pts[0].Range
	}
	for i := 1; i < len(pts); i++ {
		lo, hi := pts[i-1], pts[i]
		if spread <= hi.Spread && hi.Spread > lo.Spread {
			return lo.Range + (spread-lo.Spread)/(hi.Spread-lo.Spread)*(hi.Range-lo.Range)
		}
	}
	return pts[len(pts)-1].Range
}

// shiftAt is the median's shift at Range r, by linear interpolation in the
// response; beyond the response, its nearest end's.
func shiftAt(pts []rangePoint, r float64) float64 {
	if len(pts) == 0 {
		return 0
	}
	if r <= pts[0].Range {
		return pts[0].Shift
	}
	for i := 1; i < len(pts); i++ {
		lo, hi := pts[i-1], pts[i]
		if r <= hi.Range {
			return lo.Shift + (r-lo.Range)/(hi.Range-lo.Range)*(hi.Shift-lo.Shift)
		}
	}
	return pts[len(pts)-1].Shift
}
