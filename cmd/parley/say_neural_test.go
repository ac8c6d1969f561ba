package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/protocol"
)

// TestSayNeural: `parley say --voice` speaks a neural voice from
// --models, its audio the model's for the text; a voice refused is said
// on stderr and the rest speaks; an unknown voice is an error.
func TestSayNeural(t *testing.T) {
	models := t.TempDir()
	pipertest.Install(t, models, "en_US-amy-low", "en_US-amy-low.onnx", "en_US-amy-low.onnx.json")
	pipertest.Install(t, models, "en_US-nojson-low", "en_US-amy-low.onnx", "")
	file := filepath.Join(t.TempDir(), "amy.wav")
	const text = "Hello there."
	_, stderr, err := runCmd(t, "", "say", "--models", models, "--voice", "piper:en_US-amy-low", "--language", "English", "-o", file, text)
	if err != nil {
		t.Fatalf("say: %v (%s)", err, stderr)
	}
	if !strings.Contains(stderr, "piper voice en_US-nojson-low refused") {
		t.Errorf("stderr does not say the voice without a config was refused:\n%s", stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, rate, err := audio.ReadWAV(f)
	if err != nil || rate != protocol.SampleRate {
		t.Fatalf("%d Hz, %v", rate, err)
	}
	es, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	b, _ := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx.json"))
	cfg, err := piper.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	sents, _, err := cfg.Sentences(context.Background(), es, text)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pipertest.Decode(pcm, protocol.SampleRate, 1536), pipertest.Symbols(sents, 0, 0.667, 0.8); !slices.Equal(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
	if _, _, err := runCmd(t, "", "say", "--models", models, "--voice", "piper:nope", "-o", file, text); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown voice: %v", err)
	}
}
