// Package kokoro runs Kokoro-82M v1.0 (hexgrad/Kokoro-82M, Apache-2.0:
// StyleTTS 2 with an iSTFTNet decoder, 24 kHz) exported to ONNX by
// onnx-community, with onnxruntime. Load reads a directory laid out as
// `parley models pull` leaves it:
//
//	model.onnx       onnx-community/Kokoro-82M-v1.0-ONNX onnx/model.onnx, or a
//	                 quantized variant of it renamed
//	config.json      hexgrad/Kokoro-82M's config.json, which holds the vocab
//	voices/NAME.bin  onnx-community's voice files, e.g. af_heart.bin
//
// # The inference contract, and where it comes from
//
// From onnx-community's model card and kokoro.js (hexgrad/kokoro,
// kokoro.js/src/kokoro.js), which drive that export, checked against
// kokoro-onnx (thewh1teagle/kokoro-onnx) and hexgrad's own KModel and
// KPipeline (hexgrad/kokoro, kokoro/model.py and pipeline.py):
//
//   - inputs "input_ids" int64 [1, N]: the phoneme tokens framed by one pad
//     (id 0) at each end, N at most 512 (config.json's plbert
//     max_position_embeddings), so at most 510 tokens a run; "style"
//     float32 [1, 256]: the voice's style vector for this run; "speed"
//     float32 [1]: durations are divided by it.
//   - output "waveform" float32 [1, T] (Load also takes [T]) at 24 kHz.
//   - tokens: one per character of the phoneme string, through
//     config.json's "vocab"; characters not in it are dropped (KModel.forward
//     filters them out). The pad 0 is "$" in onnx-community's tokenizer.json.
//   - a voice file is raw little-endian float32 [510, 1, 256]: one style
//     per phoneme count. hexgrad's KPipeline takes row len(phonemes)-1
//     (pack[len(ps)-1]); kokoro.js and kokoro-onnx take row len(tokens), one
//     further. This package follows the model's author: row n-1 for n
//     tokens, clamped to the file.
//   - voice names say the language (a American English, b British English,
//     e Spanish, f French, h Hindi, i Italian, j Japanese, p Brazilian
//     Portuguese, z Mandarin) and the gender (f, m): af_heart is an American
//     woman.
//
// Load refuses a model whose inputs differ in name, element type or rank
// from these (kokoro-onnx's own exports, with "tokens" or an int32 speed,
// among them), a config.json without a vocab, and leaves out each voice
// file that is not a whole number (1 to 510) of 256-float rows of finite
// numbers.
//
// # Phonemes
//
// hexgrad's pipeline reads English with misaki, its own G2P, and other
// languages with espeak-ng; Parley reads every language with espeak-ng, as
// kokoro.js does for English: clause by clause in IPA (espeak.Clause), each
// clause followed by its punctuation and a space, a run per sentence (cut
// at clauses, then words, beyond MaxTokens, 250 by default; and at a
// clause past FirstTokens, 40, for the first run of a segment needed now),
// espeak-ng's language switches dropped, and for English kokoro.js's
// corrections (Kokoro's name, ʲ as j, r as ɹ, x as k, ɬ as l, "hundred"
// apart from its number, plural z joined, American "ninety" with a d).
// English from misaki spells some diphthongs as single letters (A for eɪ,
// O for oʊ) that espeak-ng's two-letter IPA does not use; Kokoro speaks
// espeak-ng's IPA too, the way kokoro.js feeds it, but misaki's English is
// what it was trained on. The espeak-ng voice is the caller's choice (the
// engine layer takes the segment's language, and for English the voice's
// accent); Language.Espeak is each voice's own.
//
// # Blends
//
// A blend ("af_heart:0.7+bf_emma:0.3") mixes voices' style vectors, row
// by row, with the weights normalised to sum to 1: a voice no hosted API
// offers. Its canonical name lists voices by weight with three decimals.
//
// # Running the model
//
// As for Piper (see internal/onnxrun): sessions, threads and a gate shared
// with the other neural voices; a cancel terminates the run under way.
// Load runs the model once on empty input, so that a model that loads but
// cannot run is refused at start.
package kokoro
