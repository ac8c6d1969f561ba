package piper

import (
	"context"
	"fmt"
	"github.com/parley-voice/parley/internal/onnxrun"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/parley-voice/parley/engine/sched"
)

// Defaults of Options.
const (
	// DefaultMaxPhonemes bounds one model run: about 20 s of speech, 500
	// ids. Longer sentences are cut at clauses, and a cancel waits for at
	// most one run.
	DefaultMaxPhonemes = 250
	// DefaultFirstPhonemes bounds the first run of a segment that is
	// needed now, cut at a clause boundary: about two seconds of speech,
	// so that the first audio does not wait for a whole long sentence.
	DefaultFirstPhonemes = 40
)

// Gate bounds the model runs under way and orders the ones waiting;
// sched.Slots is one. A gate shared by every neural voice bounds their
// runs together, since they share the CPU.
type Gate interface {
	Acquire(ctx context.Context) error
	Release()
}

// Options tune how a voice runs. The zero value is one session, one
// thread, and a gate of one run per CPU.
type Options struct {
	// Sessions is the number of onnxruntime sessions of the model, each
	// with its own copy of the weights; runs go to the least busy. 0 means
	// 1: a session takes concurrent runs, so more only helps if one
	// session's runs contend inside onnxruntime.
	Sessions int
	// Threads is each session's intra-op thread count; 0 means 1. Runs
	// under way times Threads should not exceed the cores.
	Threads int
	// Gate admits runs; nil means a gate of one run per CPU for this voice
	// alone.
	Gate Gate
	// MaxPhonemes and FirstPhonemes bound the runs of a segment; 0 means
	// DefaultMaxPhonemes and DefaultFirstPhonemes, FirstPhonemes -1 no
	// shorter first run.
	MaxPhonemes, FirstPhonemes int
}

func (o Options) withDefaults() Options {
	if o.Sessions == 0 {
		o.Sessions = 1
	}
	if o.Threads == 0 {
		o.Threads = 1
	}
	if o.Gate == nil {
		o.Gate = sched.NewSlots(runtime.GOMAXPROCS(0))
	}
	if o.MaxPhonemes == 0 {
		o.MaxPhonemes = DefaultMaxPhonemes
	}
	switch o.FirstPhonemes {
	case 0:
		o.FirstPhonemes = DefaultFirstPhonemes
	case -1:
		o.FirstPhonemes = 0
	}
	return o
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	if o.Sessions < 0 || o.Threads < 0 || o.MaxPhonemes < 0 || o.FirstPhonemes < -1 {
		return fmt.Errorf("piper: negative sessions, threads or phonemes in %+v", o)
	}
	return nil
}

// Params are one synthesis's settings. The zero value is the voice's first
// speaker at its configured scales.
type Params struct {
	// Speaker is the speaker id, below the voice's num_speakers.
	Speaker int64
	// LengthScale multiplies the voice's length_scale: 2 is half as fast;
	// 0 means 1.
	LengthScale float64
	// NoiseScale and NoiseW replace the voice's own when not 0.
	NoiseScale, NoiseW float64
	// Words, when not nil, takes each run's words, estimated (see
	// onnxrun.Estimate), before the run's audio.
	Words func([]onnxrun.Word)
}

// scales returns the scales input for p.
func (c *Config) scalesFor(p Params) ([3]float32, error) {
	s := c.scales
	if p.LengthScale != 0 {
		if !(p.LengthScale > 0.05 && p.LengthScale < 20) {
			return s, fmt.Errorf("piper: length scale %v out of range", p.LengthScale)
		}
		s[1] = float32(float64(s[1]) * p.LengthScale)
	}
	for i, v := range []float64{p.NoiseScale, 0, p.NoiseW} {
		if v == 0 {
			continue
		}
		if !(v > 0 && v < 100) || math.IsNaN(v) {
			return s, fmt.Errorf("piper: noise scale %v out of range", v)
		}
		s[i] = float32(v)
	}
	return s, nil
}

// ConfigPath is where a model's config is: NAME.onnx.json beside
// NAME.onnx.
func ConfigPath(modelPath string) string { return modelPath + ".json" }

// VoiceName is the name of the voice whose model is at modelPath: the file
// name without .onnx, e.g. "en_US-amy-low".
func VoiceName(modelPath string) string {
	return strings.TrimSuffix(filepath.Base(modelPath), ".onnx")
}

// readConfig reads and parses the config beside modelPath.
func readConfig(modelPath string) (*Config, error) {
	b, err := os.ReadFile(ConfigPath(modelPath))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigPath(modelPath), err)
	}
	return c, nil
}

// Sentences returns the phoneme ids of text, one slice per sentence, as
// Piper would feed them to the model, and the phonemes missing from the
// voice's map. It is what a Piper voice sees, without running it.
func (c *Config) Sentences(ctx context.Context, ph Phonemizer, text string) (ids [][]int64, missing int, err error) {
	sents, err := c.sentences(ctx, ph, text)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range sents {
		var all []rune
		for _, cl := range s {
			all = append(all, cl...)
		}
		x, m := c.IDs(all)
		ids = append(ids, x)
		missing += m
	}
	return ids, missing, nil
}
