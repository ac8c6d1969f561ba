// Package espeak owns the binding to espeak-ng (libespeak-ng 1.51): the only
// code in Parley that sees its C API. It turns text and a few primitive
// parameters into 16-bit mono PCM at espeak-ng's native rate (22050 Hz),
// streamed chunk by chunk, and knows nothing of Parley's engine layer.
//
// # One thread for espeak-ng
//
// espeak-ng keeps its state in C globals and is not thread-safe. Within a
// process, all calls into it happen on one worker goroutine, locked to its OS thread, that
// takes requests from a bounded queue and synthesises them one at a time
// with AUDIO_OUTPUT_SYNCHRONOUS. Every Engine returned by Open shares that
// worker: the first Open starts it, the last Close stops it (reference
// counting), so two parts of a program cannot start two workers that would
// race inside espeak-ng. espeak-ng itself is initialised once per process,
// on first use, and never terminated: a later Open reuses the loaded data
// and espeak_Initialize's process-wide setlocale(LC_CTYPE) happens once.
// QueueLen reports the requests waiting, for metrics.
//
// Audio reaches Go from espeak-ng's synth callback through a
// runtime/cgo.Handle passed as espeak_Synth's user_data; the callback copies
// each buffer and calls emit on the worker thread as the audio is made. It
// checks the request's context and the engine's state on every chunk and
// returns 1 to make espeak-ng abandon the text, so a cancel takes effect
// within one chunk (about 50 ms of audio, well under a millisecond of
// work). espeak-ng 1.51 hands over about 1080 samples (49 ms) per callback
// for any buffer length up to 40 ms; the first arrives about 0.3 ms after
// espeak_Synth is called.
//
// # Phonemes
//
// Phonemize reads text into clauses and their IPA phonemes with
// espeak_TextToPhonemes, for the neural engines (Piper, Kokoro), which
// take phonemes rather than text. It runs on the worker thread like a
// synthesis, selects the voice afresh and reads the text to its end even
// when cancelled, so nothing carries over to the next request; after a
// synthesis that stopped mid-text it first clears what espeak-ng had read
// ahead of it (an empty espeak_Synth), which espeak_TextToPhonemes would
// otherwise read as the start of its text. Which punctuation ended each
// clause is read from the text, since Debian's espeak-ng lacks the call
// that reports it: see Clause.
//
// # Worker processes
//
// One thread cannot use more than one core, and a crash inside espeak-ng
// takes its process with it. Pool therefore runs requests on the
// in-process worker and on worker processes: copies of the current binary
// started with the hidden subcommand WorkerSubcommand, each running
// ServeWorker, that is Open, Synthesize and Phonemize, on its own
// espeak-ng. A
// request takes the in-process worker when it is free (no pipe hop), else
// a free worker process, else waits in a first-come-first-served queue for
// as long as its context allows.
//
// For each worker process the pool runs one supervisor goroutine. It
// starts the process (in its own process group, so that a Ctrl-C meant for
// the server does not reach it), waits for its hello, reads every frame it
// sends and calls the request's emit with the audio as it arrives, with no
// buffering beyond the frame being read. When the process dies (killed,
// crashed, or breaking the protocol, which gets it killed) the request in
// progress fails with ErrWorkerDied and the supervisor starts a new
// process: at once after a worker that had completed a request, else after
// PoolConfig.RestartBackoff, doubling up to MaxRestartBackoff. A watchdog
// kills a worker that keeps the supervisor waiting for HangTimeout while
// starting or serving, and that request fails with ErrWorkerHung. When a
// request's context ends the caller returns at once, a cancel frame makes
// the worker stop at its next chunk, and the slot frees only when the
// worker's end frame arrives. Close closes every worker's stdin, sends
// SIGTERM, kills what is left after StopGrace and waits for each process.
// A worker whose stdin ends (the pool closed it, or died) stops its
// request and exits, giving up on a request stuck inside espeak-ng after
// five seconds.
//
// With PoolConfig.Isolated no request is served in-process: every
// synthesis and every phonemisation (the neural engines' text, which
// espeak-ng reads with the same code as for speech) waits for a worker
// process, in the same earliest-need-first line, so text from clients
// never reaches espeak-ng inside the calling process, and a crash or
// memory corruption that hostile text might cause in espeak-ng stays in
// one worker, which the pool replaces. Such text exists: a run of a
// hundred one-letter abbreviations ("A.A.A.…") smashes espeak-ng 1.51's
// stack, in both calls; cleanText now spaces out text with many initials
// (breakInitials), which stops those, but not whatever else may exist.
// `parley serve` runs isolated by default; the cost
// is the hop described below. A pool that is not isolated phonemises
// in-process, where it waits for one synthesis at most.
//
// OpenPool waits for every worker's hello, so a worker command that does
// not work fails at start-up. The default command, os.Executable() with
// WorkerSubcommand, works in parley; other programs (tests) configure
// PoolConfig.WorkerCommand or run without worker processes.
//
// # Worker protocol, version 4
//
// The pool and a worker exchange frames over the worker's stdin and
// stdout. A frame is a 4-byte little-endian length n, 1 ≤ n ≤ 1 MiB,
// then n bytes: a type byte and the body. Integers in bodies are
// little-endian; a string is a u32 byte count and UTF-8 bytes.
//
//	'h' hello   worker → pool, first frame: u16 version, u32 sample rate,
//	            string error (empty if espeak-ng started)
//	'r' request pool → worker: u64 id, i32 rate, pitch, range, volume,
//	            string voice, string variant, string text, u8 flags (Params
//	            as is; flag 1 is Phonemes, flag 2 asks for words frames,
//	            other bits are errors)
//	'c' cancel  pool → worker: u64 id of the request to abandon
//	'a' audio   worker → pool: u64 id, then 16-bit samples to the end
//	'e' end     worker → pool: u64 id, u8 status (0 ok, 1 cancelled,
//	            2 unknown voice, 3 unknown variant, 4 invalid params,
//	            5 failed), string message
//	'p' phonemize  pool → worker: u64 id, string voice, string text
//	               (cleaned of control characters already)
//	'k' clauses    worker → pool: u64 id, then clauses to the end of the
//	               frame, each u32 count of text bytes it consumed, u8
//	               punctuation (Clause.Punct in ASCII, 0 for none),
//	               string phonemes
//	'w' words      worker → pool: u64 id, then words to the end of the
//	               frame, each u32 sample, u32 text start, u32 text end
//	               (SynthesizeWords' Word: bytes of the request's text)
//
// The pool sends one request (a request or a phonemize frame) at a time
// and the next only after the end of the last; the worker answers a
// request with audio frames, one per espeak-ng chunk as it is made, and a
// phonemisation with its clauses once they are all read, in as many
// frames as they need (none for none), then exactly one end frame, also
// after a cancel. A cancel for a request that has ended is ignored. The
// clauses do not repeat the text, which the pool has: each says how much
// of it, from where the last one ended, it consumed, and at a successful
// end they must have consumed it all. The pool takes at most 64 bytes of
// clauses (40 per clause plus its phonemes) per byte of text, over three
// times the most espeak-ng 1.51 makes (a clause per comma, "w, w, w, ...").
// A request with the words flag gets, before each audio frame, a words
// frame with the words that start in it, if any: at most one word per
// byte of text and one, each within the text. Anything else is a
// protocol error, after which the pool kills the worker and the worker
// exits. Version 1 lacked the phonemize and clauses frames, version 3 the
// words frames. A decoder allocates a frame's memory as its bytes arrive, so a
// hostile length costs nothing. A worker that prints to its standard
// output cannot corrupt the frames: ServeWorker moves them to a private
// descriptor first. On this 2-core machine the hop costs about 0.3 ms
// before the first chunk, and a worker process makes speech at about 70%
// of the in-process rate, the rest going to frames and wake-ups; a short
// sentence's phonemes take about 0.3 ms through a worker process against
// 0.2 ms in-process (BenchmarkPhonemize). A phonemisation sends nothing
// until it has read its whole text, which must therefore take less than
// HangTimeout: the longest, MaxTextBytes, takes about a second.
//
// Each request sets the voice, rate, pitch, range and volume afresh, so
// settings never carry from one request to the next. Text is plain UTF-8:
// SSML is off, and control characters (which include espeak-ng's in-band
// command prefix, Ctrl-A) are spoken as spaces. Phoneme input ([[ ]]) is on
// only for a request with Params.Phonemes, whose text PhonemeText wrote:
// the mnemonics in it come from Parley's own table (IPA mapped by
// Mnemonics), never from client text, in which PhonemeText breaks up any
// "[[".
//
// # Calibration
//
// The engine layer describes prosody as a pitch shift in semitones and
// multipliers of pitch range, rate and volume. PitchForSemitones,
// RangeForScale, RateForScale and VolumeForScale map those onto Params using
// espeak-ng 1.51's measured response, which `go test -run TestCalibrate
// -calibrate -v` prints (F0 by autocorrelation, median over voiced 30 ms
// frames, on an 84-character English sentence):
//
//   - Pitch moves the whole F0 contour by a fixed interval: relative to
//     the default 50, Pitch 0/10/20/30/40 give -7.1/-5.9/-4.7/-3.1/-1.7
//     and 60/70/80/90/100 give +1.7/+3.6/+5.4/+7.3/+9.0 semitones, about
//     0.17 semitones per step. Male and female variants agree within 0.6
//     semitones from Pitch 10 up (1.6 at Pitch 0). en-us speaks at a
//     median 100 Hz (69 to 168 Hz over the scale), its f2 variant at
//     192 Hz (127 to 321 Hz).
//   - Range scales the F0 spread (10th to 90th percentile, 3.6 semitones
//     for en-us at the default 50): 0/10/25/75/100 give 0/0.25/0.56/1.37/
//     1.64 times the default spread. Range also moves the median F0, by
//     about -2 semitones at 0 and +2 at 100, because the movement is added
//     above the base pitch.
//   - Rate is close to nominal: speech lasts 175/Rate times as long as at
//     the default 175 wpm, within 3% from 100 to 449 wpm (80 wpm gives 0.48
//     times the speed, not 0.46). From 450 wpm espeak-ng speeds up with
//     libsonic, about 5% short of nominal (1000 wpm is 5.45 times as fast).
//   - Volume scales amplitude linearly: RMS is within 3% of Volume/100
//     times the default from 50 to 150, a little lower below (Volume 10
//     gives 0.082); 200 gives 1.88 times, compressed.
//
// # Languages
//
// VoiceFor names the voice for each protocol language. Two need care in
// 1.51: Chinese uses cmn-latn-pinyin, because the plain cmn voice turns
// Hanzi into tone-numbered pinyin and then reads that as English; and the
// Japanese voice reads kana only, announcing each kanji as "Chinese
// letter", so Japanese text must reach it in kana.
//
// espeak-ng is not bit-exact: the same request gives audio a few samples
// longer or shorter from call to call, because its glottal source and
// pitch flutter run on between utterances, as does some text-analysis
// state (for example, a Russian voice given certain Latin text makes later
// utterances end 40 ms later).
package espeak
