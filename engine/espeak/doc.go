// Package espeak owns the binding to espeak-ng (libespeak-ng 1.51): the only
// code in Parley that sees its C API. It turns text and a few primitive
// parameters into 16-bit mono PCM at espeak-ng's native rate (22050 Hz),
// streamed chunk by chunk, and knows nothing of Parley's engine layer.
//
// # One thread for espeak-ng
//
// espeak-ng keeps its state in C globals and is not thread-safe. All calls
// into it happen on one worker goroutine, locked to its OS thread, that
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
// Each request sets the voice, rate, pitch, range and volume afresh, so
// settings never carry from one request to the next. Text is plain UTF-8:
// SSML and phoneme input are off, and control characters (which include
// espeak-ng's in-band command prefix, Ctrl-A) are spoken as spaces.
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
