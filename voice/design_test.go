package voice

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

// sign compares a parameter with the default's: -1 below, 0 equal, +1 above.
func sign(x, def float64) int {
	switch {
	case x < def:
		return -1
	case x > def:
		return 1
	}
	return 0
}

func TestDesign(t *testing.T) {
	tests := []struct {
		desc                   string
		gender, accent, age    string
		style                  string
		pitch, rate, rng, volu int // direction relative to the default
	}{
		{desc: ""},
		{desc: "a pleasant hum of nothing in particular", pitch: 1, rng: 1}, // "pleasant" only
		{desc: "male", gender: GenderMale},
		{desc: "a man", gender: GenderMale},
		{desc: "masculine", gender: GenderMale},
		{desc: "a guy", gender: GenderMale},
		{desc: "boy", gender: GenderMale, age: AgeYoung, pitch: 1},
		{desc: "female", gender: GenderFemale},
		{desc: "a woman", gender: GenderFemale},
		{desc: "feminine", gender: GenderFemale},
		{desc: "an old lady", gender: GenderFemale, age: AgeOld, rate: -1, rng: -1},
		{desc: "girl", gender: GenderFemale, age: AgeYoung, pitch: 1},
		{desc: "male female", gender: GenderFemale},
		{desc: "female male", gender: GenderMale},
		{desc: "deep", pitch: -1},
		{desc: "low", pitch: -1},
		{desc: "bass", pitch: -1},
		{desc: "high", pitch: 1},
		{desc: "bright", pitch: 1, rng: 1},
		{desc: "squeaky", pitch: 1},
		{desc: "warm", pitch: -1, rate: -1, rng: -1},
		{desc: "cold", rng: -1},
		{desc: "flat", rng: -1},
		{desc: "monotone", rng: -1},
		{desc: "expressive", rng: 1},
		{desc: "animated", rng: 1},
		{desc: "lively", pitch: 1, rate: 1, rng: 1},
		{desc: "slow", rate: -1},
		{desc: "calm", rate: -1, rng: -1, volu: -1},
		{desc: "relaxed", rate: -1, rng: -1},
		{desc: "soothing", pitch: -1, rate: -1, rng: -1, volu: -1},
		{desc: "gentle", rate: -1, volu: -1},
		{desc: "fast", rate: 1},
		{desc: "quick", rate: 1},
		{desc: "energetic", pitch: 1, rate: 1, rng: 1, volu: 1},
		{desc: "excited", pitch: 1, rate: 1, rng: 1, volu: 1},
		{desc: "upbeat", pitch: 1, rate: 1, rng: 1},
		{desc: "loud", volu: 1},
		{desc: "strong", pitch: -1, volu: 1},
		{desc: "powerful", pitch: -1, rng: 1, volu: 1},
		{desc: "soft", rng: -1, volu: -1},
		{desc: "quiet", volu: -1},
		{desc: "whispering", style: StyleWhisper, rate: -1, volu: -1},
		{desc: "robotic", style: StyleRobotic, rng: -1},
		{desc: "robotic, then natural", style: "", rng: -1},
		{desc: "robotic, not natural", style: StyleRobotic, rng: -1},
		{desc: "young", age: AgeYoung, pitch: 1, rate: 1},
		{desc: "a child", age: AgeYoung, pitch: 1, rate: 1},
		{desc: "teenage", age: AgeYoung, pitch: 1},
		{desc: "old", age: AgeOld, rate: -1, rng: -1},
		{desc: "elderly", age: AgeOld, rate: -1, rng: -1},
		{desc: "old but middle-aged", age: "", rate: -1, rng: -1},
		{desc: "British", accent: AccentBritish},
		{desc: "English", accent: AccentBritish},
		{desc: "UK", accent: AccentBritish},
		{desc: "from London", accent: AccentBritish},
		{desc: "American", accent: AccentAmerican},
		{desc: "US", accent: AccentAmerican},
		{desc: "U.S. English", accent: AccentAmerican},
		{desc: "American English", accent: AccentAmerican},
		{desc: "Scottish", accent: AccentScottish},
		{desc: "Scottish English", accent: AccentScottish},
		{desc: "posh British", accent: AccentRP},
		{desc: "British, received pronunciation", accent: AccentRP},
		{desc: "New York", accent: AccentNewYork},
		{desc: "Jamaican", accent: AccentCaribbean},
		{desc: "Latin-American", accent: AccentLatinAmerican},
		{desc: "Brazilian", accent: AccentBrazilian},
		{desc: "Irish", accent: ""},
		{desc: "a strong Scottish accent", accent: AccentScottish},
		{desc: "a light British accent", accent: AccentBritish},
		{desc: "not British", accent: ""},
		{desc: "not male", gender: ""},
		{desc: "not fast", rate: -1},
		{desc: "not too fast", rate: -1},
		{desc: "not slow", rate: 1},
		{desc: "less monotone", rng: 1},
		{desc: "fast slow"}, // 1.25 × 0.8 = 1
		{desc: "a warm, deep male voice, speaking slowly", gender: GenderMale, pitch: -1, rate: -1, rng: -1},
		{desc: "a bright, cheerful young woman speaking quickly", gender: GenderFemale, age: AgeYoung, pitch: 1, rate: 1, rng: 1},
		{desc: "Une voix de femme, très douce", gender: GenderFemale, rng: -1, volu: -1},
		{desc: "hombre mayor, voz grave y lenta", gender: GenderMale, pitch: -1, rate: -1},
		{desc: "eine tiefe, langsame Männerstimme", pitch: -1, rate: -1}, // compounds are not split
		{desc: "мужской низкий голос", gender: GenderMale, pitch: -1},
	}
	def := Design("")
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			p := Design(tt.desc)
			if p.Gender != tt.gender || p.Accent != tt.accent || p.Age != tt.age || p.Style != tt.style {
				t.Errorf("gender, accent, age, style = %q %q %q %q, want %q %q %q %q",
					p.Gender, p.Accent, p.Age, p.Style, tt.gender, tt.accent, tt.age, tt.style)
			}
			got := [4]int{sign(p.Pitch, def.Pitch), sign(p.Rate, def.Rate), sign(p.Range, def.Range), sign(p.Volume, def.Volume)}
			want := [4]int{tt.pitch, tt.rate, tt.rng, tt.volu}
			if got != want {
				t.Errorf("pitch, rate, range, volume directions = %v, want %v (profile %+v)", got, want, p)
			}
		})
	}
}

func TestDesignEmptyIsNeutral(t *testing.T) {
	p := Design("")
	want := Profile{Pitch: 0, Range: 1, Rate: 1, Volume: 1}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Design(\"\") = %+v, want %+v", p, want)
	}
}

func TestDesignModifiers(t *testing.T) {
	pitch := func(d string) float64 { return Design(d).Pitch }
	rate := func(d string) float64 { return Design(d).Rate }
	tests := []struct {
		name string
		ok   bool
	}{
		{"very deep is deeper than deep", pitch("very deep") < pitch("deep")},
		{"extremely deep is deeper than very deep", pitch("extremely deep") < pitch("very deep")},
		{"slightly deep is less deep than deep", pitch("deep") < pitch("slightly deep") && pitch("slightly deep") < 0},
		{"a bit deep is slightly deep", pitch("a bit deep") == pitch("slightly deep")},
		{"very very deep is deeper than very deep", pitch("very very deep") < pitch("very deep")},
		{"not fast is slower than the default", rate("not fast") < 1},
		{"not too fast is not as slow as slow", rate("not too fast") > rate("slow")},
		{"slow but not too slow is between slow and the default", rate("slow") < rate("slow, but not too slow") && rate("slow, but not too slow") < 1},
		{"a modifier reaches across two words", rate("not speaking too fast") < 1},
		{"a modifier lapses after three words", rate("not speaking in a fast way") > 1},
		{"but drops a modifier", rate("not, but fast") == rate("fast")},
		{"an intensifier applies only to the next word", Design("very deep slow").Rate == rate("slow")},
		{"effects accumulate", pitch("deep low") < pitch("deep")},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Error(tt.name)
		}
	}
}

func TestDesignTerms(t *testing.T) {
	tests := []struct {
		desc string
		want []string
	}{
		{"", nil},
		{"A warm, deep MALE voice, speaking slowly!", []string{"warm", "deep", "male", "slowly"}},
		{"not too fast, very very deep", []string{"not too fast", "very very deep"}},
		{"a Latin-American woman", []string{"latin american", "woman"}},
		{"not British", nil},
		{"Une voix très rapide", []string{"très rapide"}},
	}
	for _, tt := range tests {
		if got := Design(tt.desc).Terms; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Design(%q).Terms = %q, want %q", tt.desc, got, tt.want)
		}
	}
}

func TestDesignDeterministic(t *testing.T) {
	sets := [][]string{
		{
			"a warm, deep male voice, speaking slowly",
			"A WARM DEEP MALE VOICE SPEAKING SLOWLY",
			"  a warm deep   male voice\tspeaking\nslowly.  ",
			"a warm; deep (male) voice -- speaking slowly!!!",
		},
		{
			"not too fast, British woman",
			"Not too fast... British woman?",
			"not-too-fast british-woman",
		},
		{
			"Une voix féminine, très rapide",
			"une VOIX FÉMININE très RAPIDE",
			"une voix fe\u0301minine tre\u0300s rapide", // combining accents
		},
		{"don't speak too fast", "dont speak too fast", "don’t speak too fast"},
	}
	for _, set := range sets {
		want := Design(set[0])
		if len(want.Terms) == 0 {
			t.Fatalf("Design(%q) understood nothing", set[0])
		}
		for _, d := range set {
			for range 50 {
				if got := Design(d); !reflect.DeepEqual(got.withoutTerms(), want.withoutTerms()) {
					t.Fatalf("Design(%q) = %+v, want %+v (as for %q)", d, got, want, set[0])
				}
			}
		}
	}
}

// withoutTerms drops the echo, which keeps the description's own spelling
// (a combining accent, say) and so may differ where the parameters do not.
func (p Profile) withoutTerms() Profile {
	p.Terms = nil
	return p
}

func TestDesignDistinct(t *testing.T) {
	descs := []string{
		"",
		"a warm, deep male voice, speaking slowly",
		"a bright, cheerful young woman speaking quickly",
		"an old man with a calm voice",
		"a British woman",
		"a Scottish man",
		"a robotic voice",
		"a soft whispering woman",
		"a high-pitched excited child",
		"a loud, energetic man",
		"a sad woman speaking slowly",
		"a posh British man",
		"a fast, deep woman",
	}
	type point struct {
		voice       string
		pitch, rate float64
	}
	points := make([]point, len(descs))
	for i, d := range descs {
		p := Design(d)
		v := p.VoiceFor(protocol.English)
		points[i] = point{v.Engine + "/" + v.Name + "+" + v.Variant, p.Pitch, p.Rate}
	}
	// One unit of distance is another voice, 2 semitones, or 10% of rate:
	// each clearly audible on its own.
	dist := func(a, b point) float64 {
		d := math.Abs(a.pitch-b.pitch)/2 + math.Abs(math.Log(a.rate/b.rate))/math.Log(1.1)
		if a.voice != b.voice {
			d++
		}
		return d
	}
	for i := range points {
		for j := i + 1; j < len(points); j++ {
			if d := dist(points[i], points[j]); d < 1 {
				t.Errorf("%q %+v and %q %+v are too close (%.2f)", descs[i], points[i], descs[j], points[j], d)
			}
		}
	}
}

func TestDesignClamps(t *testing.T) {
	tests := []struct {
		desc string
		want func(Profile) bool
	}{
		{"very very very very deep", func(p Profile) bool { return p.Pitch == MinPitch }},
		{"extremely extremely high squeaky shrill child", func(p Profile) bool { return p.Pitch == MaxPitch }},
		{strings.Repeat("slow ", 20), func(p Profile) bool { return p.Rate == MinRate }},
		{strings.Repeat("extremely fast rapid ", 10), func(p Profile) bool { return p.Rate == MaxRate }},
		{"extremely monotone robotic flat", func(p Profile) bool { return p.Range == MinRange || p.Range < 0.05 }},
		{strings.Repeat("very expressive dramatic ", 10), func(p Profile) bool { return p.Range == MaxRange }},
		{strings.Repeat("faint ", 10), func(p Profile) bool { return p.Volume == MinVolume }},
		{strings.Repeat("shouting ", 10), func(p Profile) bool { return p.Volume == MaxVolume }},
		{strings.Repeat("very ", 1000) + "deep", func(p Profile) bool { return p.Pitch == MinPitch }},
		{strings.Repeat("barely ", 1000) + "deep", func(p Profile) bool { return p.Pitch == 0 }},
	}
	for _, tt := range tests {
		p := Design(tt.desc)
		if !tt.want(p) || !inLimits(p) {
			d := tt.desc
			if len(d) > 40 {
				d = d[:40] + "…"
			}
			t.Errorf("Design(%q) = %+v", d, p)
		}
	}
}

func inLimits(p Profile) bool {
	return p.Pitch >= MinPitch && p.Pitch <= MaxPitch &&
		p.Range >= MinRange && p.Range <= MaxRange &&
		p.Rate >= MinRate && p.Rate <= MaxRate &&
		p.Volume >= MinVolume && p.Volume <= MaxVolume
}

func FuzzDesign(f *testing.F) {
	for _, s := range []string{
		"", "a warm, deep male voice, speaking slowly", "not too fast", "very very very very deep",
		"Une voix féminine très douce", "мужской голос", "u s english", "\xff\xfe", "'''", "new york new",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Design(s)
		if !inLimits(p) {
			t.Fatalf("Design(%q) = %+v is out of limits", s, p)
		}
		if q := Design(s); !reflect.DeepEqual(p, q) {
			t.Fatalf("Design(%q) is not deterministic: %+v then %+v", s, p, q)
		}
		if q := Design(strings.ToUpper(s)); !reflect.DeepEqual(p.withoutTerms(), q.withoutTerms()) && strings.ToLower(strings.ToUpper(s)) == strings.ToLower(s) {
			t.Fatalf("Design(%q) depends on case: %+v, upper-cased %+v", s, p, q)
		}
		for _, lang := range protocol.Languages {
			if v := p.VoiceFor(lang); v.Name == "" || (v.Engine != engineFlite && v.Engine != engineEspeak) {
				t.Fatalf("Design(%q).VoiceFor(%s) = %+v", s, lang, v)
			}
		}
	})
}
