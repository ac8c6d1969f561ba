package piper

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func readAmy(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/en_US-amy-low.onnx.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestParseRealConfig reads the config published with en_US-amy-low,
// unchanged.
func TestParseRealConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/en_US-amy-low.onnx.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	ns, ls, nw := c.Scales()
	if c.Audio.SampleRate != 16000 || c.NumSymbols != 130 || c.NumSpeakers != 1 || c.Espeak.Voice != "en-us" ||
		c.PhonemeType != PhonemesEspeak || len(c.ids) != 130 || c.Language.Code != "en_US" || c.Dataset != "amy" ||
		float32(ns) != 0.667 || ls != 1 || float32(nw) != 0.8 {
		t.Errorf("parsed %+v, scales %v %v %v", c, ns, ls, nw)
	}
	if got := c.ids['ˈ']; len(got) != 1 || got[0] != 120 {
		t.Errorf("ids of ˈ = %v, want [120]", got)
	}
	if id, err := c.Speaker(""); id != 0 || err != nil {
		t.Errorf("default speaker: %d, %v", id, err)
	}
	if _, err := c.Speaker("1"); !errors.Is(err, ErrSpeaker) {
		t.Errorf("speaker 1 of 1: %v", err)
	}
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(m map[string]any)
		says   string
	}{
		{"sample rate missing", func(m map[string]any) { delete(m["audio"].(map[string]any), "sample_rate") }, "sample_rate 0 Hz"},
		{"sample rate in kHz", func(m map[string]any) { m["audio"].(map[string]any)["sample_rate"] = 22.05 }, "sample_rate"},
		{"sample rate too high", func(m map[string]any) { m["audio"].(map[string]any)["sample_rate"] = 96000 }, "96000 Hz"},
		{"no espeak voice", func(m map[string]any) { delete(m, "espeak") }, "espeak.voice"},
		{"unknown phoneme type", func(m map[string]any) { m["phoneme_type"] = "openjtalk" }, "openjtalk"},
		{"no speakers", func(m map[string]any) { m["num_speakers"] = 0 }, "num_speakers 0"},
		{"speaker beyond num_speakers", func(m map[string]any) { m["speaker_id_map"] = map[string]any{"x": 3} }, `speaker "x" has id 3`},
		{"no id map", func(m map[string]any) { delete(m, "phoneme_id_map") }, "phoneme_id_map is missing"},
		{"no pad", func(m map[string]any) { delete(m["phoneme_id_map"].(map[string]any), "_") }, `no '_'`},
		{"two-character key", func(m map[string]any) { m["phoneme_id_map"].(map[string]any)["ab"] = []any{3} }, `"ab" is not one character`},
		{"id beyond num_symbols", func(m map[string]any) { m["phoneme_id_map"].(map[string]any)["a"] = []any{130} }, "id 130"},
		{"no ids", func(m map[string]any) { m["phoneme_id_map"].(map[string]any)["a"] = []any{} }, "no ids"},
		{"bad phoneme map", func(m map[string]any) { m["phoneme_map"] = map[string]any{"a": []any{"bc"}} }, "phoneme_map"},
		{"negative scale", func(m map[string]any) { m["inference"].(map[string]any)["length_scale"] = -1 }, "scale -1"},
		{"not JSON", nil, "invalid character"},
	}
	for _, tt := range tests {
		m := readAmy(t)
		var b []byte
		if tt.change != nil {
			tt.change(m)
			b, _ = json.Marshal(m)
		} else {
			b = []byte("{not json")
		}
		_, err := ParseConfig(b)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want ErrConfig saying %q", tt.name, err, tt.says)
		}
	}
}
