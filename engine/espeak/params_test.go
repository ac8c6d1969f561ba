package espeak

import (
	"errors"
	"math"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Hello, world.", "Hello, world."},
		{"tab\tand\nlines\r\n", "tab\tand\nlines\r\n"},
		{"nul\x00byte", "nul byte"},
		{"embedded \x0190P pitch", "embedded  90P pitch"},
		{"bell\a esc\x1b[31m del\x7f", "bell  esc [31m del "},
		{"C1\u0085next", "C1 next"},
		{"bad \xff\xfe utf8", "bad    utf8"},
		{"<speak>[[h@l'oU]]</speak>", "<speak>[[h@l'oU]]</speak>"},
		{"日本語 и кириллица", "日本語 и кириллица"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func testCatalog() *catalog {
	return newCatalog(
		[]VoiceInfo{
			{Name: "en-us", Identifier: "gmw/en-US", Description: "English (America)", Languages: []string{"en-us", "en"}},
			{Name: "de", Identifier: "gmw/de", Description: "German", Languages: []string{"de"}},
			{Name: "en-gb-x", Identifier: "gmw/en", Description: "English (Great Britain)", Languages: []string{"en-gb", "en"}},
			{Name: "gsw-a", Identifier: "gmw/gsw-a", Description: "Swiss German A", Languages: []string{"gsw"}},
			{Name: "gsw-b", Identifier: "gmw/gsw-b", Description: "Swiss German B", Languages: []string{"gsw"}},
		},
		[]string{"m3", "f2", "Mr serious"},
	)
}

func TestResolve(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		p       Params
		want    request
		wantErr error
	}{
		{Params{Voice: "en-us"}, request{voice: "gmw/en-US", rate: 175, pitch: 50, prange: 50, volume: 100}, nil},
		{Params{Voice: "EN-US", Variant: "F2"}, request{voice: "gmw/en-US+f2", rate: 175, pitch: 50, prange: 50, volume: 100}, nil},
		{Params{Voice: "gmw/de", Variant: "mr serious"}, request{voice: "gmw/de+Mr serious", rate: 175, pitch: 50, prange: 50, volume: 100}, nil},
		{Params{Voice: "de", Rate: 80, Pitch: Zero, Range: Zero, Volume: Zero}, request{voice: "gmw/de", rate: 80, pitch: 0, prange: 0, volume: 0}, nil},
		{Params{Voice: "de", Rate: MaxRate, Pitch: MaxPitch, Range: MaxRange, Volume: MaxVolume}, request{voice: "gmw/de", rate: MaxRate, pitch: 100, prange: 100, volume: 200}, nil},
		{Params{Voice: "de", Pitch: 1, Range: 1, Volume: 1}, request{voice: "gmw/de", rate: 175, pitch: 1, prange: 1, volume: 1}, nil},
		{Params{}, request{}, ErrUnknownVoice},
		{Params{Voice: "fr"}, request{}, ErrUnknownVoice},
		{Params{Voice: "English (America)"}, request{}, ErrUnknownVoice},
		// A voice's preferred language tag names it, unless another voice
		// prefers it too; a tag nobody prefers is unknown.
		{Params{Voice: "en-gb"}, request{voice: "gmw/en", rate: 175, pitch: 50, prange: 50, volume: 100}, nil},
		{Params{Voice: "en"}, request{}, ErrUnknownVoice},
		{Params{Voice: "gsw"}, request{}, ErrUnknownVoice},
		{Params{Voice: "de", Variant: "m9"}, request{}, ErrUnknownVariant},
		{Params{Voice: "de", Rate: 79}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Rate: Zero}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Rate: MaxRate + 1}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Pitch: -2}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Pitch: 101}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Range: 101}, request{}, ErrInvalidParams},
		{Params{Voice: "de", Volume: 201}, request{}, ErrInvalidParams},
	}
	for _, tt := range tests {
		got, err := c.resolve(tt.p)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("resolve(%+v) error = %v, want %v", tt.p, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("resolve(%+v) = %+v, want %+v", tt.p, got, tt.want)
		}
	}
}

func TestCatalogSorted(t *testing.T) {
	c := testCatalog()
	if c.voices[0].Name != "de" || c.variants[0] != "Mr serious" || c.variants[2] != "m3" {
		t.Errorf("catalog not sorted: %v %v", c.voices, c.variants)
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64) int
		in   float64
		want int
	}{
		{"PitchForSemitones", PitchForSemitones, 0, DefaultPitch},
		{"PitchForSemitones", PitchForSemitones, math.NaN(), DefaultPitch},
		{"PitchForSemitones", PitchForSemitones, 1.71, 60},
		{"PitchForSemitones", PitchForSemitones, -3.13, 30},
		{"PitchForSemitones", PitchForSemitones, 0.855, 55},
		{"PitchForSemitones", PitchForSemitones, 12, MaxPitch},
		{"PitchForSemitones", PitchForSemitones, -12, Zero},
		{"RangeForScale", RangeForScale, 1, DefaultRange},
		{"RangeForScale", RangeForScale, 0, Zero},
		{"RangeForScale", RangeForScale, -1, Zero},
		{"RangeForScale", RangeForScale, 0.56, 25},
		{"RangeForScale", RangeForScale, 3, MaxRange},
		{"RateForScale", RateForScale, 1, DefaultRate},
		{"RateForScale", RateForScale, 2.283, 400},
		{"RateForScale", RateForScale, 0.1, MinRate},
		{"RateForScale", RateForScale, 10, MaxRate},
		{"RateForScale", RateForScale, math.Inf(1), MaxRate},
		{"VolumeForScale", VolumeForScale, 1, DefaultVolume},
		{"VolumeForScale", VolumeForScale, 0.485, 50},
		{"VolumeForScale", VolumeForScale, 0, Zero},
		{"VolumeForScale", VolumeForScale, 5, MaxVolume},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s(%v) = %d, want %d", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestHelpersMonotonic checks that a larger request never gives a smaller
// parameter, and that every result is valid in Params.
func TestHelpersMonotonic(t *testing.T) {
	helpers := []struct {
		name   string
		f      func(float64) int
		lo, hi float64
		min    int
		max    int
	}{
		{"PitchForSemitones", PitchForSemitones, -10, 12, 0, MaxPitch},
		{"RangeForScale", RangeForScale, 0, 2, 0, MaxRange},
		{"RateForScale", RateForScale, 0, 7, MinRate, MaxRate},
		{"VolumeForScale", VolumeForScale, 0, 2.5, 0, MaxVolume},
	}
	for _, h := range helpers {
		prev := -1
		for x := h.lo; x <= h.hi; x += (h.hi - h.lo) / 500 {
			v := h.f(x)
			if v == Zero {
				v = 0
			}
			if v < prev || v < h.min || v > h.max {
				t.Errorf("%s(%.3f) = %d after %d (bounds %d..%d)", h.name, x, v, prev, h.min, h.max)
				break
			}
			prev = v
		}
	}
}
