package pocketsphinx

import (
	"errors"
	"slices"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero is the default", Config{}, true},
		{"default", DefaultConfig(), true},
		{"extra flag", Config{Extra: map[string]string{"-beam": "1e-60"}}, true},
		{"keyphrase needs no LM", Config{LM: "/nonexistent.lm", Extra: map[string]string{"-keyphrase": "hello"}}, true},
		{"low rate", Config{SampleRate: 4000}, false},
		{"high rate", Config{SampleRate: 96000}, false},
		{"negative max", Config{MaxDecoders: -1}, false},
		{"missing model", Config{ModelDir: "/nonexistent"}, false},
		{"missing dict", Config{Dict: "/nonexistent.dict"}, false},
		{"missing LM", Config{LM: "/nonexistent.lm"}, false},
		{"NUL in path", Config{Dict: DefaultDict + "\x00x"}, false},
		{"flag without dash", Config{Extra: map[string]string{"beam": "1"}}, false},
		{"bare dash", Config{Extra: map[string]string{"-": "1"}}, false},
		{"space in flag", Config{Extra: map[string]string{"-beam 1": "1"}}, false},
		{"NUL in value", Config{Extra: map[string]string{"-beam": "1\x00"}}, false},
		{"field flag", Config{Extra: map[string]string{"-hmm": "/tmp"}}, false},
		{"rate flag", Config{Extra: map[string]string{"-samprate": "8000"}}, false},
		{"log file", Config{Extra: map[string]string{"-logfn": "/dev/null"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.ok && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want ErrConfig", err)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"default", Config{}, []string{"-hmm", DefaultModelDir, "-dict", DefaultDict, "-samprate", "16000", "-lm", DefaultLM}},
		{"extra flags in order", Config{SampleRate: 8000, Extra: map[string]string{"-pbeam": "1e-40", "-beam": "1e-50"}},
			[]string{"-hmm", DefaultModelDir, "-dict", DefaultDict, "-samprate", "8000", "-lm", DefaultLM, "-beam", "1e-50", "-pbeam", "1e-40"}},
		{"keyphrase replaces the LM", Config{Extra: map[string]string{"-keyphrase": "hello", "-kws_threshold": "1e-20"}},
			[]string{"-hmm", DefaultModelDir, "-dict", DefaultDict, "-samprate", "16000", "-keyphrase", "hello", "-kws_threshold", "1e-20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.withDefaults().args(); !slices.Equal(got, tt.want) {
				t.Fatalf("args = %q\nwant %q", got, tt.want)
			}
		})
	}
}
