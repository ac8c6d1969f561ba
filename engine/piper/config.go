package piper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Phoneme types of a voice's config.
const (
	PhonemesEspeak = "espeak" // espeak-ng IPA (the default)
	PhonemesText   = "text"   // the text's own characters
)

// The special symbols of phoneme_id_map.
const (
	padSymbol = '_'
	bosSymbol = '^'
	eosSymbol = '$'
)

// Sample rates a voice may declare: Piper's voices use 16 and 22.05 kHz;
// anything outside this range is a broken config.
const (
	MinSampleRate = 8000
	MaxSampleRate = 48000
)

// Config is a voice's NAME.onnx.json, as Piper's training exports it and
// rhasspy/piper-voices publishes it. Fields Parley does not use are
// ignored.
type Config struct {
	Audio struct {
		SampleRate int    `json:"sample_rate"`
		Quality    string `json:"quality"`
	} `json:"audio"`
	Espeak struct {
		Voice string `json:"voice"`
	} `json:"espeak"`
	Inference struct {
		NoiseScale  *float64 `json:"noise_scale"`
		LengthScale *float64 `json:"length_scale"`
		NoiseW      *float64 `json:"noise_w"`
	} `json:"inference"`
	PhonemeType  string              `json:"phoneme_type"`
	PhonemeMap   map[string][]string `json:"phoneme_map"`
	PhonemeIDMap map[string][]int64  `json:"phoneme_id_map"`
	NumSymbols   int                 `json:"num_symbols"`
	NumSpeakers  int                 `json:"num_speakers"`
	SpeakerIDMap map[string]int64    `json:"speaker_id_map"`
	Language     struct {
		Code           string `json:"code"`
		Family         string `json:"family"`
		Region         string `json:"region"`
		NameNative     string `json:"name_native"`
		NameEnglish    string `json:"name_english"`
		CountryEnglish string `json:"country_english"`
	} `json:"language"`
	Dataset string `json:"dataset"`

	// Decoded from the maps above by ParseConfig.
	ids    map[rune][]int64
	remap  map[rune][]rune
	scales [3]float32 // noise_scale, length_scale, noise_w
}

// Piper's defaults where the inference block leaves a scale out
// (piper/src/python_run/piper/config.py).
const (
	defaultNoiseScale  = 0.667
	defaultLengthScale = 1.0
	defaultNoiseW      = 0.8
)

// ParseConfig reads and checks a voice config: the sample rate within
// MinSampleRate..MaxSampleRate; a phoneme_id_map whose keys are single
// characters including the pad, beginning and end symbols, with ids within
// num_symbols when that is given; a phoneme_map of single characters; at
// least one speaker, with speaker ids below num_speakers; an espeak voice
// for espeak phonemes; and positive scales.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if r := c.Audio.SampleRate; r < MinSampleRate || r > MaxSampleRate {
		return nil, fmt.Errorf("%w: audio.sample_rate %d Hz is not a sample rate (want %d to %d)", ErrConfig, r, MinSampleRate, MaxSampleRate)
	}
	switch c.PhonemeType {
	case "":
		c.PhonemeType = PhonemesEspeak
		fallthrough
	case PhonemesEspeak:
		if c.Espeak.Voice == "" {
			return nil, fmt.Errorf("%w: espeak.voice is missing", ErrConfig)
		}
	case PhonemesText:
	default:
		return nil, fmt.Errorf("%w: phoneme_type %q is not supported (espeak or text)", ErrConfig, c.PhonemeType)
	}
	if c.NumSpeakers < 1 {
		return nil, fmt.Errorf("%w: num_speakers %d", ErrConfig, c.NumSpeakers)
	}
	for name, id := range c.SpeakerIDMap {
		if id < 0 || id >= int64(c.NumSpeakers) {
			return nil, fmt.Errorf("%w: speaker %q has id %d, num_speakers is %d", ErrConfig, name, id, c.NumSpeakers)
		}
	}
	if len(c.PhonemeIDMap) == 0 {
		return nil, fmt.Errorf("%w: phoneme_id_map is missing", ErrConfig)
	}
	c.ids = make(map[rune][]int64, len(c.PhonemeIDMap))
	for sym, ids := range c.PhonemeIDMap {
		r, ok := oneRune(sym)
		if !ok {
			return nil, fmt.Errorf("%w: phoneme_id_map key %q is not one character", ErrConfig, sym)
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("%w: phoneme_id_map[%q] has no ids", ErrConfig, sym)
		}
		for _, id := range ids {
			if id < 0 || (c.NumSymbols > 0 && id >= int64(c.NumSymbols)) {
				return nil, fmt.Errorf("%w: phoneme_id_map[%q] has id %d, num_symbols is %d", ErrConfig, sym, id, c.NumSymbols)
			}
		}
		c.ids[r] = ids
	}
	for _, r := range []rune{padSymbol, bosSymbol, eosSymbol} {
		if c.ids[r] == nil {
			return nil, fmt.Errorf("%w: phoneme_id_map has no %q", ErrConfig, r)
		}
	}
	if len(c.PhonemeMap) > 0 {
		c.remap = make(map[rune][]rune, len(c.PhonemeMap))
		for from, tos := range c.PhonemeMap {
			r, ok := oneRune(from)
			if !ok {
				return nil, fmt.Errorf("%w: phoneme_map key %q is not one character", ErrConfig, from)
			}
			for _, to := range tos {
				t, ok := oneRune(to)
				if !ok {
					return nil, fmt.Errorf("%w: phoneme_map[%q] has %q, not one character", ErrConfig, from, to)
				}
				c.remap[r] = append(c.remap[r], t)
			}
		}
	}
	c.scales = [3]float32{defaultNoiseScale, defaultLengthScale, defaultNoiseW}
	for i, p := range []*float64{c.Inference.NoiseScale, c.Inference.LengthScale, c.Inference.NoiseW} {
		if p == nil {
			continue
		}
		if !(*p > 0 && *p < 100) {
			return nil, fmt.Errorf("%w: inference scale %v", ErrConfig, *p)
		}
		c.scales[i] = float32(*p)
	}
	return &c, nil
}

func oneRune(s string) (rune, bool) {
	r, n := utf8.DecodeRuneInString(s)
	return r, n == len(s) && n > 0 && r != utf8.RuneError
}

// Scales are the voice's noise_scale, length_scale and noise_w.
func (c *Config) Scales() (noiseScale, lengthScale, noiseW float64) {
	return float64(c.scales[0]), float64(c.scales[1]), float64(c.scales[2])
}

// Speaker returns the speaker id for name: a key of speaker_id_map, or a
// number below num_speakers. "" is speaker 0.
func (c *Config) Speaker(name string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	if id, ok := c.SpeakerIDMap[name]; ok {
		return id, nil
	}
	if id, err := strconv.ParseInt(name, 10, 64); err == nil && id >= 0 && id < int64(c.NumSpeakers) {
		return id, nil
	}
	return 0, fmt.Errorf("%w %q (the voice has %d)", ErrSpeaker, name, c.NumSpeakers)
}

// Speakers lists the named speakers in id order.
func (c *Config) Speakers() []string {
	names := make([]string, 0, len(c.SpeakerIDMap))
	for n := range c.SpeakerIDMap {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := c.SpeakerIDMap[names[i]], c.SpeakerIDMap[names[j]]
		return a < b || a == b && names[i] < names[j]
	})
	return names
}
