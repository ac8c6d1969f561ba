package kokoro

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/parley-voice/parley/protocol"
)

// StyleDim is a style vector's length, and MaxRows the rows of a voice
// file: one style per phoneme count, 1 to 510.
const (
	StyleDim = 256
	MaxRows  = 510
)

// Pack is a voice: its style vectors, row i for i+1 phoneme tokens.
type Pack [][]float32

// ReadPack reads a voice file as onnx-community/Kokoro-82M-v1.0-ONNX
// publishes it (voices/NAME.bin): raw little-endian float32 [rows, 1, 256]
// with 510 rows. Any whole number of rows from 1 to 510 is taken; values
// must be finite.
func ReadPack(path string) (Pack, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVoice, err)
	}
	const rowBytes = StyleDim * 4
	if len(b) == 0 || len(b)%rowBytes != 0 || len(b)/rowBytes > MaxRows {
		return nil, fmt.Errorf("%w: %s: %d bytes is not 1 to %d rows of %d float32 (a voice file is %d bytes)",
			ErrVoice, path, len(b), MaxRows, StyleDim, MaxRows*rowBytes)
	}
	p := make(Pack, len(b)/rowBytes)
	for r := range p {
		row := make([]float32, StyleDim)
		for i := range row {
			off := r*rowBytes + i*4
			bits := uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
			row[i] = math.Float32frombits(bits)
			if f := float64(row[i]); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%w: %s: row %d holds %v", ErrVoice, path, r, f)
			}
		}
		p[r] = row
	}
	return p, nil
}

// row is the style for a run of n phoneme tokens: row n-1, as hexgrad's
// KPipeline takes it (pack[len(ps)-1]), within the pack.
func (p Pack) row(n int) []float32 {
	return p[max(0, min(n-1, len(p)-1))]
}

// Part is one voice of a blend and its weight.
type Part struct {
	Voice  string
	Weight float64
}

// Blend is a weighted mix of voices, weights summing to 1.
type Blend []Part

var voiceName = regexp.MustCompile(`^[a-z][a-z]_[a-z0-9_]{1,60}$`)

// ParseBlend reads a voice ("af_heart") or a blend of voices with weights
// ("af_heart:0.7+bf_emma:0.3"; a voice without a weight weighs 1). The
// weights must be positive and are normalised to sum to 1; a voice named
// twice is one voice with the weights added.
func ParseBlend(s string) (Blend, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty name", ErrVoice)
	}
	weights := map[string]float64{}
	var order []string
	for _, part := range strings.Split(s, "+") {
		name, w, hasW := strings.Cut(part, ":")
		weight := 1.0
		if hasW {
			var err error
			weight, err = strconv.ParseFloat(w, 64)
			if err != nil || !(weight > 0) || math.IsInf(weight, 0) {
				return nil, fmt.Errorf("%w: %q: weight %q is not a positive number", ErrVoice, s, w)
			}
		}
		if !voiceName.MatchString(name) {
			return nil, fmt.Errorf("%w: %q: %q is not a Kokoro voice name", ErrVoice, s, name)
		}
		if _, ok := weights[name]; !ok {
			order = append(order, name)
		}
		weights[name] += weight
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	b := make(Blend, 0, len(order))
	for _, name := range order {
		b = append(b, Part{Voice: name, Weight: weights[name] / total})
	}
	return b, nil
}

// String is the blend's canonical name: one voice alone, else voices in
// order of weight (then name) with weights to three decimals.
func (b Blend) String() string {
	if len(b) == 1 {
		return b[0].Voice
	}
	parts := append(Blend(nil), b...)
	sort.SliceStable(parts, func(i, j int) bool {
		if parts[i].Weight != parts[j].Weight {
			return parts[i].Weight > parts[j].Weight
		}
		return parts[i].Voice < parts[j].Voice
	})
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = p.Voice + ":" + strconv.FormatFloat(math.Round(p.Weight*1000)/1000, 'f', -1, 64)
	}
	return strings.Join(s, "+")
}

// Main is the blend's heaviest voice (the first of the heaviest), whose
// language and gender the blend takes.
func (b Blend) Main() string {
	best := b[0]
	for _, p := range b[1:] {
		if p.Weight > best.Weight {
			best = p
		}
	}
	return best.Voice
}

// style mixes the blend's styles for a run of n tokens.
func style(packs map[string]Pack, b Blend, n int) []float32 {
	out := make([]float32, StyleDim)
	for _, p := range b {
		row := packs[p.Voice].row(n)
		for i, v := range row {
			out[i] += float32(p.Weight) * v
		}
	}
	return out
}

// Language is what a voice's first letter says: Kokoro v1.0's language
// codes (hexgrad/kokoro's KPipeline, and kokoro.js).
type Language struct {
	Code     byte
	Protocol protocol.Language // "" for Hindi
	Locale   string            // as kokoro.js and misaki name it
	Region   string
	Espeak   string // the espeak-ng voice its phonemes come from
}

var languages = map[byte]Language{
	'a': {'a', protocol.English, "en-us", "US", "en-us"},
	'b': {'b', protocol.English, "en-gb", "GB", "en-gb"},
	'e': {'e', protocol.Spanish, "es", "ES", "es"},
	'f': {'f', protocol.French, "fr-fr", "FR", "fr-fr"},
	'h': {'h', "", "hi", "IN", "hi"},
	'i': {'i', protocol.Italian, "it", "IT", "it"},
	'j': {'j', protocol.Japanese, "ja", "JP", "ja"},
	'p': {'p', protocol.Portuguese, "pt-br", "BR", "pt-br"},
	'z': {'z', protocol.Chinese, "cmn", "CN", "cmn-latn-pinyin"},
}

// LanguageOf returns the language of a voice named like Kokoro's ("af_…":
// American English), and false for an unknown first letter.
func LanguageOf(voice string) (Language, bool) {
	if voice == "" {
		return Language{}, false
	}
	l, ok := languages[voice[0]]
	return l, ok
}

// GenderOf returns "female" or "male" from a voice's second letter, or "".
func GenderOf(voice string) string {
	if len(voice) < 2 {
		return ""
	}
	switch voice[1] {
	case 'f':
		return "female"
	case 'm':
		return "male"
	}
	return ""
}
