package voice

import (
	"fmt"
	"math"
	"regexp"
	"sort"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// neuralName is the shape of a neural voice name a Profile may carry: the
// engine, then the engine's voice, speaker or blend.
var neuralName = regexp.MustCompile(`^(piper|kokoro):[A-Za-z0-9_.:+-]{1,200}$`)

// Neural is an installed neural voice as voice design sees it.
type Neural struct {
	ID     string `json:"id"` // "piper:en_US-amy-low", as clients name it
	Engine string `json:"engine"`
	Name   string `json:"name"` // the engine's part of ID
	// Language is the protocol language the voice speaks, or "".
	Language protocol.Language `json:"language,omitempty"`
	// Locale is the voice's own language tag ("en_US", "en-gb").
	Locale string `json:"locale,omitempty"`
	// Accent is one of the Accent constants, or "" when the voice's
	// locale says none Parley knows.
	Accent string `json:"accent,omitempty"`
	// Gender is the publisher's, or else the measured F0's (below
	// GenderThresholdHz is male); "" when neither says.
	Gender string `json:"gender,omitempty"`
	// F0 is the median F0 measured at load, 0 if unknown.
	F0 float64 `json:"f0_hz,omitempty"`
	// Speakers are a multi-speaker voice's named speakers (ID:SPEAKER).
	Speakers   []string `json:"speakers,omitempty"`
	Quality    string   `json:"quality,omitempty"`
	SampleRate int      `json:"sample_rate"`
}

// Where a locale's region, or a Piper voice's dataset, says the accent.
var (
	regionAccents = map[protocol.Language]map[string]string{
		protocol.English:    {"US": AccentAmerican, "GB": AccentBritish},
		protocol.Spanish:    {"ES": AccentEuropean, "MX": AccentLatinAmerican, "AR": AccentLatinAmerican, "CO": AccentLatinAmerican, "419": AccentLatinAmerican},
		protocol.Portuguese: {"BR": AccentBrazilian, "PT": AccentEuropean},
		protocol.French:     {"FR": AccentEuropean, "BE": AccentBelgian, "CH": AccentSwiss},
	}
	// datasetAccents are Piper's English voices whose recordings have a
	// narrower accent than their locale (rhasspy/piper-voices' model
	// cards): alba is Scottish, northern_english_male Lancastrian.
	datasetAccents = map[string]string{
		"alba":                  AccentScottish,
		"northern_english_male": AccentNorthern,
	}
)

// neuralOf describes an engine's neural voice for voice design.
func neuralOf(v engine.NeuralVoice) Neural {
	n := Neural{ID: v.ID, Engine: v.Engine, Name: v.Name, Language: v.Language, Locale: v.Locale, Gender: v.Gender,
		F0: v.F0, Speakers: v.Speakers, Quality: v.Quality, SampleRate: v.SampleRate}
	if a, ok := datasetAccents[v.Dataset]; ok && v.Language == protocol.English {
		n.Accent = a
	} else {
		n.Accent = regionAccents[v.Language][v.Region]
	}
	if n.Gender == "" && v.F0 > 0 {
		n.Gender = GenderFemale
		if v.F0 < GenderThresholdHz {
			n.Gender = GenderMale
		}
	}
	return n
}

// Catalog chooses engine voices for profiles when neural voices are
// installed: VoiceFor picks among them first, and falls back to the
// parametric engines' rules (Profile.VoiceFor) where none fits. A nil
// Catalog, or one without voices, is Profile.VoiceFor exactly. It is safe
// for concurrent use.
type Catalog struct {
	voices []Neural
	lookup func(name string) (engine.NeuralVoice, error)
}

// NewCatalog returns a catalog of the installed voices; lookup resolves
// the names clients give (a speaker of a voice, a Kokoro blend) to a voice,
// as engine.Engines.LookupVoice does.
func NewCatalog(installed []engine.NeuralVoice, lookup func(name string) (engine.NeuralVoice, error)) *Catalog {
	c := &Catalog{lookup: lookup}
	for _, v := range installed {
		c.voices = append(c.voices, neuralOf(v))
	}
	sort.Slice(c.voices, func(i, j int) bool { return c.voices[i].ID < c.voices[j].ID })
	return c
}

// Voices lists the installed neural voices by ID.
func (c *Catalog) Voices() []Neural {
	if c == nil {
		return nil
	}
	return append([]Neural(nil), c.voices...)
}

// Profile returns the profile that speaks with the neural voice name (a
// voice, a speaker of one, or a Kokoro blend, as LookupVoice takes it):
// the voice itself, its gender and accent, neutral prosody. It fails with
// ErrUnknownNeural for a name no installed voice answers to.
func (c *Catalog) Profile(name string) (Profile, error) {
	if c == nil || c.lookup == nil {
		return Profile{}, fmt.Errorf("%w %q: no neural voices are installed", ErrUnknownNeural, name)
	}
	v, err := c.lookup(name)
	if err != nil {
		return Profile{}, fmt.Errorf("%w: %v", ErrUnknownNeural, err)
	}
	n := neuralOf(v)
	return Profile{Voice: n.ID, Gender: n.Gender, Accent: n.Accent, Range: 1, Rate: 1, Volume: 1}, nil
}

// The F0 a profile at pitch 0 aims for, by gender: typical adult speaking
// pitch, between the neural voices' measured medians.
const (
	targetF0Female = 195.0
	targetF0Male   = 115.0
)

// VoiceFor returns the engine voice that speaks lang in p:
//
//  1. A profile naming a neural voice (p.Voice) speaks with it, while it is
//     installed.
//  2. Otherwise, unless p has a style (whisper and robotic are the
//     parametric engines' effects), the neural voices of lang whose gender
//     is p's (or the default voice's when p has none), and whose accent is
//     p's when p names one (else the default voice's is preferred), are
//     the candidates; the one whose measured F0 is nearest, in semitones,
//     to the gender's typical pitch moved by p.Pitch wins (ties by ID).
//     Age reaches the choice through pitch ("young" is higher).
//  3. With no candidate, Profile.VoiceFor.
//
// A neural voice gets p's Rate (as its length scale) and Volume; Pitch and
// Range are not applied, since the voice was chosen for its pitch and a
// signal-level shift would cost its naturalness.
func (c *Catalog) VoiceFor(p Profile, lang protocol.Language) engine.Voice {
	if c == nil || len(c.voices) == 0 {
		return p.VoiceFor(lang)
	}
	if p.Voice != "" && c.lookup != nil {
		if v, err := c.lookup(p.Voice); err == nil {
			return engine.Voice{Engine: v.Engine, Name: v.Name, Rate: p.Rate, Volume: p.Volume}
		}
	}
	if n, ok := c.choose(p, lang); ok {
		return engine.Voice{Engine: n.Engine, Name: n.Name, Rate: p.Rate, Volume: p.Volume}
	}
	return p.VoiceFor(lang)
}

func (c *Catalog) choose(p Profile, lang protocol.Language) (Neural, bool) {
	if p.Style != "" {
		return Neural{}, false
	}
	gender := p.Gender
	if gender == "" {
		gender = defaultProfile.Gender
	}
	accent := p.Accent
	if _, ok := espeakVoices[lang][accent]; !ok {
		accent = "" // an accent the language does not have
	}
	var cands []Neural
	for _, n := range c.voices {
		if n.Language == lang && n.Gender == gender && (accent == "" || n.Accent == accent) {
			cands = append(cands, n)
		}
	}
	if accent == "" && lang == protocol.English {
		// Prefer the default voice's accent when the profile has none.
		var preferred []Neural
		for _, n := range cands {
			if n.Accent == defaultEnglishAccent {
				preferred = append(preferred, n)
			}
		}
		if len(preferred) > 0 {
			cands = preferred
		}
	}
	if len(cands) == 0 {
		return Neural{}, false
	}
	target := targetF0Female
	if gender == GenderMale {
		target = targetF0Male
	}
	target *= math.Pow(2, p.Pitch/12)
	best, bestD := cands[0], math.Inf(1)
	for _, n := range cands {
		d := math.Inf(1)
		if n.F0 > 0 {
			d = math.Abs(12 * math.Log2(n.F0/target))
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	return best, true
}
