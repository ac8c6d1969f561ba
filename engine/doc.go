// Package engine owns the speech-engine contract: the Synthesizer interface,
// engine-neutral voice parameters, the registry of installed engines, and the
// pool that bounds how many syntheses run at once. Engines speak their native
// rate; this package resamples everything to 24 kHz so that callers only ever
// see protocol audio. The cgo bindings live in engine/espeak and engine/flite,
// the neural engines in engine/piper and engine/kokoro, and none knows this
// package.
//
// # Neural voices
//
// Open loads the neural voices in Config.ModelsDir, the directory
// `parley models` fills:
//
//	DIR/NAME.onnx, DIR/NAME.onnx.json    a Piper voice, named piper:NAME
//	DIR/kokoro/model.onnx                Kokoro-82M v1.0 (onnx-community)
//	DIR/kokoro/config.json               hexgrad/Kokoro-82M's, with the vocab
//	DIR/kokoro/voices/VOICE.bin          a Kokoro voice, named kokoro:VOICE
//
// A missing directory holds no voices. Every voice found is checked at
// Open (its config, its model's inputs and outputs, its sample rate, a
// test run); one that fails is left out and its problem, naming the file,
// is in Problems for the caller to log, and everything else starts. One
// onnxruntime (internal/ortenv) serves them all, and their runs wait at one
// gate of NeuralConcurrency slots, earliest deadline first (sched.Slots):
// they share the CPU. Phonemes come from the espeak-ng pool (or, with
// espeak-ng synthesis disabled, an in-process espeak-ng kept for them).
//
// LookupVoice resolves the names clients give: piper:NAME, piper:NAME:SPEAKER
// for a multi-speaker voice, kokoro:VOICE, a Kokoro blend
// kokoro:af_heart:0.7+bf_emma:0.3, or a bare name only one engine has.
// NeuralVoices describes each voice for voice design: language, region,
// gender where its publisher says it, and its F0, measured once speaking
// F0Sentence and kept in DIR/.parley-f0.json (keyed by the files' sizes and
// times) so that later starts do not measure again.
//
// A Segment may give some words in IPA (Pieces: SSML's <phoneme>, a
// pronunciation dictionary). Piper and Kokoro phonemise the other words
// with espeak-ng and put the IPA in between, in the same clause and run;
// espeak-ng speaks the IPA of English voices as its own phoneme mnemonics
// (espeak.Mnemonics), and the text where it cannot; flite speaks the
// text. EngineControls says, per engine, what Rate, Pitch and Volume
// become and whether IPA is read; package tts documents it from there.
//
// A neural Voice speaks its Name: a Piper voice its own language whatever
// the segment's; Kokoro the segment's language (English in the accent of
// the blend's heaviest voice). Rate becomes the model's length_scale (1 /
// Rate) or speed, Volume a gain; Pitch and Range are not applied. Each
// sentence is a model run, cut shorter where a run would be long (see
// engine/piper), faded over 2 ms at both ends so that runs join without a
// step, and a cancel terminates the run under way. The engine
// names in Stats are "piper" and "kokoro"; Models reports each model's
// resident memory, which the server exports as parley_engine_model_bytes.
//
// # Word timestamps
//
// A Segment with Words gets the words spoken, each before the audio it
// starts in: flite's from each utterance's predicted segment durations
// (engine/flite), espeak-ng's from its word events (engine/espeak, through
// the worker protocol too), which say where a word starts, so a word ends
// where its sound does before the next one; Piper's and Kokoro's an
// estimate from each run's phonemes (internal/onnxrun). The stream places
// them in its output, the resampling and the cut lead accounted: until the
// Joiner has decided how much of the lead goes, and until an espeak-ng
// word's end is known, the audio from the first word not yet placed is
// held back. Without Words nothing is held and nothing else changes.
//
// # When audio is needed
//
// The engines' queues serve waiting syntheses earliest deadline first
// (package engine/sched). The deadline is set by the front ends, which
// alone know it: realtime from the audio a generation has queued, httpapi
// for an answer's first segment. It is an explicit field of what they
// hand the pipeline, tts.Segment.Due, so that it shows in their code and
// in what a fake pipeline receives. Below the pipeline it travels as a
// context mark (sched.PlayBy), as a context's own deadline does: it is
// read only by the gates at the bottom (the flite slots, the espeak-ng
// pool's line, the neural gate and the Piper and Kokoro run gates), three
// calls down, through APIs (Synthesizer, espeak.Pool.Synthesize, the
// neural voices' runs) that have no other use for it and that tests and
// tools call without one. Threading a parameter through all of them would
// add a field every caller must fill and no reader needs.
package engine
