package voice

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// installed is a set of neural voices as an engine would describe them.
var installed = []engine.NeuralVoice{
	{ID: "piper:en_US-amy-low", Engine: engine.Piper, Name: "en_US-amy-low", Language: protocol.English, Region: "US", Dataset: "amy", F0: 190},
	{ID: "piper:en_US-kristin-medium", Engine: engine.Piper, Name: "en_US-kristin-medium", Language: protocol.English, Region: "US", F0: 240},
	{ID: "piper:en_US-joe-medium", Engine: engine.Piper, Name: "en_US-joe-medium", Language: protocol.English, Region: "US", F0: 110},
	{ID: "piper:en_GB-alan-medium", Engine: engine.Piper, Name: "en_GB-alan-medium", Language: protocol.English, Region: "GB", F0: 100},
	{ID: "piper:en_GB-alba-medium", Engine: engine.Piper, Name: "en_GB-alba-medium", Language: protocol.English, Region: "GB", Dataset: "alba", F0: 175},
	{ID: "kokoro:bm_george", Engine: engine.Kokoro, Name: "bm_george", Language: protocol.English, Region: "GB", Gender: GenderMale, F0: 90},
	{ID: "piper:de_DE-thorsten-medium", Engine: engine.Piper, Name: "de_DE-thorsten-medium", Language: protocol.German, Region: "DE", F0: 105},
	{ID: "piper:xx_XX-unmeasured", Engine: engine.Piper, Name: "xx_XX-unmeasured", Language: protocol.English, Region: "US"},
}

func lookupInstalled(name string) (engine.NeuralVoice, error) {
	for _, v := range installed {
		if v.ID == name || v.Name == name {
			return v, nil
		}
	}
	if strings.HasPrefix(name, "piper:en_US-amy-low:") {
		v := installed[0]
		v.ID, v.Name = name, strings.TrimPrefix(name, "piper:")
		return v, nil
	}
	return engine.NeuralVoice{}, fmt.Errorf("%w %q", engine.ErrUnknownVoice, name)
}

// TestCatalogWithoutNeuralIsUnchanged: with no neural voice installed,
// every description speaks exactly as before in every language.
func TestCatalogWithoutNeuralIsUnchanged(t *testing.T) {
	var nilCatalog *Catalog
	empty := NewCatalog(nil, lookupInstalled)
	for _, desc := range []string{"", "a deep British man", "a fast high young woman", "robotic", "a whispering Scottish woman", "an old Brazilian man"} {
		p := Design(desc)
		if desc == "" {
			p = Default()
		}
		for _, lang := range protocol.Languages {
			want := p.VoiceFor(lang)
			if got := nilCatalog.VoiceFor(p, lang); got != want {
				t.Errorf("nil catalog, %q in %s: %+v, want %+v", desc, lang, got, want)
			}
			if got := empty.VoiceFor(p, lang); got != want {
				t.Errorf("empty catalog, %q in %s: %+v, want %+v", desc, lang, got, want)
			}
		}
	}
}

func TestCatalogChooses(t *testing.T) {
	c := NewCatalog(installed, lookupInstalled)
	tests := []struct {
		desc string
		lang protocol.Language
		want string // engine:name
	}{
		{"", protocol.English, "piper:en_US-amy-low"},                           // the default: female American, 190 Hz nearest 195
		{"a woman", protocol.English, "piper:en_US-amy-low"},                    // same
		{"a high female voice", protocol.English, "piper:en_US-kristin-medium"}, // +3 st: 232 Hz
		{"a young woman", protocol.English, "piper:en_US-amy-low"},              // +1.5 st: 212 Hz, nearer 190 than 240
		{"a very young girl", protocol.English, "piper:en_US-kristin-medium"},   // higher still
		{"a man", protocol.English, "piper:en_US-joe-medium"},                   // male, American preferred
		{"a British man", protocol.English, "piper:en_GB-alan-medium"},          // 100 Hz nearest 115
		{"a very deep British man", protocol.English, "kokoro:bm_george"},       // -4.8 st: 87 Hz
		{"a Scottish woman", protocol.English, "piper:en_GB-alba-medium"},       // the dataset's accent
		{"a German man", protocol.German, "piper:de_DE-thorsten-medium"},        // German
		{"a Scottish man", protocol.English, "flite:awb"},                       // no Scottish neural man
		{"a robotic voice", protocol.English, "flite:kal16"},                    // a style: parametric
		{"a woman", protocol.Spanish, "espeak:es-419"},                          // no Spanish neural voice
		{"a German woman", protocol.German, "espeak:de"},                        // no German neural woman
		{"an American man speaking slowly", protocol.English, "piper:en_US-joe-medium"},
	}
	for _, tt := range tests {
		p := Design(tt.desc)
		if tt.desc == "" {
			p = Default()
		}
		v := c.VoiceFor(p, tt.lang)
		if got := v.Engine + ":" + v.Name; got != tt.want {
			t.Errorf("%q in %s: %s, want %s", tt.desc, tt.lang, got, tt.want)
		}
	}
}

// TestCatalogProsody: a neural voice gets the profile's rate and volume,
// not its pitch or range.
func TestCatalogProsody(t *testing.T) {
	c := NewCatalog(installed, lookupInstalled)
	p := Design("a loud deep expressive man speaking slowly")
	v := c.VoiceFor(p, protocol.English)
	if v.Engine != engine.Piper || v.Rate != p.Rate || v.Volume != p.Volume || v.Pitch != 0 || v.Range != 0 || p.Pitch == 0 || p.Range == 1 {
		t.Errorf("profile %+v gave %+v", p, v)
	}
}

// TestCatalogNamedVoice: a profile naming a neural voice speaks with it in
// any language, keeps its prosody, and falls back to choosing when the
// voice is no longer installed.
func TestCatalogNamedVoice(t *testing.T) {
	c := NewCatalog(installed, lookupInstalled)
	p, err := c.Profile("en_GB-alba-medium")
	if err != nil {
		t.Fatal(err)
	}
	if p.Voice != "piper:en_GB-alba-medium" || p.Gender != GenderFemale || p.Accent != AccentScottish || p.Validate() != nil {
		t.Fatalf("Profile(alba) = %+v (%v)", p, p.Validate())
	}
	p.Rate = 1.2
	for _, lang := range []protocol.Language{protocol.English, protocol.German} {
		if v := c.VoiceFor(p, lang); v.Engine != engine.Piper || v.Name != "en_GB-alba-medium" || v.Rate != 1.2 {
			t.Errorf("named voice in %s: %+v", lang, v)
		}
	}
	sp, err := c.Profile("piper:en_US-amy-low:3")
	if err != nil || sp.Voice != "piper:en_US-amy-low:3" {
		t.Errorf("a speaker: %+v, %v", sp, err)
	}
	if v := c.VoiceFor(sp, protocol.English); v.Name != "en_US-amy-low:3" {
		t.Errorf("speaker voice %+v", v)
	}
	gone := Profile{Voice: "piper:en_US-removed-low", Gender: GenderMale, Rate: 1, Range: 1, Volume: 1}
	if v := c.VoiceFor(gone, protocol.English); v.Name != "en_US-joe-medium" {
		t.Errorf("a voice no longer installed: %+v, want the chosen male voice", v)
	}
	if _, err := c.Profile("piper:nope"); !errors.Is(err, ErrUnknownNeural) {
		t.Errorf("unknown: %v", err)
	}
	var none *Catalog
	if _, err := none.Profile("piper:en_US-amy-low"); !errors.Is(err, ErrUnknownNeural) {
		t.Errorf("no catalog: %v", err)
	}
}

func TestNeuralGenderAndAccent(t *testing.T) {
	c := NewCatalog(installed, lookupInstalled)
	byID := map[string]Neural{}
	for _, n := range c.Voices() {
		byID[n.ID] = n
	}
	for id, want := range map[string][2]string{
		"piper:en_US-amy-low":     {GenderFemale, AccentAmerican},
		"piper:en_GB-alan-medium": {GenderMale, AccentBritish},
		"piper:en_GB-alba-medium": {GenderFemale, AccentScottish},
		"kokoro:bm_george":        {GenderMale, AccentBritish},
		"piper:xx_XX-unmeasured":  {"", AccentAmerican},
	} {
		if n := byID[id]; n.Gender != want[0] || n.Accent != want[1] {
			t.Errorf("%s: gender %q accent %q, want %q %q", id, n.Gender, n.Accent, want[0], want[1])
		}
	}
}

func TestValidateNeuralName(t *testing.T) {
	base := Default()
	for name, ok := range map[string]bool{
		"piper:en_US-amy-low":                true,
		"piper:en_GB-vctk-medium:p225":       true,
		"kokoro:af_heart:0.7+bf_emma:0.3":    true,
		"flite:slt":                          false,
		"piper:":                             false,
		"piper:a b":                          false,
		"kokoro:" + strings.Repeat("a", 201): false,
	} {
		p := base
		p.Voice = name
		if err := p.Validate(); (err == nil) != ok {
			t.Errorf("Voice %q: Validate() = %v", name, err)
		}
	}
}

// TestPromptCarriesNeuralVoice: a clone prompt carries a neural voice (a
// Kokoro blend here), and a profile without one makes the same prompt as
// before neural voices existed.
func TestPromptCarriesNeuralVoice(t *testing.T) {
	s := Secret(strings.Repeat("k", SecretSize))
	p := Default()
	p.Voice = "kokoro:af_heart:0.7+bf_emma:0.3"
	prompt, err := EncodePrompt(s, "acct", p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePrompt(s, "acct", prompt)
	if err != nil || got.Voice != p.Voice {
		t.Errorf("decoded %+v, %v", got, err)
	}
	plain, err := EncodePrompt(s, "acct", Default())
	if err != nil {
		t.Fatal(err)
	}
	payload, _, _ := strings.Cut(strings.TrimPrefix(plain, promptPrefix), ".")
	raw, err := b64.DecodeString(payload)
	if err != nil || strings.Contains(string(raw), `"nv"`) {
		t.Errorf("a prompt without a neural voice carries one: %s (%v)", raw, err)
	}
}
