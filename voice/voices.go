package voice

import (
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// Engine names as engine.Voice spells them.
const (
	engineFlite  = "flite"
	engineEspeak = "espeak"
)

// fliteVoice is one flite voice and the profile it fits.
type fliteVoice struct {
	name, gender, accent, style string
}

// fliteVoices are preferred for English whenever one fits: flite sounds
// more natural than espeak-ng. Flite has no age variants; age reaches it
// through prosody only.
var fliteVoices = []fliteVoice{
	{"slt", GenderFemale, AccentAmerican, ""},
	{"rms", GenderMale, AccentAmerican, ""},
	{"awb", GenderMale, AccentScottish, ""},
	{"kal16", GenderMale, AccentAmerican, StyleRobotic},
}

// espeakVoices maps each language's accents to an espeak-ng voice name
// (as espeak_SetVoiceByName accepts it, checked against Debian's
// espeak-ng-data 1.51). The "" entry is the language's default; an accent
// the language has no voice for gets the default. Defaults follow the
// largest group of speakers: US English, Latin American Spanish,
// Brazilian Portuguese.
var espeakVoices = map[protocol.Language]map[string]string{
	protocol.English: {
		"":              "en-us",
		AccentAmerican:  "en-us",
		AccentBritish:   "en-gb",
		AccentRP:        "en-gb-x-rp",
		AccentScottish:  "en-gb-scotland",
		AccentNorthern:  "en-gb-x-gbclan",
		AccentMidlands:  "en-gb-x-gbcwmd",
		AccentCaribbean: "en-029",
		AccentNewYork:   "en-us-nyc",
	},
	protocol.Spanish: {
		"":                  "es-419",
		AccentLatinAmerican: "es-419",
		AccentEuropean:      "es",
	},
	protocol.Portuguese: {
		"":              "pt-br",
		AccentBrazilian: "pt-br",
		AccentEuropean:  "pt",
	},
	protocol.German: {"": "de"},
	protocol.French: {
		"":             "fr",
		AccentEuropean: "fr",
		AccentBelgian:  "fr-be",
		AccentSwiss:    "fr-ch",
	},
	protocol.Italian: {"": "it"},
	// espeak-ng 1.51's plain "cmn" voice reads Hanzi as tone-numbered
	// pinyin in English ("ni three hao three"); this one speaks Mandarin.
	protocol.Chinese:  {"": "cmn-latn-pinyin"},
	protocol.Japanese: {"": "ja"},
	protocol.Korean:   {"": "ko"},
	protocol.Russian:  {"": "ru"},
}

// espeakVariants picks an espeak-ng variant (a file in
// espeak-ng-data/voices/!v): the first row whose style, age and gender
// match, an empty field matching anything, so style outranks age.
// espeak-ng's own voices are male; the variants give every language both
// genders. Among the variants that fit each row, these had the lowest word
// error rate when 40 Harvard sentences spoken by espeak-ng en-us were
// transcribed by pocketsphinx (en-us model): f2 65%, f5 59%, m6 57%, m5 65%,
// f1 76%, grandpa 69%, whisper 80%, robosoft2 58%; rejected were m3 77%,
// m2 81%, f3 76%, f4 87%, grandma 89% and whisperf 98%. The figures are
// only comparable with each other: the recogniser is not tuned to
// synthetic speech.
var espeakVariants = []struct {
	style, age, gender, variant string
}{
	{StyleWhisper, "", "", "whisper"},
	{StyleRobotic, "", GenderFemale, "anikaRobot"},
	{StyleRobotic, "", GenderMale, "robosoft2"},
	{"", AgeOld, GenderFemale, "f1"},
	{"", AgeOld, GenderMale, "grandpa"},
	{"", AgeYoung, GenderFemale, "f5"},
	{"", AgeYoung, GenderMale, "m5"},
	{"", "", GenderFemale, "f2"},
	{"", "", GenderMale, "m6"},
}

// defaultEnglishAccent is the default voice's accent, or American should
// DefaultDescription name no English accent.
var defaultEnglishAccent = func() string {
	if _, ok := espeakVoices[protocol.English][defaultProfile.Accent]; ok && defaultProfile.Accent != "" {
		return defaultProfile.Accent
	}
	return AccentAmerican
}()

// VoiceFor returns the concrete engine voice that speaks lang in this
// profile. lang must be resolved (not Auto); Auto and unknown languages are
// treated as English. An accent the language has no voice for counts as
// unspecified. An unspecified gender is the default voice's (male
// for a robotic voice, so that English gets flite's kal16); an unspecified
// accent is the default voice's in English and the language's
// own default elsewhere. The prosody carries over unchanged.
func (p Profile) VoiceFor(lang protocol.Language) engine.Voice {
	v := engine.Voice{Pitch: p.Pitch, Range: p.Range, Rate: p.Rate, Volume: p.Volume}
	names, ok := espeakVoices[lang]
	if !ok {
		lang, names = protocol.English, espeakVoices[protocol.English]
	}
	gender := p.Gender
	switch {
	case gender != "":
	case p.Style == StyleRobotic:
		// A robot has no gender to keep; the male robot is flite's kal16.
		gender = GenderMale
	case defaultProfile.Gender != "":
		gender = defaultProfile.Gender
	default:
		gender = GenderFemale
	}
	accent := p.Accent
	if _, ok := names[accent]; !ok {
		accent = ""
	}
	if lang == protocol.English {
		if accent == "" {
			accent = defaultEnglishAccent
		}
		for _, f := range fliteVoices {
			if f.gender == gender && f.accent == accent && f.style == p.Style {
				v.Engine, v.Name = engineFlite, f.name
				return v
			}
		}
	}
	v.Engine, v.Name = engineEspeak, names[accent]
	for _, ev := range espeakVariants {
		if (ev.style == "" || ev.style == p.Style) && (ev.age == "" || ev.age == p.Age) && (ev.gender == "" || ev.gender == gender) {
			v.Variant = ev.variant
			break
		}
	}
	return v
}
