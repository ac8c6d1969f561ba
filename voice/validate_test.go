package voice

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	// Everything Design can say is valid: every word of the table, alone
	// and intensified to the limits.
	for _, sec := range lexicon {
		for _, g := range sec.groups {
			for _, w := range splitList(g.words) {
				for _, d := range []string{w, "extremely extremely " + w, "not " + w} {
					if err := Design(d).Validate(); err != nil {
						t.Errorf("Design(%q): %v", d, err)
					}
				}
			}
		}
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default: %v", err)
	}
	ok := Profile{Range: 1, Rate: 1, Volume: 1}
	for _, tt := range []struct {
		name   string
		change func(*Profile)
	}{
		{"gender", func(p *Profile) { p.Gender = "Female" }},
		{"accent", func(p *Profile) { p.Accent = "irish" }},
		{"age", func(p *Profile) { p.Age = ageAdult }},
		{"style", func(p *Profile) { p.Style = "natural" }},
		{"pitch", func(p *Profile) { p.Pitch = MaxPitch + 0.01 }},
		{"range", func(p *Profile) { p.Range = -0.01 }},
		{"rate", func(p *Profile) { p.Rate = 0 }},
		{"volume", func(p *Profile) { p.Volume = MaxVolume * 2 }},
		{"pitch", func(p *Profile) { p.Pitch = math.NaN() }},
		{"rate", func(p *Profile) { p.Rate = math.Inf(1) }},
	} {
		p := ok
		tt.change(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%+v: %v, want an error about the %s", p, err, tt.name)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
}
