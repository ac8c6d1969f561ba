package kokoro

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readConfig(t *testing.T) *Config {
	t.Helper()
	b, err := os.ReadFile("testdata/kokoro/config.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseConfig(t *testing.T) {
	c := readConfig(t)
	if len(c.vocab) != 114 || c.NToken != 178 || c.MaxTokens() != 510 {
		t.Errorf("vocab %d, n_token %d, max tokens %d", len(c.vocab), c.NToken, c.MaxTokens())
	}
	ids, missing := c.Tokens([]rune("həlˈoʊ, wˈɜːld!☃"))
	want := []int64{50, 83, 54, 156, 57, 135, 3, 16, 65, 156, 87, 158, 54, 46, 5}
	if !slices.Equal(ids, want) || missing != 1 {
		t.Errorf("Tokens = %v (%d missing), want %v (1 missing)", ids, missing, want)
	}
	for body, says := range map[string]string{
		`{}`:                                  "no vocab",
		`{"vocab": {"ab": 1}}`:                `"ab" is not one character`,
		`{"vocab": {"a": 0}}`:                 "vocab[\"a\"] is 0",
		`{"n_token": 10, "vocab": {"a": 10}}`: "want 1 to n_token-1",
		`{"vocab": {"a": 1}, "plbert": {"max_position_embeddings": 2}}`: "context of 2",
		`not json`: "invalid character",
	} {
		if _, err := ParseConfig([]byte(body)); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want ErrConfig saying %q", body, err, says)
		}
	}
}

func TestParseBlend(t *testing.T) {
	tests := []struct {
		in, canonical string
		weights       []float64
	}{
		{"af_heart", "af_heart", []float64{1}},
		{"af_heart:0.7+bf_emma:0.3", "af_heart:0.7+bf_emma:0.3", []float64{0.7, 0.3}},
		{"bf_emma:3+af_heart:7", "af_heart:0.7+bf_emma:0.3", []float64{0.3, 0.7}},
		{"af_heart:1+bf_emma:1+af_heart:2", "af_heart:0.75+bf_emma:0.25", []float64{0.75, 0.25}},
		{"af_a:1+af_b:1+af_c:1", "af_a:0.333+af_b:0.333+af_c:0.333", []float64{1. / 3, 1. / 3, 1. / 3}},
		{"af_heart:2", "af_heart", []float64{1}},
	}
	for _, tt := range tests {
		b, err := ParseBlend(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		var w []float64
		for _, p := range b {
			w = append(w, p.Weight)
		}
		if b.String() != tt.canonical || !slices.EqualFunc(w, tt.weights, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("%q: %v = %q, want %v = %q", tt.in, w, b.String(), tt.weights, tt.canonical)
		}
	}
	if b, _ := ParseBlend("bf_emma:0.3+af_heart:0.7"); b.Main() != "af_heart" {
		t.Errorf("Main = %q", b.Main())
	}
	for _, bad := range []string{"", "af_heart:0", "af_heart:-1", "af_heart:x", "AF_heart", "af_heart+", "x", "af_heart:inf", "af heart"} {
		if _, err := ParseBlend(bad); !errors.Is(err, ErrVoice) {
			t.Errorf("%q: %v, want ErrVoice", bad, err)
		}
	}
}

// writePack writes a voice file of rows rows whose row r holds r in its
// first value.
func writePack(t *testing.T, path string, rows int) {
	t.Helper()
	b := make([]byte, rows*StyleDim*4)
	for r := range rows {
		binary.LittleEndian.PutUint32(b[r*StyleDim*4:], math.Float32bits(float32(r)))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadPackAndStyleRow(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "af_full.bin")
	writePack(t, full, MaxRows) // as published: [510, 1, 256]
	p, err := ReadPack(full)
	if err != nil || len(p) != MaxRows {
		t.Fatalf("a 510-row voice: %d rows, %v", len(p), err)
	}
	// n tokens take row n-1 (hexgrad's pack[len(ps)-1]), within the pack.
	for n, row := range map[int]float32{1: 0, 2: 1, 100: 99, 510: 509, 600: 509, 0: 0} {
		if got := p.row(n)[0]; got != row {
			t.Errorf("%d tokens: row %v, want %v", n, got, row)
		}
	}
	for name, size := range map[string]int{"empty": 0, "ragged": 1000, "too many rows": (MaxRows + 1) * StyleDim * 4} {
		path := filepath.Join(dir, name+".bin")
		if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPack(path); !errors.Is(err, ErrVoice) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v", name, err)
		}
	}
	nan := filepath.Join(dir, "nan.bin")
	b := make([]byte, StyleDim*4)
	binary.LittleEndian.PutUint32(b[8:], math.Float32bits(float32(math.NaN())))
	os.WriteFile(nan, b, 0o644)
	if _, err := ReadPack(nan); !errors.Is(err, ErrVoice) {
		t.Errorf("NaN: %v", err)
	}
}

func TestStyleBlends(t *testing.T) {
	packs := map[string]Pack{"af_a": {{1, 10}, {2, 20}}, "bm_b": {{3, 30}, {5, 50}}}
	b, _ := ParseBlend("af_a:0.75+bm_b:0.25")
	s := style(packs, b, 2) // row 1 of each
	if len(s) != StyleDim || math.Abs(float64(s[0])-2.75) > 1e-6 || math.Abs(float64(s[1])-27.5) > 1e-5 {
		t.Errorf("blend style %v", s[:2])
	}
}

func TestFixEnglish(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"kəkˈoːɹoʊ", "en-us"}:     "kˈoʊkəɹoʊ",
		{"vˈɛri ɡʊd", "en-us"}:     "vˈɛɹi ɡʊd",
		{"lˈɔx", "en-gb"}:          "lˈɔk",
		{"fˈaɪvhˈʌndɹɪd", "en-us"}: "fˈaɪv hˈʌndɹɪd",
		{"kˈæts z.", "en-us"}:      "kˈætsz.",
		{"ðə z ˈoʊ", "en-us"}:      "ðəz ˈoʊ",
		{"ðə zˈu", "en-us"}:        "ðə zˈu",
		{"nˈaɪnti", "en-us"}:       "nˈaɪndi",
		{"nˈaɪnti", "en-gb"}:       "nˈaɪnti",
		{"nˈaɪntiːn", "en-us"}:     "nˈaɪntiːn",
		{"mʲˈir", "en-us"}:         "mjˈiɹ",
	} {
		if got := fixEnglish(in[0], in[1] == "en-us"); got != want {
			t.Errorf("fixEnglish(%q, %s) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestLanguageOf(t *testing.T) {
	for voice, want := range map[string]string{"af_heart": "en-us en-us female", "bm_george": "en-gb en-gb male", "ef_dora": "es es female", "zf_xiaobei": "cmn cmn-latn-pinyin female", "pm_alex": "pt-br pt-br male"} {
		l, ok := LanguageOf(voice)
		if got := l.Locale + " " + l.Espeak + " " + GenderOf(voice); !ok || got != want {
			t.Errorf("%s: %q, want %q", voice, got, want)
		}
	}
	if _, ok := LanguageOf("xf_nobody"); ok {
		t.Error("x is no Kokoro language")
	}
}
