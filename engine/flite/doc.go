// Package flite is a thin binding to CMU flite 2.2 and the only code that
// sees flite's C API. It speaks English with four built-in voices: "slt"
// (US female), "rms" (US male) and "awb" (Scottish-accented male), all
// clustergen, and "kal16" (US male, diphone). All produce 16 kHz mono PCM,
// as SampleRate reports from a synthesis at start-up. The package knows
// nothing of the engine package; its API uses only primitive types.
// Without cgo every call returns ErrUnavailable.
//
// # Concurrency
//
// The voices are registered once per process, all together, before the
// first synthesis. After that flite is used from any number of goroutines
// at once: every per-request setting goes on the utterance's features,
// which flite searches before the shared, read-only voice features. No
// voice is serialised. This rests on a review of flite 2.2's sources (the
// version of Debian 12's flite1-dev 2.2-5) for state that a synthesis
// shares with another:
//
//   - Voices: registration writes each voice's feature list, the shared
//     lexicon (cmu_lex, cmu_lts_rules) and each voice library's voice
//     pointer, all before any synthesis (load, under a sync.Once).
//     utt_init links the voice's features behind the utterance's without
//     copying them, and no synthesis step writes them; the one that would
//     (clunits, which stores clunit_db) belongs to a kind of voice we do
//     not load.
//   - Reference counts: flite's values carry a plain, non-atomic
//     ref_count that feat_set and cons_val change. Constants compiled into
//     the libraries have -1 and are never written. The values registration
//     creates (lexicon, phone set, cg_db, functions, strings) are only read
//     during synthesis: no step of the text, lexical, prosodic, clustergen
//     or diphone synthesis stores one of them in a per-utterance
//     structure (feature functions return constants or new values, and
//     the CART feature cache holds the utterance's own item values).
//   - Process-wide writable state: libflite's .bss is 584 bytes: the error
//     handler's cst_errjmp; flite_voice_list and flite_lang_list, used
//     only by flite_voice_select, flite_voice_load and flite_add_lang,
//     which this package never calls; the default audio device of the
//     streaming callback, replaced by ours; and the regex compiler's
//     statics, unused since flite's regexes are precompiled and matching
//     keeps its state per call. libflite_usenglish has no such state, and
//     libflite_cmulex only the lexicon above.
//   - rand(), shared in libc: see below.
//
// Checked two ways. TestConcurrentStress runs all four voices with
// parameters from the edges of their ranges, seven kinds of text and
// random cancellations from 4 goroutines per CPU, under -race in CI, and
// requires exactly the serial PCM (a prefix of it when cancelled); the
// race detector sees only the Go half. TestHelgrind (`go test -run
// TestHelgrind ./engine/flite -args -helgrind`, about a minute) runs the
// shim from four C threads under Valgrind's Helgrind: 0 errors, with
// output identical to the serial run; the same harness with one write to
// a voice feature per synthesis added reports 104 errors, so the tool does
// see this kind of race. On two otherwise idle cores BenchmarkParallel
// gets 1.75-2.0 times the throughput of one core for the clustergen
// voices and 1.5 times for kal16, whose 2 ms syntheses are dominated by
// fixed costs.
//
// # Fatal errors
//
// flite reports internal errors with cst_error(), a macro compiled into
// the library: it longjmps to cst_errjmp if that is set and otherwise
// calls exit(-1), ending the server. cst_errjmp is one pointer for the
// whole process, so it cannot serve concurrent syntheses (a longjmp from
// one thread into another's stack), and a longjmp would leak the
// utterance; this package leaves it unset and keeps its input away from
// every cst_error instead. In flite 2.2 they are: an allocation that fails
// or has a negative size; a value of the wrong type; model inconsistencies
// (MLPG dimensions and determinants, an unknown CART operator or
// resynthesis type, channel or rate mismatches of waves, a clunits path);
// a corrupt compiled regex; a missing relation; and a phone not in the
// phone set, which only flite_phones_to_speech can meet. None depends on
// the text once sanitize has made it ASCII without controls in tokens of
// at most 40 bytes, cut into utterances of bounded cost, with Params
// validated. TestHostileTextNeverExits speaks 280 hostile inputs
// (every printable character alone and among words, runs across the
// split, number and punctuation forms, random bytes) with every voice and
// parameter extreme in a child process, and FuzzSynthesize keeps looking
// (`go test -run '^$' -fuzz FuzzSynthesize ./engine/flite`).
//
// The clustergen vocoder draws noise from rand(), whose libc state is
// shared by the process, so stock flite never says the same thing twice.
// The C half of this package defines rand and srand with per-thread state,
// which take precedence over libc's for the whole process, and reseeds
// before every synthesis: output depends only on text, voice and Params.
//
// # Streaming and cancellation
//
// Synthesize splits text into utterances with flite's own tokenizer and
// sentence-break rule, and also after about 200 characters at punctuation
// or 400 anywhere (digits and vowelless tokens, which flite reads out
// character by character, count four times). It streams each utterance
// through flite's audio streaming callback, for all four voices, in chunks
// of at least 50 ms, copied out of flite's buffer before emit sees them.
//
// flite analyses a whole utterance before its first sample, and the
// clustergen voices also generate all its parameters then. Cancellation,
// or an error from emit, is noticed at the next chunk or utterance; the
// callback then stops flite and Synthesize returns ctx.Err() or emit's
// error. BenchmarkFirstChunk, on an idle machine, puts that first phase at
//
//	                            slt    rms    awb    kal16
//	69-character sentence       22     20     19     1.5 ms
//	200-character sentence      52     52     48     3.5 ms
//	10 KB without punctuation  128    133    117    12   ms
//	a single 10 KB "word"      153    150    146    14   ms
//
// and BenchmarkSentence puts a whole sentence at 0.015 s (clustergen) and
// 0.0007 s (kal16) per second of audio.
//
// # Prosody
//
// Rate divides the voice's duration_stretch (1.1 for kal16, else 1).
// PitchMean and PitchStddev set int_f0_target_mean and
// int_f0_target_stddev, which both kinds of voice honour; DefaultPitch
// returns the voice's own values so that callers can shift in semitones by
// scaling both. rms predicts F0 with the SPAM accent model, which replaces
// the F0 track after those targets are applied, so this package switches
// SPAM off for rms at registration: rms then uses its statistical F0 trees
// as slt and awb do, and its pitch moves smoothly from the default. Volume
// scales the samples, clipping at full scale.
//
// Measured by TestParamsEffect on "The quick brown fox jumps over the lazy
// dog, and then it runs away into the forest." (median F0 by
// autocorrelation; ±4 semitones scales mean and stddev by ×0.794 or
// ×1.260):
//
//	voice  target F0    F0 default  -4 semitones    +4 semitones     duration at rate 0.75 / 1 / 1.5
//	slt    172 / 27 Hz  166.7 Hz    132.5 (×0.795)  210.0 (×1.259)   6.59 / 4.95 / 3.30 s
//	rms     98 / 24 Hz   92.4 Hz     73.5 (×0.796)  116.4 (×1.259)   7.67 / 5.75 / 3.83 s
//	awb    132 / 25 Hz  127.0 Hz    101.4 (×0.798)  160.1 (×1.261)   6.64 / 4.98 / 3.33 s
//	kal16   95 / 11 Hz   88.7 Hz     70.8 (×0.799)  112.7 (×1.271)   6.80 / 5.09 / 3.40 s
//
// A quarter of the default stddev narrows the middle 80% of F0 values from
// 2.4-4.6 to 0.9-1.2 semitones.
//
// # Text
//
// flite reads ASCII English and treats none of it as markup: SSML-like
// tags are read aloud as words ("speak hello break time equals one ..."),
// numbers, dates, money and abbreviations are expanded, and an unknown
// word is spelled out letter by letter. Before flite sees the text,
// control characters (NUL included) become spaces, curly quotes, dashes
// and accented Latin letters fold to ASCII ("café" is said as "cafe";
// flite itself would split the word at the "é" and drop a word in curly
// quotes), every other non-ASCII character becomes a space (flite drops or
// garbles such bytes), and a space breaks every run of 40 non-space
// characters. Text with nothing left to say, such as empty, whitespace-only
// or Chinese text, emits nothing and returns nil. Nothing tried crashed
// flite, including 10 KB of text (ten minutes of speech).
package flite
