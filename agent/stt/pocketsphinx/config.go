package pocketsphinx

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The paths of Debian's pocketsphinx-en-us package, a US English model for
// 16 kHz speech.
const (
	DefaultModelDir   = "/usr/share/pocketsphinx/model/en-us/en-us"
	DefaultLM         = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
	DefaultDict       = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	DefaultSampleRate = 16000
)

// Config selects a model and tunes a decoder. Zero fields take the defaults
// that DefaultConfig spells out.
type Config struct {
	// ModelDir is the acoustic model directory (pocketsphinx's -hmm).
	ModelDir string
	// LM is the n-gram language model (-lm). It is not loaded when Extra
	// selects another search (-keyphrase, -kws, -fsg, -jsgf, -allphone or
	// -lmctl), because pocketsphinx would let the language model replace
	// that search.
	LM string
	// Dict is the pronunciation dictionary (-dict).
	Dict string
	// SampleRate is the rate of the PCM given to Write (-samprate). The
	// acoustic model must have been trained for it; the default model is
	// for 16000.
	SampleRate int
	// Extra holds more pocketsphinx flags and their values, such as
	// {"-kws_threshold": "1e-20"}. Each must be a flag pocketsphinx knows.
	// The flags that the fields above set, and -logfn (which would reopen
	// the process-wide log file under other decoders' feet), are refused.
	Extra map[string]string
	// MaxDecoders bounds how many decoders a Pool holds, idle and lent
	// out together; 0 means the larger of the pool's initial size and
	// GOMAXPROCS. NewDecoder ignores it.
	MaxDecoders int
}

// DefaultConfig returns the configuration for Debian's US English model.
func DefaultConfig() Config {
	return Config{
		ModelDir:   DefaultModelDir,
		LM:         DefaultLM,
		Dict:       DefaultDict,
		SampleRate: DefaultSampleRate,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ModelDir == "" {
		c.ModelDir = d.ModelDir
	}
	if c.LM == "" {
		c.LM = d.LM
	}
	if c.Dict == "" {
		c.Dict = d.Dict
	}
	if c.SampleRate == 0 {
		c.SampleRate = d.SampleRate
	}
	return c
}

// reservedFlags are set from Config's fields, or must not be set at all.
var reservedFlags = []string{"-hmm", "-lm", "-dict", "-samprate", "-logfn"}

// searchFlags each select a search that a language model would replace.
var searchFlags = []string{"-keyphrase", "-kws", "-fsg", "-jsgf", "-allphone", "-lmctl"}

// usesLM reports whether the decoder's search is the language model.
func (c Config) usesLM() bool {
	for _, f := range searchFlags {
		if _, ok := c.Extra[f]; ok {
			return false
		}
	}
	return true
}

// Validate reports settings that cannot work, including model files that
// do not exist: pocketsphinx itself reports some load failures only by
// exiting the process.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.SampleRate < 8000 || c.SampleRate > 48000 {
		return fmt.Errorf("%w: sample rate %d, want 8000..48000", ErrConfig, c.SampleRate)
	}
	if c.MaxDecoders < 0 {
		return fmt.Errorf("%w: MaxDecoders %d", ErrConfig, c.MaxDecoders)
	}
	for k, v := range c.Extra {
		if len(k) < 2 || k[0] != '-' || strings.ContainsAny(k, " \t\n") {
			return fmt.Errorf("%w: malformed flag %q", ErrConfig, k)
		}
		if slices.Contains(reservedFlags, k) {
			return fmt.Errorf("%w: flag %s is set by a Config field or not at all", ErrConfig, k)
		}
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("%w: NUL in the value of %s", ErrConfig, k)
		}
	}
	files := []string{filepath.Join(c.ModelDir, "mdef"), c.Dict}
	if c.usesLM() {
		files = append(files, c.LM)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	return nil
}

// args returns the pocketsphinx command line for c, in a fixed order.
func (c Config) args() []string {
	a := []string{"-hmm", c.ModelDir, "-dict", c.Dict, "-samprate", fmt.Sprint(c.SampleRate)}
	if c.usesLM() {
		a = append(a, "-lm", c.LM)
	}
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		a = append(a, k, c.Extra[k])
	}
	return a
}
