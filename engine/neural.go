package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/kokoro"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/internal/onnxrun"
	"github.com/parley-voice/parley/internal/ortenv"
	"github.com/parley-voice/parley/protocol"
)

// Engine names of the neural engines, as used in Voice.Engine and in the
// voice names clients give ("piper:en_US-amy-low").
const (
	Piper  = "piper"
	Kokoro = "kokoro"
)

// ErrUnknownVoice means a neural voice name that names no installed
// voice, speaker or blend.
var ErrUnknownVoice = errors.New("engine: unknown neural voice")

// NeuralVoice describes an installed neural voice.
type NeuralVoice struct {
	// ID is how clients name the voice: "piper:en_US-amy-low",
	// "piper:en_GB-vctk-medium:p225", "kokoro:af_heart",
	// "kokoro:af_heart:0.7+bf_emma:0.3".
	ID     string
	Engine string // Piper or Kokoro
	// Name is the engine's part of ID, what Voice.Name takes.
	Name string
	// Language is the protocol language the voice speaks, or "" for one
	// outside the protocol's ten.
	Language protocol.Language
	// Locale is the voice's own language tag ("en_US", "en-gb"), and
	// Region its country part ("US", "GB"), "" if none.
	Locale, Region string
	// Dataset is a Piper voice's training set ("amy", "alba"), which for
	// some voices says the accent.
	Dataset string
	// Gender is "female" or "male" when the voice's publisher says so
	// (Kokoro's names do; Piper's configs do not), else "".
	Gender string
	// Speakers are a multi-speaker Piper voice's named speakers; each is
	// also a voice, ID:SPEAKER.
	Speakers []string
	// Quality is Piper's x_low, low, medium or high; "" for Kokoro.
	Quality    string
	SampleRate int
	// F0 is the voice's median fundamental frequency in Hz, measured once
	// at load speaking F0Sentence in its language; 0 if it could not be
	// measured.
	F0 float64
}

// F0Sentence is what each neural voice speaks at load to measure its
// pitch, per language; other languages speak the English one.
var F0Sentence = map[protocol.Language]string{
	protocol.English:    "The north wind and the sun were disputing which was the stronger, when a traveller came along.",
	protocol.Spanish:    "El viento norte y el sol discutían sobre cuál de ellos era el más fuerte.",
	protocol.Portuguese: "O vento norte e o sol discutiam qual dos dois era o mais forte.",
	protocol.German:     "Einst stritten sich Nordwind und Sonne, wer von ihnen beiden wohl der Stärkere wäre.",
	protocol.French:     "La bise et le soleil se disputaient, chacun assurant qu'il était le plus fort.",
	protocol.Italian:    "Si bisticciavano un giorno il vento di tramontana e il sole.",
	protocol.Chinese:    "有一回，北风跟太阳在那儿争论谁的本事大。",
	protocol.Japanese:   "きたかぜと たいようが、どちらが つよいか いいあらそって いました。",
	protocol.Korean:     "북풍과 해님이 서로 힘이 세다고 다투고 있었습니다.",
	protocol.Russian:    "Северный ветер и солнце спорили, кто из них сильнее.",
}

// languageOf maps a language tag's first part to a protocol language.
func languageOf(tag string) protocol.Language {
	family, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	switch family {
	case "en":
		return protocol.English
	case "es":
		return protocol.Spanish
	case "pt":
		return protocol.Portuguese
	case "de":
		return protocol.German
	case "fr":
		return protocol.French
	case "it":
		return protocol.Italian
	case "zh", "cmn":
		return protocol.Chinese
	case "ja":
		return protocol.Japanese
	case "ko":
		return protocol.Korean
	case "ru":
		return protocol.Russian
	}
	return ""
}

// ModelStat is one loaded model's memory.
type ModelStat struct {
	Engine, Model string
	Bytes         int64
}

// neural holds the loaded neural voices and what they share: the
// onnxruntime environment, the phonemiser and the gate that admits model
// runs, earliest deadline first.
type neural struct {
	env        *ortenv.Env
	phonemes   *espeak.Pool
	ownPool    bool // phonemes was opened for the neural voices alone
	gate       *sched.Slots
	piperGate  *countingGate
	kokoroGate *countingGate
	piper      map[string]*piper.Voice
	kokoro     *kokoro.Model // nil without Kokoro
	voices     []NeuralVoice
	f0         *f0Cache
}

// countingGate counts one engine's runs at a gate shared with others.
type countingGate struct {
	g            *sched.Slots
	queued, busy atomic.Int64
}

func (c *countingGate) Acquire(ctx context.Context) error {
	c.queued.Add(1)
	err := c.g.Acquire(ctx)
	c.queued.Add(-1)
	if err == nil {
		c.busy.Add(1)
	}
	return err
}

func (c *countingGate) Release() {
	c.busy.Add(-1)
	c.g.Release()
}

// openNeural loads the voices in cfg.ModelsDir. A voice that cannot be
// loaded is left out and its problem returned; a missing directory holds
// no voices. It returns nil when no voice loaded.
func openNeural(cfg Config, pool *espeak.Pool) (*neural, []error) {
	if cfg.ModelsDir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(cfg.ModelsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("models directory %s: %w", cfg.ModelsDir, err)}
	}
	var problems []error
	var models []string
	seen := map[string]bool{}
	for _, en := range entries {
		name := en.Name()
		switch {
		case en.IsDir() || strings.HasPrefix(name, "."):
		case strings.HasSuffix(name, ".onnx"):
			models = append(models, filepath.Join(cfg.ModelsDir, name))
			seen[name] = true
		}
	}
	for _, en := range entries {
		if name := en.Name(); strings.HasSuffix(name, ".onnx.json") && !seen[strings.TrimSuffix(name, ".json")] {
			problems = append(problems, fmt.Errorf("piper voice %s refused: %s has no model beside it (%s)",
				strings.TrimSuffix(name, ".onnx.json"), filepath.Join(cfg.ModelsDir, name), strings.TrimSuffix(name, ".json")))
		}
	}
	sort.Strings(models)
	kdir := filepath.Join(cfg.ModelsDir, "kokoro")
	hasKokoro := isDir(kdir)
	if len(models) == 0 && !hasKokoro {
		return nil, problems
	}
	env, err := ortenv.Acquire(cfg.ORTLibrary)
	if err != nil {
		return nil, append(problems, fmt.Errorf("neural voices in %s not loaded: %w", cfg.ModelsDir, err))
	}
	n := &neural{env: env, phonemes: pool, gate: sched.NewSlots(cfg.NeuralConcurrency), piper: map[string]*piper.Voice{},
		f0: loadF0Cache(cfg.ModelsDir)}
	n.piperGate = &countingGate{g: n.gate}
	n.kokoroGate = &countingGate{g: n.gate}
	if n.phonemes == nil {
		// espeak-ng synthesis is disabled, but the neural voices still
		// need its phonemes: a pool for them alone, isolated as the
		// espeak-ng engine would have been.
		pc := espeak.PoolConfig{}
		if cfg.EspeakIsolated {
			pc = espeak.PoolConfig{Processes: cfg.EspeakProcesses, Isolated: true, WorkerCommand: cfg.EspeakWorkerCommand}
		}
		if n.phonemes, err = espeak.OpenPool(pc); err != nil {
			env.Release()
			return nil, append(problems, fmt.Errorf("neural voices in %s not loaded: phonemes need espeak-ng: %w", cfg.ModelsDir, err))
		}
		n.ownPool = true
	}
	for _, path := range models {
		name := piper.VoiceName(path)
		v, err := piper.Load(path, piper.Options{
			Sessions: cfg.NeuralSessions, Threads: cfg.NeuralThreads, Gate: n.piperGate,
			FirstPhonemes: cfg.NeuralFirstPhonemes,
		})
		if err != nil {
			problems = append(problems, fmt.Errorf("piper voice %s refused: %w", name, err))
			continue
		}
		n.piper[name] = v
		n.voices = append(n.voices, n.describePiper(v, path))
	}
	if hasKokoro {
		m, bad, err := kokoro.Load(kdir, kokoro.Options{
			Sessions: cfg.NeuralSessions, Threads: cfg.NeuralThreads, Gate: n.kokoroGate,
			FirstTokens: cfg.NeuralFirstPhonemes,
		})
		for _, b := range bad {
			problems = append(problems, fmt.Errorf("kokoro voice refused: %w", b))
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("kokoro refused: %w", err))
		} else {
			n.kokoro = m
			for _, name := range m.Voices() {
				n.voices = append(n.voices, n.describeKokoro(name, kdir))
			}
		}
	}
	n.f0.save()
	if len(n.voices) == 0 {
		n.close()
		return nil, problems
	}
	return n, problems
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func (n *neural) describePiper(v *piper.Voice, path string) NeuralVoice {
	c := v.Config()
	nv := NeuralVoice{
		ID: Piper + ":" + v.Name(), Engine: Piper, Name: v.Name(),
		Language: languageOf(c.Language.Code), Locale: c.Language.Code, Region: c.Language.Region,
		Dataset: c.Dataset, Speakers: c.Speakers(), Quality: c.Audio.Quality, SampleRate: v.SampleRate(),
	}
	if nv.Region == "" {
		_, nv.Region, _ = strings.Cut(c.Language.Code, "_")
	}
	nv.F0 = n.f0.measure(nv.ID, fileKey(path, piper.ConfigPath(path)), v.SampleRate(), func(ctx context.Context, emit func([]int16) error) error {
		return v.Synthesize(ctx, n.phonemes, f0Text(nv.Language), piper.Params{}, emit)
	})
	return nv
}

func (n *neural) describeKokoro(name, dir string) NeuralVoice {
	lang, _ := kokoro.LanguageOf(name)
	nv := NeuralVoice{
		ID: Kokoro + ":" + name, Engine: Kokoro, Name: name, Language: lang.Protocol, Locale: lang.Locale,
		Region: lang.Region, Gender: kokoro.GenderOf(name), SampleRate: kokoro.SampleRate,
	}
	blend := kokoro.Blend{{Voice: name, Weight: 1}}
	key := fileKey(filepath.Join(dir, "model.onnx"), filepath.Join(dir, "voices", name+".bin"))
	nv.F0 = n.f0.measure(nv.ID, key, kokoro.SampleRate, func(ctx context.Context, emit func([]int16) error) error {
		return n.kokoro.Synthesize(ctx, n.phonemes, f0Text(nv.Language), lang.Espeak, kokoro.Params{Blend: blend}, emit)
	})
	return nv
}

// f0Text is what a voice of lang speaks to measure its pitch.
func f0Text(lang protocol.Language) string {
	if text, ok := F0Sentence[lang]; ok {
		return text
	}
	return F0Sentence[protocol.English]
}

// measuredF0 is pcm's median F0, 0 when it has too little voicing to say.
func measuredF0(pcm []int16, rate int) float64 {
	p := audio.AnalyzePitch(pcm, rate)
	if math.IsNaN(p.MedianHz) || p.VoicedFraction < 0.1 {
		return 0
	}
	return math.Round(p.MedianHz*10) / 10
}

func (n *neural) close() error {
	var errs []error
	for _, v := range n.piper {
		errs = append(errs, v.Close())
	}
	if n.kokoro != nil {
		errs = append(errs, n.kokoro.Close())
	}
	if n.ownPool {
		errs = append(errs, n.phonemes.Close())
	}
	errs = append(errs, n.env.Release())
	return errors.Join(errs...)
}

// lookup resolves a neural voice name: "piper:NAME", "piper:NAME:SPEAKER",
// or a bare NAME (and NAME:SPEAKER) when only one engine has it.
func (n *neural) lookup(name string) (NeuralVoice, error) {
	eng, rest, ok := strings.Cut(name, ":")
	if !ok || (eng != Piper && eng != Kokoro) {
		eng, rest = "", name
	}
	var found []NeuralVoice
	if eng == "" || eng == Piper {
		if v, err := n.lookupPiper(rest); err == nil {
			found = append(found, v)
		} else if eng == Piper {
			return NeuralVoice{}, err
		}
	}
	if eng == "" || eng == Kokoro {
		if v, err := n.lookupKokoro(rest); err == nil {
			found = append(found, v)
		} else if eng == Kokoro {
			return NeuralVoice{}, err
		}
	}
	switch len(found) {
	case 0:
		return NeuralVoice{}, fmt.Errorf("%w %q", ErrUnknownVoice, name)
	case 1:
		return found[0], nil
	}
	return NeuralVoice{}, fmt.Errorf("%w %q: more than one engine has it; say %q or %q", ErrUnknownVoice, name, Piper+":"+name, Kokoro+":"+name)
}

func (n *neural) lookupPiper(name string) (NeuralVoice, error) {
	model, speaker, _ := strings.Cut(name, ":")
	v, ok := n.piper[model]
	if !ok {
		return NeuralVoice{}, fmt.Errorf("%w %q: no Piper voice %q is installed", ErrUnknownVoice, Piper+":"+name, model)
	}
	i := slices.IndexFunc(n.voices, func(x NeuralVoice) bool { return x.Engine == Piper && x.Name == model })
	nv := n.voices[i]
	if speaker != "" {
		if _, err := v.Config().Speaker(speaker); err != nil {
			return NeuralVoice{}, fmt.Errorf("%w %q: %v", ErrUnknownVoice, Piper+":"+name, err)
		}
		nv.ID, nv.Name = Piper+":"+name, name
	}
	return nv, nil
}

// lookupKokoro resolves a Kokoro voice or blend; a blend takes its
// heaviest voice's description, and its canonical name.
func (n *neural) lookupKokoro(name string) (NeuralVoice, error) {
	if n.kokoro == nil {
		return NeuralVoice{}, fmt.Errorf("%w %q: Kokoro is not installed", ErrUnknownVoice, Kokoro+":"+name)
	}
	b, err := kokoro.ParseBlend(name)
	if err == nil {
		err = n.kokoro.Check(b)
	}
	if err != nil {
		return NeuralVoice{}, fmt.Errorf("%w %q: %v", ErrUnknownVoice, Kokoro+":"+name, err)
	}
	main := b.Main()
	i := slices.IndexFunc(n.voices, func(x NeuralVoice) bool { return x.Engine == Kokoro && x.Name == main })
	nv := n.voices[i]
	nv.Name = b.String()
	nv.ID = Kokoro + ":" + nv.Name
	return nv, nil
}

// synthesizeKokoro speaks seg with a Kokoro voice or blend, phonemised in
// seg's language (for English, in the accent of the blend's heaviest
// voice); Rate is the model's speed and Volume a gain; Pitch and Range are
// not applied.
func (n *neural) synthesizeKokoro(ctx context.Context, seg Segment, v Voice, cfg Config, emit func([]int16) error) error {
	if n.kokoro == nil {
		return fmt.Errorf("%w: %q", ErrUnknownVoice, Kokoro+":"+v.Name)
	}
	b, err := kokoro.ParseBlend(v.Name)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnknownVoice, err)
	}
	lang, _ := kokoro.LanguageOf(b.Main())
	ev := lang.Espeak
	if seg.Language != "" && seg.Language != lang.Protocol {
		ev = espeak.VoiceFor(string(seg.Language))
	}
	st, err := newTimedStream(kokoro.SampleRate, cfg, seg, emit)
	if err != nil {
		return err
	}
	kp := kokoro.Params{Blend: b, Speed: v.Rate}
	if st.timed() {
		kp.Words = neuralWords(st, seg)
	}
	if err := n.kokoro.Synthesize(ctx, phonemesFor(n.phonemes, seg), seg.Text, ev, kp, shapeRuns(kokoro.SampleRate, v.Volume, st.write)); err != nil {
		return err
	}
	return st.finish()
}

// synthesizePiper speaks seg with a Piper voice: its own language, whatever
// seg's; Rate through length_scale, Volume as gain; Pitch and Range are
// not applied (no signal-level pitch shifting).
func (n *neural) synthesizePiper(ctx context.Context, seg Segment, v Voice, cfg Config, emit func([]int16) error) error {
	model, speaker, _ := strings.Cut(v.Name, ":")
	pv, ok := n.piper[model]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownVoice, Piper+":"+v.Name)
	}
	sid, err := pv.Config().Speaker(speaker)
	if err != nil {
		return err
	}
	p := piper.Params{Speaker: sid}
	if v.Rate != 0 {
		p.LengthScale = 1 / v.Rate
	}
	st, err := newTimedStream(pv.SampleRate(), cfg, seg, emit)
	if err != nil {
		return err
	}
	if st.timed() {
		p.Words = neuralWords(st, seg)
	}
	if err := pv.Synthesize(ctx, phonemesFor(n.phonemes, seg), seg.Text, p, shapeRuns(pv.SampleRate(), v.Volume, st.write)); err != nil {
		return err
	}
	return st.finish()
}

// neuralWords passes a model's estimated words to the stream. Words in IPA
// (Pieces) are not the segment's text: there, every word is the
// segment's as a whole.
func neuralWords(st *stream, seg Segment) func([]onnxrun.Word) {
	return func(ws []onnxrun.Word) {
		for _, w := range ws {
			if seg.HasIPA() {
				w.TextStart, w.TextEnd = 0, len(seg.Text)
			}
			st.word(w.Start, w.End, w.TextStart, w.TextEnd)
		}
	}
}

// runEdge is the fade at both ends of each model run. A run is a
// separate utterance to the model; its ends are usually silence, and the
// fade makes sure two runs of one segment never join with a step.
const runEdge = 2 * time.Millisecond

// shapeRuns prepares each model run (one emit call) before write: faded in
// and out over runEdge at rate, and scaled by volume (0 is 1), clipping at
// full scale.
func shapeRuns(rate int, volume float64, write func([]int16) error) func([]int16) error {
	n := int(runEdge * time.Duration(rate) / time.Second)
	return func(pcm []int16) error {
		if volume != 0 && volume != 1 {
			for i, s := range pcm {
				pcm[i] = int16(max(-32768, min(32767, math.Round(float64(s)*volume))))
			}
		}
		fadeEdges(pcm, n)
		return write(pcm)
	}
}

// fadeEdges ramps the first and last n samples of pcm linearly from and
// to zero (fewer when pcm is short).
func fadeEdges(pcm []int16, n int) {
	n = min(n, len(pcm)/2)
	for i := range n {
		k := float64(i) / float64(n)
		pcm[i] = int16(math.Round(float64(pcm[i]) * k))
		j := len(pcm) - 1 - i
		pcm[j] = int16(math.Round(float64(pcm[j]) * k))
	}
}

func (n *neural) stats() []Stat {
	var s []Stat
	if len(n.piper) > 0 {
		s = append(s, Stat{Engine: Piper, Queued: int(n.piperGate.queued.Load()), Busy: int(n.piperGate.busy.Load())})
	}
	if n.kokoro != nil {
		s = append(s, Stat{Engine: Kokoro, Queued: int(n.kokoroGate.queued.Load()), Busy: int(n.kokoroGate.busy.Load())})
	}
	return s
}

func (n *neural) models() []ModelStat {
	var out []ModelStat
	for _, name := range slices.Sorted(maps.Keys(n.piper)) {
		out = append(out, ModelStat{Engine: Piper, Model: name, Bytes: n.piper[name].MemoryBytes()})
	}
	if n.kokoro != nil {
		out = append(out, ModelStat{Engine: Kokoro, Model: "kokoro", Bytes: n.kokoro.MemoryBytes()})
	}
	return out
}
