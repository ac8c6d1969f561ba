// Package pocketsphinx is a thin binding to CMU pocketsphinx 5prealpha
// (Debian 12's libpocketsphinx3) and the only code that sees its C API. It
// decodes 16 kHz mono PCM into words with Debian's US English model, in
// streaming fashion: Start an utterance, Write audio as it arrives, read
// Partial hypotheses while it runs and the final one from End. Recognize
// does all of that for a whole clip. Without cgo, NewDecoder returns
// ErrUnavailable.
//
// # Decoders and the pool
//
// A Decoder loads its own copy of the model: about 0.3 s and 90 MB of C
// memory for the default English model, 60 MB of it the trigram language
// model. Keyword spotting (Extra {"-keyphrase": ...}) needs no language
// model: it loads in a fifth of the time and holds 28 MB. Decoders share
// nothing, so any number of them decode in parallel;
// TestConcurrentMatchesSerial checks, under the race detector, that
// decoders running at once give exactly the results of one decoder alone.
// A Pool keeps loaded decoders warm and bounds how many exist.
//
// Freed decoder memory stays with the C allocator for reuse rather than
// returning to the system, so a process's size reflects the most decoders
// it ever held at once, per malloc arena (glibc keeps up to eight per
// core). TestMemoryStable checks that loading and freeing decoders and
// decoding utterances on one thread does not grow the process: 3 and 20
// by default, 50 and 200 with -soak (measured growth: 0.4 MB and none).
//
// # Determinism
//
// pocketsphinx carries its estimates of the channel (the cepstral mean)
// and the background noise from one utterance into the next. Reset puts
// them back to their loaded state; Recognize and Pool.Put reset, so a
// hypothesis from either depends only on the audio. Within an utterance
// the chunk sizes given to Write do not change the result.
//
// # Logging
//
// pocketsphinx logs hundreds of lines to stderr by default. The first
// NewDecoder switches that off for the whole process (err_set_logfp(NULL),
// which also stops the configuration dump; not "-logfn", which reopens a
// process-wide log file on every load and would race between decoders
// loading at once) and routes error messages to a per-thread buffer, from
// which a failed load takes its reason. Some model-file corruptions are
// fatal in pocketsphinx itself, which exits the process; Validate checks
// that the files exist, which rules out the common case.
//
// # Speed
//
// Measured on the 2-core Xeon build machine while other builds kept it
// busy (load 4 to 6), so an idle core does better: BenchmarkRecognize
// decodes at 0.18 to 0.4 times real time, BenchmarkPartial costs 4 to 8 µs
// (a Partial every 200 ms is free), and BenchmarkNewDecoder takes 0.31 to
// 0.35 s.
package pocketsphinx
