package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

func say(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("say", stderr)
	desc := fs.String("voice-description", "", "describe the voice, e.g. \"a deep, slow British man\"")
	lang := fs.String("language", "Auto", "language: Auto, English, Spanish, Portuguese, German, French, Italian, Chinese, Japanese, Korean, Russian")
	out := fs.String("o", "out.wav", "output WAV file (- for stdout)")
	neural := fs.String("voice", "", `a neural voice in the models directory, e.g. "piper:en_US-amy-low" or "kokoro:af_heart:0.7+bf_emma:0.3"`)
	data := fs.String("data", "./data", "data directory, for its models/")
	models := fs.String("models", "", "neural voices directory (default DATA/models)")
	ortLib := fs.String("ort-lib", "", "onnxruntime shared library, for the neural voices (default: onnxruntime-node's, in the nearest deps/npm/node_modules)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("say: want exactly one TEXT argument (- reads stdin)")
	}
	text := fs.Arg(0)
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return err
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("say: nothing to say")
	}
	l, ok := protocol.ParseLanguage(*lang)
	if !ok {
		return fmt.Errorf("say: unsupported language %q", *lang)
	}
	if *models == "" {
		*models = filepath.Join(*data, "models")
	}
	engines, err := engine.Open(engine.Config{ModelsDir: *models, ORTLibrary: *ortLib})
	if err != nil {
		return err
	}
	defer engines.Close()
	for _, p := range engines.Problems() {
		fmt.Fprintln(stderr, "say:", p)
	}
	catalog := voice.NewCatalog(engines.NeuralVoices(), engines.LookupVoice)
	prof := voice.Default()
	if *desc != "" {
		prof = voice.Design(*desc)
	}
	if *neural != "" {
		np, err := catalog.Profile(*neural)
		if err != nil {
			return fmt.Errorf("say: --voice: %w", err)
		}
		if *desc != "" {
			// The description sets how the neural voice speaks.
			np.Rate, np.Volume = prof.Rate, prof.Volume
		}
		prof = np
	}

	var pcm []int16
	p := &tts.Pipeline{Engine: engines, Voices: catalog}
	if _, err := p.SpeakAll(ctx, text, l, prof, func(b []int16) error {
		pcm = append(pcm, b...)
		return nil
	}); err != nil {
		return err
	}
	wav := audio.EncodeWAV(pcm, protocol.SampleRate)
	if *out == "-" {
		_, err = stdout.Write(wav)
		return err
	}
	if err := os.WriteFile(*out, wav, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%.2f s of audio at %d Hz)\n", *out,
		audio.Duration(len(pcm), protocol.SampleRate).Seconds(), protocol.SampleRate)
	return nil
}
