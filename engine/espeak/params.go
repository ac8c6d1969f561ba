package espeak

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parameter bounds and espeak-ng's defaults. A zero field in Params means
// the default, so Params{Voice: "en-us"} is the voice as installed.
const (
	DefaultRate   = 175 // words per minute
	MinRate       = 80
	MaxRate       = 1000 // from 450, espeak-ng speeds up with libsonic
	DefaultPitch  = 50
	MaxPitch      = 100
	DefaultRange  = 50
	MaxRange      = 100
	DefaultVolume = 100
	MaxVolume     = 200

	// Zero asks for a literal 0 in Pitch, Range or Volume, whose zero
	// value means "default": Range: Zero is a monotone voice.
	Zero = -1
)

// Params selects a voice and its prosody for one request. Nothing carries
// over from one request to the next.
type Params struct {
	// Voice is an installed voice name as listed by Voices, e.g. "en-us",
	// "en-gb-scotland", "pt-br", "cmn-latn-pinyin"; case does not matter.
	Voice string
	// Variant is an installed variant as listed by Variants ("m3", "f2");
	// empty for the voice's own.
	Variant string
	// Rate is in words per minute, MinRate..MaxRate; 0 means DefaultRate.
	Rate int
	// Pitch is the base pitch, 0..MaxPitch; 0 means DefaultPitch (the
	// voice's own), Zero means the lowest. See PitchForSemitones.
	Pitch int
	// Range is the pitch movement, 0..MaxRange; 0 means DefaultRange,
	// Zero means monotone. See RangeForScale.
	Range int
	// Volume is 0..MaxVolume; 0 means DefaultVolume, Zero means silence.
	// Above 100 espeak-ng compresses and may distort.
	Volume int
	// Phonemes reads "[[...]]" in the text as espeak-ng phoneme mnemonics
	// (espeak-ng's phoneme input). The caller puts there only what
	// PhonemeText made: client text never reaches espeak-ng's phoneme
	// reader, and PhonemeText breaks up any "[[" of its own.
	Phonemes bool
}

// VoiceInfo describes one installed espeak-ng voice.
type VoiceInfo struct {
	// Name is what Params.Voice takes: the voice file's name, lower-cased.
	Name string
	// Description is espeak-ng's own name, e.g. "English (America)".
	Description string
	// Identifier is the voice file under espeak-ng-data/lang, e.g.
	// "gmw/en-US".
	Identifier string
	// Languages are the language tags the voice speaks, most preferred
	// first, e.g. "en-us", "en".
	Languages []string
}

// protocolVoices maps the protocol's languages to espeak-ng 1.51 voices.
// Chinese uses cmn-latn-pinyin: 1.51's plain "cmn" voice turns Hanzi into
// tone-numbered pinyin and then reads that as English ("ni three hao
// three"); the pinyin voice speaks it as Mandarin.
var protocolVoices = map[string]string{
	"english":    "en-us",
	"spanish":    "es",
	"portuguese": "pt-br",
	"german":     "de",
	"french":     "fr",
	"italian":    "it",
	"chinese":    "cmn-latn-pinyin",
	"japanese":   "ja",
	"korean":     "ko",
	"russian":    "ru",
}

// VoiceFor returns the espeak-ng voice for a protocol language name
// ("English", "Spanish", ...; case-insensitive), or "" for any other.
func VoiceFor(lang string) string {
	return protocolVoices[strings.ToLower(lang)]
}

// request is Params resolved against the installed voices: exactly what the
// worker hands to espeak-ng.
type request struct {
	voice    string // espeak_SetVoiceByName argument, "gmw/en-US+f2"
	rate     int
	pitch    int
	prange   int
	volume   int
	phonemes bool
}

// level applies the "0 is the default, Zero is 0" convention and the bounds.
func level(name string, v, def, lo, hi int) (int, error) {
	switch {
	case v == 0:
		return def, nil
	case v == Zero && lo == 0:
		return 0, nil
	case v < lo || v > hi:
		return 0, fmt.Errorf("%w: %s %d out of range %d..%d", ErrInvalidParams, name, v, lo, hi)
	}
	return v, nil
}

// catalog is the installed voices and variants, read once from espeak-ng.
type catalog struct {
	voices   []VoiceInfo
	variants []string
	voiceID  map[string]string // lower-cased name or identifier → identifier
	variant  map[string]string // lower-cased variant → its spelling on disk
}

func newCatalog(voices []VoiceInfo, variants []string) *catalog {
	sort.Slice(voices, func(i, j int) bool { return voices[i].Name < voices[j].Name })
	sort.Strings(variants)
	c := &catalog{
		voices:   voices,
		variants: variants,
		voiceID:  make(map[string]string, 2*len(voices)),
		variant:  make(map[string]string, len(variants)),
	}
	for _, v := range voices {
		c.voiceID[v.Name] = v.Identifier
		c.voiceID[strings.ToLower(v.Identifier)] = v.Identifier
	}
	// A voice's preferred language tag ("en-gb" for gmw/en) also names it,
	// as on espeak-ng's command line, when no other voice prefers the same
	// tag. Tags that are nobody's first choice ("en") stay unknown.
	owner := map[string]string{}
	for _, v := range voices {
		if len(v.Languages) == 0 {
			continue
		}
		tag := strings.ToLower(v.Languages[0])
		if _, seen := owner[tag]; seen {
			owner[tag] = ""
		} else {
			owner[tag] = v.Identifier
		}
	}
	for tag, id := range owner {
		if _, taken := c.voiceID[tag]; !taken && id != "" {
			c.voiceID[tag] = id
		}
	}
	for _, v := range variants {
		c.variant[strings.ToLower(v)] = v
	}
	return c
}

// resolve validates p. Voices and variants are checked here rather than by
// espeak-ng, which silently ignores an unknown variant.
func (c *catalog) resolve(p Params) (request, error) {
	var r request
	id, ok := c.voiceID[strings.ToLower(p.Voice)]
	if !ok {
		return r, fmt.Errorf("%w %q", ErrUnknownVoice, p.Voice)
	}
	r.voice = id
	if p.Variant != "" {
		v, ok := c.variant[strings.ToLower(p.Variant)]
		if !ok {
			return r, fmt.Errorf("%w %q", ErrUnknownVariant, p.Variant)
		}
		r.voice += "+" + v
	}
	var err error
	if r.rate, err = level("rate", p.Rate, DefaultRate, MinRate, MaxRate); err != nil {
		return r, err
	}
	if r.pitch, err = level("pitch", p.Pitch, DefaultPitch, 0, MaxPitch); err != nil {
		return r, err
	}
	if r.prange, err = level("range", p.Range, DefaultRange, 0, MaxRange); err != nil {
		return r, err
	}
	if r.volume, err = level("volume", p.Volume, DefaultVolume, 0, MaxVolume); err != nil {
		return r, err
	}
	r.phonemes = p.Phonemes
	return r, nil
}

// cleanText makes arbitrary input safe to hand to espeak-ng as a C string.
// NUL would end the string early and Ctrl-A starts espeak-ng's in-band
// "embedded commands" (pitch, speed, volume changes), so every control
// character except tab and line breaks becomes a space, as do bytes that
// are not UTF-8. Runs of initials are broken up (see breakInitials).
func cleanText(s string) string {
	if strings.IndexFunc(s, unsafeRune) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unsafeRune(r) {
				return ' '
			}
			return r
		}, s)
	}
	return breakInitials(s)
}

// maxInitials is the most initials ("U.S.A.": letters each followed by a
// period, with no space between them) that a text may hold before
// breakInitials spaces them out. espeak-ng 1.51 smashes its stack on text
// with many of them in one clause: "A." 100 times, "a.a.a.a." 75 times
// (lowercase runs of any length), in espeak_Synth and
// espeak_TextToPhonemes alike. Real text has a few ("the U.S. and the
// E.U."), which are left as they are.
const maxInitials = 16

// breakInitials puts a space after the period of every initial that is
// directly followed by another letter, when the text holds more than
// maxInitials of them: "a.b.c." becomes "a. b. c.", which espeak-ng reads
// as the same letters. It is idempotent, and text with few initials comes
// back unchanged.
func breakInitials(s string) string {
	// An initial here is a letter, then a period, then a letter.
	count := func(visit func(dot int)) int {
		n := 0
		var prev, prev2 rune
		for i, r := range s {
			if unicode.IsLetter(r) && prev == '.' && unicode.IsLetter(prev2) {
				n++
				if visit != nil {
					visit(i - 1)
				}
			}
			prev2, prev = prev, r
		}
		return n
	}
	if count(nil) <= maxInitials {
		return s
	}
	var b strings.Builder
	b.Grow(2 * len(s))
	last := 0
	count(func(dot int) {
		b.WriteString(s[last : dot+1])
		b.WriteByte(' ')
		last = dot + 1
	})
	b.WriteString(s[last:])
	return b.String()
}

func unsafeRune(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return r == utf8.RuneError || unicode.IsControl(r)
}
