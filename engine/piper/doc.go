// Package piper runs Piper voices (rhasspy/piper: VITS models exported to
// ONNX, the rhasspy/piper-voices catalogue) with onnxruntime. A voice is
// NAME.onnx and its config NAME.onnx.json, as published; Load checks both
// and Synthesize turns text into 16-bit PCM at the voice's sample rate. The
// package knows nothing of Parley's engine layer: it takes text, a
// Phonemizer (espeak-ng) and Params, and emits PCM.
//
// # The inference contract
//
// Followed exactly from Piper's own runtimes (src/cpp/piper.cpp and
// src/python_run/piper/voice.py in rhasspy/piper) and the exporter
// (piper_train/export_onnx.py):
//
//   - inputs "input" int64 [1, N], the phoneme ids; "input_lengths" int64
//     [1], holding N; "scales" float32 [3], holding noise_scale,
//     length_scale and noise_w, from the config's "inference" block
//     (defaults 0.667, 1, 0.8); and "sid" int64 [1], the speaker id, only
//     when the config's num_speakers is above 1 (speaker 0 by default);
//   - output "output" float32 [1, 1, T]: audio at the config's
//     audio.sample_rate, nominally within ±1.
//
// Load refuses a model whose inputs or outputs differ in name, element
// type or rank, and a config whose sample rate is outside 8 to 48 kHz.
// Speed is length_scale: Params.LengthScale multiplies the voice's own, so
// a rate of 2 is a length_scale half the configured one.
//
// # From text to ids
//
// As piper-phonemize (rhasspy/piper-phonemize, src/phonemize.cpp and
// src/phoneme_ids.cpp) does it:
//
//  1. espeak-ng reads the text clause by clause in IPA
//     (espeak_TextToPhonemes, phoneme mode 0x02) with the config's
//     espeak.voice.
//  2. Each clause's phonemes are decomposed (Unicode NFD: "ç" becomes "c"
//     and U+0327), mapped through the config's phoneme_map if it has one
//     (else piper-phonemize's default map, which only has pt-br's c → k),
//     and stripped of espeak-ng's language switches ("(en)...(pt)").
//  3. The clause's punctuation is appended: "." "?" "!" alone, "," ":"
//     ";" followed by a space. A period, question or exclamation mark ends
//     the sentence; the next clause starts a new one.
//  4. Each sentence becomes ids: the ids of "^", of "_", then for each
//     phoneme its ids and those of "_", then the ids of "$". Phonemes not in
//     phoneme_id_map are skipped. (Piper's Python runtime of 2023 leaves out
//     the "_" after "^"; its C++ runtime, piper-phonemize, and the training
//     data have it, so it is here.)
//  5. Each sentence is one model run.
//
// Voices with phoneme_type "text" use the text's own characters instead of
// steps 1 to 3: case-folded (approximated by lower case with ß as ss),
// decomposed, mapped, the whole text one sentence. The golden test
// (testdata/golden_ids.json, `go test -run TestGoldenIDs -update`) fixes
// the ids of a dozen sentences for en_US-amy-low.
//
// Where Parley differs from Piper, and why:
//
//   - Debian's espeak-ng has no espeak_TextToPhonemesWithTerminator (Piper
//     links a patched espeak-ng), so each clause's punctuation is read from
//     the text the clause consumed; see espeak.Clause for the rule and
//     where it can differ (abbreviations such as "Dr." end a sentence here).
//   - A sentence longer than MaxPhonemes (250, about 20 s) is cut at clause
//     boundaries, and an over-long clause at word boundaries, each part its
//     own run: a run cannot be interrupted mid-way on every onnxruntime, so
//     its length bounds how long a cancel can take. The first run of a
//     segment needed now (sched.Due) is cut at a clause boundary once it
//     would pass FirstPhonemes (40, about two seconds), so that the first
//     audio comes after a short run.
//   - Piper peak-normalises each sentence's audio to full scale; Parley
//     converts the model's floats as they are (clipping at ±1), so that
//     loudness does not depend on where runs were cut. Piper's C++ runtime
//     adds 0.2 s of silence after each sentence, its Python runtime none;
//     Parley none.
//   - Piper's C++ runtime ignores a voice's phoneme_map for espeak voices
//     (every published voice's is empty); Parley applies it.
//
// # Running the model
//
// A Voice holds Options.Sessions onnxruntime sessions (default one: a
// session takes concurrent runs) with Options.Threads intra-op threads
// each. Runs wait at Options.Gate, which the engine layer shares among all
// neural voices and orders earliest deadline first (sched.Slots). When a
// run's context ends, its RunOptions' terminate flag is set, which
// onnxruntime checks between nodes, so a cancel stops a run early on the
// versions that honour it and within one run on any. Load makes a test
// run of the empty sentence, so that a model that loads but cannot run is
// refused at start.
package piper
