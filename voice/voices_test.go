package voice

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

func TestVoiceFor(t *testing.T) {
	tests := []struct {
		desc                  string
		lang                  protocol.Language
		engine, name, variant string
	}{
		{"", protocol.English, engineFlite, "slt", ""},
		{"a woman", protocol.English, engineFlite, "slt", ""},
		{"an American man", protocol.English, engineFlite, "rms", ""},
		{"a Scottish man", protocol.English, engineFlite, "awb", ""},
		{"a robotic voice", protocol.English, engineFlite, "kal16", ""},
		{"a robotic man", protocol.English, engineFlite, "kal16", ""},
		{"an old woman", protocol.English, engineFlite, "slt", ""},
		{"a young boy", protocol.English, engineFlite, "rms", ""},
		{"a Scottish woman", protocol.English, engineEspeak, "en-gb-scotland", "f2"},
		{"a British woman", protocol.English, engineEspeak, "en-gb", "f2"},
		{"a British man", protocol.English, engineEspeak, "en-gb", "m6"},
		{"an old British man", protocol.English, engineEspeak, "en-gb", "grandpa"},
		{"a posh woman", protocol.English, engineEspeak, "en-gb-x-rp", "f2"},
		{"a Mancunian lad", protocol.English, engineEspeak, "en-gb-x-gbclan", "m5"},
		{"a Brummie", protocol.English, engineEspeak, "en-gb-x-gbcwmd", "f2"},
		{"a Jamaican grandma", protocol.English, engineEspeak, "en-029", "f1"},
		{"a New Yorker, male", protocol.English, engineEspeak, "en-us-nyc", "m6"},
		{"a robotic woman", protocol.English, engineEspeak, "en-us", "anikaRobot"},
		{"a whispering man", protocol.English, engineEspeak, "en-us", "whisper"},
		{"a whisper", protocol.English, engineEspeak, "en-us", "whisper"},
		{"a Brazilian woman", protocol.English, engineFlite, "slt", ""},
		{"", protocol.Spanish, engineEspeak, "es-419", "f2"},
		{"a man from Spain", protocol.Spanish, engineEspeak, "es", "m6"},
		{"a Mexican girl", protocol.Spanish, engineEspeak, "es-419", "f5"},
		{"a British man", protocol.Spanish, engineEspeak, "es-419", "m6"},
		{"", protocol.Portuguese, engineEspeak, "pt-br", "f2"},
		{"a man from Lisbon", protocol.Portuguese, engineEspeak, "pt", "m6"},
		{"an old man", protocol.German, engineEspeak, "de", "grandpa"},
		{"a Belgian woman", protocol.French, engineEspeak, "fr-be", "f2"},
		{"Swiss", protocol.French, engineEspeak, "fr-ch", "f2"},
		{"a child", protocol.Italian, engineEspeak, "it", "f5"},
		{"a robot", protocol.Chinese, engineEspeak, "cmn-latn-pinyin", "robosoft2"},
		{"a man", protocol.Japanese, engineEspeak, "ja", "m6"},
		{"whispering", protocol.Korean, engineEspeak, "ko", "whisper"},
		{"a Scottish man", protocol.Russian, engineEspeak, "ru", "m6"},
		{"", protocol.Auto, engineFlite, "slt", ""},
		{"a man", "Klingon", engineFlite, "rms", ""},
	}
	for _, tt := range tests {
		p := Design(tt.desc)
		v := p.VoiceFor(tt.lang)
		if v.Engine != tt.engine || v.Name != tt.name || v.Variant != tt.variant {
			t.Errorf("Design(%q).VoiceFor(%s) = %s %s+%s, want %s %s+%s",
				tt.desc, tt.lang, v.Engine, v.Name, v.Variant, tt.engine, tt.name, tt.variant)
		}
		if v.Pitch != p.Pitch || v.Range != p.Range || v.Rate != p.Rate || v.Volume != p.Volume {
			t.Errorf("Design(%q).VoiceFor(%s) prosody = %+v, want the profile's %+v", tt.desc, tt.lang, v, p)
		}
	}
}

func TestDefault(t *testing.T) {
	d := Default()
	if d.Gender == "" || d.Accent == "" {
		t.Errorf("DefaultDescription %q must name a gender and an accent; got %+v", DefaultDescription, d)
	}
	if d.Terms != nil {
		t.Errorf("Default().Terms = %q, want none", d.Terms)
	}
	if v := d.VoiceFor(protocol.English); v.Engine != engineFlite || v.Name != "slt" {
		t.Errorf("Default().VoiceFor(English) = %+v, want flite slt", v)
	}
	// An unspecified gender and accent are the default voice's.
	if got, want := Design("slow").VoiceFor(protocol.English).Name, d.VoiceFor(protocol.English).Name; got != want {
		t.Errorf("an undescribed gender speaks English with %s, want the default's %s", got, want)
	}
}

// TestVoiceForExists checks every voice VoiceFor can return against the
// installed espeak-ng-data and the flite voices the engine registers.
func TestVoiceForExists(t *testing.T) {
	names, variants := espeakData(t)
	flite := map[string]bool{"slt": true, "rms": true, "awb": true, "kal16": true}
	seen := map[string]bool{}
	genders := []string{"", GenderFemale, GenderMale}
	ages := []string{"", AgeYoung, AgeOld}
	styles := []string{"", StyleWhisper, StyleRobotic}
	langs := append([]protocol.Language{protocol.Auto}, protocol.Languages...)
	for _, g := range genders {
		for _, a := range append([]string{""}, accents...) {
			for _, age := range ages {
				for _, s := range styles {
					p := Profile{Gender: g, Accent: a, Age: age, Style: s, Range: 1, Rate: 1, Volume: 1}
					for _, lang := range langs {
						v := p.VoiceFor(lang)
						seen[v.Engine+" "+v.Name+" "+v.Variant] = true
						if !validVoice(v, names, variants, flite) {
							t.Errorf("%+v.VoiceFor(%s) = %+v, which is not installed", p, lang, v)
						}
					}
				}
			}
		}
	}
	// Every table entry is reachable, so none is dead.
	for _, f := range fliteVoices {
		if !seen[engineFlite+" "+f.name+" "] {
			t.Errorf("flite voice %s is never chosen", f.name)
		}
	}
	for _, ev := range espeakVariants {
		found := false
		for k := range seen {
			found = found || strings.HasSuffix(k, " "+ev.variant)
		}
		if !found {
			t.Errorf("espeak variant %s is never chosen", ev.variant)
		}
	}
}

func validVoice(v engine.Voice, names, variants, flite map[string]bool) bool {
	switch v.Engine {
	case engineFlite:
		return flite[v.Name] && v.Variant == ""
	case engineEspeak:
		return names[strings.ToLower(v.Name)] && variants[v.Variant]
	}
	return false
}

// espeakData reads the voice names (file names and declared languages,
// lower-cased, as espeak_SetVoiceByName matches them) and the variant names
// from the installed espeak-ng-data.
func espeakData(t *testing.T) (names, variants map[string]bool) {
	t.Helper()
	var dir string
	candidates := []string{os.Getenv("ESPEAK_DATA_PATH") + "/espeak-ng-data"}
	more, _ := filepath.Glob("/usr/lib/*/espeak-ng-data")
	candidates = append(append(candidates, more...), "/usr/share/espeak-ng-data", "/usr/local/share/espeak-ng-data")
	for _, c := range candidates {
		if st, err := os.Stat(filepath.Join(c, "lang")); err == nil && st.IsDir() {
			dir = c
			break
		}
	}
	if dir == "" {
		t.Fatalf("no espeak-ng-data found in %q (apt install espeak-ng-data, or set ESPEAK_DATA_PATH)", candidates)
	}
	names = map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dir, "lang"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names[strings.ToLower(d.Name())] = true
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "language" {
				names[strings.ToLower(fields[1])] = true
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	variants = map[string]bool{"": true}
	entries, err := os.ReadDir(filepath.Join(dir, "voices", "!v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		variants[e.Name()] = true
	}
	return names, variants
}
