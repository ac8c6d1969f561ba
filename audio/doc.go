// Package audio owns PCM handling for Parley: 16-bit mono sample buffers,
// sample-rate conversion, the fades and chunking that turn engine output
// into protocol audio (24 kHz pcm_s16le), WAV reading and writing, and the
// signal analysis (level, pitch, speaking rate, silence) used by tests and
// by voice analysis of reference audio. It is pure Go, with no cgo.
//
// # Resampling
//
// Resampler is a streaming polyphase windowed-sinc converter for any
// rational ratio (reduced by the GCD: 22050→24000 is 160:147 output to
// input, 16000→24000 is 3:2). Its output is time-aligned with its input:
// output sample k is the band-limited signal at input time k·in/out, the
// filter's group delay being absorbed by waiting for future input (Delay
// reports how much), and a stream of n samples yields ceil(n·out/in)
// samples. Any chunking of the same stream gives bit-identical output.
//
// The filter is a Kaiser-windowed sinc scaled to the lower of the two rates:
//
//   - 104 taps per output when upsampling (52 either side), 104·in/out when
//     downsampling (208 for 48→24 kHz, 312 for 48→16 kHz);
//   - Kaiser β = 8.96, cutoff (−6 dB) at 0.945 of the lower Nyquist, so the
//     transition band lies between 0.9 and 1.0 of it;
//   - each phase normalised to unity DC gain;
//   - measured over every ratio in the tests: passband ripple ≤ 0.026 dB up
//     to 0.9 of the lower Nyquist, stopband ≤ −89.8 dB from the lower
//     Nyquist up (TestFilterResponse), so neither images nor aliases rise
//     above the 16-bit noise floor by more than a few dB.
//
// One table per ratio (L phases × taps, float32) is built on first use and
// shared by all Resamplers through a small LRU cache. A ratio whose exact
// table would exceed 4 MiB (rates without a useful common divisor, such as
// 44100→48001) uses up to 1024 phases with linear interpolation between
// neighbouring rows instead. The inner loop is a float32 dot product with
// four accumulators; in pure Go on the development machine it measured
// about 0.5 ns per tap against 0.8 for int32×int16 fixed point, so float32
// it is. BenchmarkResample reports throughput (x-realtime, ns/sample);
// 22.05→24 kHz runs at roughly 600 times real time on one core, so
// resampling is a small share of a synthesis's cost and does not justify
// cgo and libsoxr.
//
// # Joins and chunks
//
// Joiner fades every segment in and out over a few milliseconds so joins
// never click, holding back only the fade's length, and can cap the silence
// at a join. Chunker turns engine pieces into 40–80 ms chunks while sending
// a segment's first piece at once.
//
// # Telephone audio
//
// Widener turns 8 kHz telephone audio into 16 kHz audio for a recogniser
// trained on wideband speech: it upsamples and fills the empty 4–8 kHz
// band with noise following the envelope of the 2.5–4 kHz band (a fourth-
// order high-pass, a 2.5 ms follower, a floor of 100). Plain upsampling
// leaves pocketsphinx's upper mel filters empty and it hears next to
// nothing: on seven flite sentences through 8 kHz μ-law, its word error
// rate was 0.97 upsampled, 0.54 widened, 0.32 on the original 16 kHz.
//
// # μ-law
//
// MulawEncode and MulawDecode convert between linear PCM and G.711 μ-law,
// the telephone network's 8-bit coding (Twilio's media streams carry it at
// 8 kHz). The encoder is ITU-T G.191's reference algorithm; the decoder
// the standard table. Both run at several hundred MB/s (BenchmarkMulaw),
// and the signal-to-noise ratio of a sine through them is 35 to 38 dB
// from -3 to -40 dBFS (TestMulawSNR).
//
// # WAV
//
// EncodeWAV and WAVWriter write 16-bit mono files, WAVWriter also to
// outputs that cannot seek (sizes 0xFFFFFFFF). ReadWAV decodes integer and
// float PCM in any common layout to 16-bit mono with bounded memory.
package audio
