package voice

import "math"

// Profile is an engine-neutral voice: who speaks (gender, accent, age,
// style) and how (prosody relative to the chosen engine voice's own).
// VoiceFor turns it into a concrete engine.Voice for one language.
type Profile struct {
	Gender string  `json:"gender,omitempty"` // GenderFemale, GenderMale, or "" (unspecified: the default voice's)
	Accent string  `json:"accent,omitempty"` // one of the Accent constants, or "" (unspecified)
	Age    string  `json:"age,omitempty"`    // AgeYoung, AgeOld, or "" (adult or unspecified)
	Style  string  `json:"style,omitempty"`  // StyleWhisper, StyleRobotic, or "" (natural)
	Pitch  float64 `json:"pitch"`            // semitones, within [MinPitch, MaxPitch]
	Range  float64 `json:"range"`            // pitch-movement multiplier, within [MinRange, MaxRange]
	Rate   float64 `json:"rate"`             // speaking-rate multiplier, within [MinRate, MaxRate]
	Volume float64 `json:"volume"`           // loudness multiplier, within [MinVolume, MaxVolume]
	// Voice names a neural voice to speak with ("piper:en_US-amy-low",
	// "kokoro:af_heart:0.7+bf_emma:0.3"), as a client chose it; "" lets
	// Catalog.VoiceFor choose. Rate and Volume still apply.
	Voice string `json:"voice,omitempty"`
	// Terms are the parts of the description that had an effect, in order,
	// each with its modifiers ("very deep", "not too fast"), for logs and
	// the API's echo.
	Terms []string `json:"terms,omitempty"`
}

// Limits of the prosody parameters. Design clamps to them so that no
// description can push an engine into distortion or unintelligibility.
const (
	MinPitch = -8.0
	MaxPitch = 8.0
	// MinRange is near-monotone but not 0, which engine.Voice reads as
	// "the voice's own range".
	MinRange  = 0.01
	MaxRange  = 2.0
	MinRate   = 0.6
	MaxRate   = 1.8
	MinVolume = 0.3
	MaxVolume = 1.6
)

// Genders.
const (
	GenderFemale = "female"
	GenderMale   = "male"
)

// Ages. An adult is the empty Age.
const (
	AgeYoung = "young"
	AgeOld   = "old"
)

// Styles. Natural speech is the empty Style.
const (
	StyleWhisper = "whisper"
	StyleRobotic = "robotic"
)

// Accents. Each applies to the languages that have a voice for it and is
// ignored by the others (see the package documentation).
const (
	AccentAmerican      = "american"       // English (US)
	AccentBritish       = "british"        // English (Great Britain)
	AccentRP            = "rp"             // English (Received Pronunciation)
	AccentScottish      = "scottish"       // English (Scotland)
	AccentNorthern      = "northern"       // English (Lancaster)
	AccentMidlands      = "midlands"       // English (West Midlands)
	AccentCaribbean     = "caribbean"      // English (Caribbean)
	AccentNewYork       = "new-york"       // English (New York City)
	AccentLatinAmerican = "latin-american" // Spanish (Latin America)
	AccentEuropean      = "european"       // Spanish (Spain), Portuguese (Portugal), French (France)
	AccentBrazilian     = "brazilian"      // Portuguese (Brazil)
	AccentBelgian       = "belgian"        // French (Belgium)
	AccentSwiss         = "swiss"          // French (Switzerland)
)

// DefaultDescription describes the server's default voice, used when a
// client names no voice. It must name a gender and an accent; changing it
// is the one edit needed to change the default.
const DefaultDescription = "female american"

// defaultProfile also fills a designed profile's unspecified gender and
// English accent.
var defaultProfile = Design(DefaultDescription)

// Default returns the server's default voice, described by
// DefaultDescription. Its Terms are empty: no client described it.
func Default() Profile {
	p := defaultProfile
	p.Terms = nil
	return p
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// round2 keeps two decimals, so that echoed parameters read cleanly and
// tiny floating-point differences cannot make two profiles differ.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
