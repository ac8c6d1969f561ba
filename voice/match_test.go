package voice

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
)

// TestCalibrationCovers checks that every voice Match can choose has been
// measured, and that nothing else has.
func TestCalibrationCovers(t *testing.T) {
	used := map[int]bool{}
	langs := append([]protocol.Language{protocol.Auto, "Klingon"}, protocol.Languages...)
	for _, lang := range langs {
		for _, f0 := range []float64{90, 159, 160, 250} {
			v := Match(Analysis{MedianF0: f0}, lang).VoiceFor(lang)
			i := -1
			for j, b := range calibration {
				if b.Engine == v.Engine && b.Name == v.Name && b.Variant == v.Variant {
					i = j
				}
			}
			if i < 0 {
				t.Errorf("%s at %v Hz: %+v is not calibrated", lang, f0, v)
				continue
			}
			used[i] = true
			if b := calibration[i]; lang != protocol.Auto && lang != "Klingon" && b.Language != lang {
				t.Errorf("%s at %v Hz: %s %s was calibrated in %s", lang, f0, v.Name, v.Variant, b.Language)
			}
		}
	}
	for i, b := range calibration {
		if !used[i] {
			t.Errorf("calibration entry %s %s %s is never used", b.Engine, b.Name, b.Variant)
		}
		if len(b.Ranges) < 2 || !positive(b.MedianF0) || !positive(b.Spread) || !positive(b.SpeechRate) {
			t.Errorf("calibration entry %+v is incomplete", b)
		}
		for j := 1; j < len(b.Ranges); j++ {
			if b.Ranges[j].Range <= b.Ranges[j-1].Range {
				t.Errorf("%s %s: ranges not ascending", b.Name, b.Variant)
			}
		}
	}
}

// analysisOf is what Analyze would report for a voice that measures
// exactly like b at neutral prosody.
func analysisOf(b baseVoice) Analysis {
	return Analysis{
		MedianF0:   b.MedianF0,
		F0P10:      b.MedianF0 * math.Pow(2, -b.Spread/24),
		F0P90:      b.MedianF0 * math.Pow(2, b.Spread/24),
		SpeechRate: b.SpeechRate,
	}
}

// TestMatchCalibratedVoice matches each engine voice's own measurements
// back to that voice at neutral prosody, and shifted measurements to the
// shifts.
func TestMatchCalibratedVoice(t *testing.T) {
	for _, b := range calibration {
		a := analysisOf(b)
		p := Match(a, b.Language)
		v := p.VoiceFor(b.Language)
		if v.Engine != b.Engine || v.Name != b.Name || v.Variant != b.Variant {
			t.Errorf("%s %s %s matched %+v", b.Engine, b.Name, b.Variant, v)
			continue
		}
		want := Profile{Gender: p.Gender, Pitch: 0, Range: 1, Rate: 1, Volume: 1}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("%s %s %s: %+v, want %+v", b.Engine, b.Name, b.Variant, p, want)
		}
		// Two semitones higher, half the spread, 10% faster: the range
		// comes from the response table and the pitch undoes the median's
		// shift at that range.
		a.MedianF0 *= math.Pow(2, 2.0/12)
		a.F0P10, a.F0P90 = a.MedianF0*math.Pow(2, -b.Spread/48), a.MedianF0*math.Pow(2, b.Spread/48)
		a.SpeechRate *= 1.1
		p = Match(a, b.Language)
		r := rangeFor(b.Ranges, b.Spread/2)
		if math.Abs(p.Range-r) > 0.006 || r >= 1 {
			t.Errorf("%s %s: range %v, want %v", b.Name, b.Variant, p.Range, r)
		}
		if want := 2 - shiftAt(b.Ranges, p.Range); math.Abs(p.Pitch-want) > 0.006 {
			t.Errorf("%s %s: pitch %v, want %v", b.Name, b.Variant, p.Pitch, want)
		}
		if p.Rate != 1.1 {
			t.Errorf("%s %s: rate %v, want 1.1", b.Name, b.Variant, p.Rate)
		}
	}
}

func TestMatchGender(t *testing.T) {
	for _, tt := range []struct {
		f0   float64
		want string
	}{
		{85, GenderMale}, {GenderThresholdHz - 0.01, GenderMale},
		{GenderThresholdHz, GenderFemale}, {255, GenderFemale},
		{0, Default().Gender}, {math.NaN(), Default().Gender}, {math.Inf(1), Default().Gender}, {-100, Default().Gender},
	} {
		for _, lang := range protocol.Languages {
			if got := Match(Analysis{MedianF0: tt.f0}, lang).Gender; got != tt.want {
				t.Errorf("%v Hz in %s: %s, want %s", tt.f0, lang, got, tt.want)
			}
		}
	}
}

// TestMatchLimits checks the clamps, monotonicity, and that figures an
// Analysis cannot hold leave their parameter neutral.
func TestMatchLimits(t *testing.T) {
	base := func(f0 float64) baseVoice {
		b, _ := baseFor(Match(Analysis{MedianF0: f0}, protocol.English).VoiceFor(protocol.English))
		return b
	}
	female := analysisOf(base(200))
	tests := []struct {
		name   string
		change func(*Analysis)
		check  func(Profile) bool
	}{
		{"very high", func(a *Analysis) { a.MedianF0, a.F0P10, a.F0P90 = 900, 850, 950 }, func(p Profile) bool { return p.Pitch == MaxPitch }},
		{"very low", func(a *Analysis) { a.MedianF0, a.F0P10, a.F0P90 = 30, 28, 32 }, func(p Profile) bool { return p.Pitch == MinPitch }},
		{"monotone", func(a *Analysis) { a.F0P10, a.F0P90 = a.MedianF0, a.MedianF0*1.0001 }, func(p Profile) bool { return p.Range == minMatchedRange }},
		{"wild intonation", func(a *Analysis) { a.F0P10, a.F0P90 = a.MedianF0/2, a.MedianF0*2 }, func(p Profile) bool { return p.Range == MaxRange }},
		{"very fast", func(a *Analysis) { a.SpeechRate *= 3 }, func(p Profile) bool { return p.Rate == maxGuessedRate }},
		{"very slow", func(a *Analysis) { a.SpeechRate /= 3 }, func(p Profile) bool { return p.Rate == minGuessedRate }},
		{"no spread", func(a *Analysis) { a.F0P10, a.F0P90 = 0, 0 }, func(p Profile) bool { return p.Range == 1 && p.Pitch == 0 }},
		{"no speech rate", func(a *Analysis) { a.SpeechRate = 0 }, func(p Profile) bool { return p.Rate == 1 }},
		{"infinite speech rate", func(a *Analysis) { a.SpeechRate = math.Inf(1) }, func(p Profile) bool { return p.Rate == 1 }},
		{"NaN speech rate", func(a *Analysis) { a.SpeechRate = math.NaN() }, func(p Profile) bool { return p.Rate == 1 }},
		{"zero", func(a *Analysis) { *a = Analysis{} }, func(p Profile) bool {
			return reflect.DeepEqual(p, Profile{Gender: Default().Gender, Range: 1, Rate: 1, Volume: 1})
		}},
	}
	for _, tt := range tests {
		a := female
		tt.change(&a)
		p := Match(a, protocol.English)
		if !tt.check(p) {
			t.Errorf("%s: %+v", tt.name, p)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if q := Match(a, protocol.English); !reflect.DeepEqual(p, q) {
			t.Errorf("%s: not deterministic: %+v then %+v", tt.name, p, q)
		}
	}
	// Higher and faster references give higher and faster profiles.
	var prev Profile
	for i, k := range []float64{0.96, 1, 1.05, 1.1, 1.2} {
		a := female
		a.MedianF0 *= k
		a.F0P10 *= k
		a.F0P90 *= k
		a.SpeechRate *= k
		p := Match(a, protocol.English)
		if i > 0 && (p.Pitch <= prev.Pitch || p.Rate <= prev.Rate || p.Range != prev.Range) {
			t.Errorf("×%v: %+v after %+v", k, p, prev)
		}
		prev = p
	}
}

func TestRangeResponse(t *testing.T) {
	pts := []rangePoint{{0.1, 0.5, -2}, {0.5, 1.5, -1}, {1, 3, 0}, {2, 4, 2}, {3, 4, 3}}
	for _, tt := range []struct{ spread, rng float64 }{
		{0, 0.1}, {0.5, 0.1}, {1, 0.3}, {1.5, 0.5}, {3, 1}, {3.5, 1.5}, {4, 2}, {10, 3},
	} {
		if got := rangeFor(pts, tt.spread); math.Abs(got-tt.rng) > 1e-9 {
			t.Errorf("rangeFor(%v) = %v, want %v", tt.spread, got, tt.rng)
		}
	}
	for _, tt := range []struct{ rng, shift float64 }{
		{0, -2}, {0.1, -2}, {0.3, -1.5}, {1, 0}, {1.5, 1}, {2.5, 2.5}, {4, 3},
	} {
		if got := shiftAt(pts, tt.rng); math.Abs(got-tt.shift) > 1e-9 {
			t.Errorf("shiftAt(%v) = %v, want %v", tt.rng, got, tt.shift)
		}
	}
	if rangeFor(nil, 2) != 1 || shiftAt(nil, 2) != 0 {
		t.Error("an empty response is not neutral")
	}
}

// linearSynth is an engine whose response is known: a voiceLike signal
// at 150 Hz shifted by the pitch, whose spread follows the range, three
// seconds long at rate 1.
type linearSynth struct {
	calls int
	err   error
	langs []protocol.Language
}

func (s *linearSynth) Synthesize(ctx context.Context, seg engine.Segment, v engine.Voice, emit func([]int16) error) error {
	s.calls++
	s.langs = append(s.langs, seg.Language)
	if s.err != nil {
		return s.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dur := time.Duration(float64(3*time.Second) / v.Rate)
	return emit(voiceLike(150*math.Pow(2, v.Pitch/12), 0.04*v.Range, 4*v.Rate, dur, 24000))
}

// TestMatchTextConverges checks MatchText's refinement against an engine
// with a known response: it must find the pitch, range and rate that make
// that engine sound like the reference.
func TestMatchTextConverges(t *testing.T) {
	for _, tt := range []struct {
		f0, drift float64
		dur       time.Duration
	}{
		{180, 0.04, 2500 * time.Millisecond},
		{130, 0.06, 4 * time.Second},
		{220, 0.02, 3 * time.Second},
	} {
		ref := voiceLike(tt.f0, tt.drift, 4*3/tt.dur.Seconds(), tt.dur, 16000)
		a, err := Analyze(context.Background(), ref, 16000)
		if err != nil {
			t.Fatal(err)
		}
		s := &linearSynth{}
		p, err := MatchText(context.Background(), s, a, "the words", protocol.English)
		if err != nil {
			t.Fatal(err)
		}
		wantPitch := 12 * math.Log2(tt.f0/150)
		wantRange := tt.drift / 0.04
		wantRate := 3 / tt.dur.Seconds()
		// Speech time is counted in 10 ms frames, and each of these
		// signals' twelve pauses gains or loses a frame with how the
		// frames fall, so the rate is found within 5%.
		if math.Abs(p.Pitch-wantPitch) > 0.3 || math.Abs(p.Range/wantRange-1) > 0.1 || math.Abs(p.Rate/wantRate-1) > 0.05 {
			t.Errorf("%v Hz, drift %v, %v: %+v, want pitch %.2f range %.2f rate %.2f", tt.f0, tt.drift, tt.dur, p, wantPitch, wantRange, wantRate)
		}
		if s.calls < 1 || s.calls > maxRefinements {
			t.Errorf("%d syntheses", s.calls)
		}
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestMatchTextErrors(t *testing.T) {
	a, err := Analyze(context.Background(), voiceLike(180, 0.05, 4, 3*time.Second, 16000), 16000)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	engineErr := errors.New("engine on fire")

	// No words: Match's profile, and no synthesis.
	s := &linearSynth{}
	if p, err := MatchText(ctx, s, a, " \n", protocol.English); err != nil || !reflect.DeepEqual(p, Match(a, protocol.English)) || s.calls != 0 {
		t.Errorf("blank text: %+v, %v after %d syntheses", p, err, s.calls)
	}
	for _, tt := range []struct {
		name  string
		ctx   context.Context
		synth *linearSynth
		a     Analysis
		text  string
		want  error // nil: any error
	}{
		{"text too long", ctx, &linearSynth{}, a, strings.Repeat("a", MaxRefText+1), ErrRefText},
		{"text too long for 3 s", ctx, &linearSynth{}, a, strings.Repeat("a", 3*MaxRefTextPerSecond+1), ErrRefText},
		{"engine error", ctx, &linearSynth{err: engineErr}, a, "words", engineErr},
		{"cancelled", cancelled, &linearSynth{}, a, "words", context.Canceled},
		{"zero analysis", ctx, &linearSynth{}, Analysis{}, "words", nil},
	} {
		p, err := MatchText(tt.ctx, tt.synth, tt.a, tt.text, protocol.English)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !reflect.DeepEqual(p, Profile{}) {
			t.Errorf("%s: %+v, %v", tt.name, p, err)
		}
	}
	// Auto is spoken as English, as VoiceFor treats it.
	s = &linearSynth{}
	if _, err := MatchText(ctx, s, a, "words", protocol.Auto); err != nil || len(s.langs) == 0 || s.langs[0] != protocol.English {
		t.Errorf("Auto: %v, spoken as %v", err, s.langs)
	}
	// Text the engine speaks as silence cannot be measured.
	silent := &silentSynth{}
	if _, err := MatchText(ctx, silent, a, "words", protocol.English); !errors.Is(err, ErrSilent) {
		t.Errorf("silent engine: %v", err)
	}
}

func TestCheckRefText(t *testing.T) {
	for _, tt := range []struct {
		chars int
		d     time.Duration
		ok    bool
	}{
		{0, 0, true},
		{30, time.Second, true},
		{31, time.Second, false},
		{1800, MaxReference, true},
		{1801, MaxReference, false},
		{MaxRefText, time.Hour, true},
		{MaxRefText + 1, time.Hour, false},
	} {
		err := CheckRefText(strings.Repeat("é", tt.chars), tt.d)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrRefText)) {
			t.Errorf("%d characters for %v: %v", tt.chars, tt.d, err)
		}
	}
}

type silentSynth struct{}

func (silentSynth) Synthesize(_ context.Context, _ engine.Segment, _ engine.Voice, emit func([]int16) error) error {
	return emit(make([]int16, 24000))
}
