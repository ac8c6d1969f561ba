// Package codec owns the audio containers of Parley's HTTP API: it turns
// the 24 kHz mono 16-bit PCM of a synthesis into the response_format a
// client asked for, streaming. It is pure Go; each C library has its own
// thin cgo package below it (lame, opusenc, flac, aac), which knows nothing
// of this one and deals only in bytes. Raw PCM and WAV reuse the audio
// package.
//
// # Formats
//
//	format  content type  encoder                        output
//	wav     audio/wav     audio.WAVWriter                16-bit PCM, 24 kHz
//	pcm     audio/pcm     audio.PCMToBytes               s16le, 24 kHz, no header
//	mp3     audio/mpeg    libmp3lame, 64 kbit/s CBR, q3  MPEG-2 Layer III, 24 kHz
//	opus    audio/opus    libopusenc, 32 kbit/s VBR      Ogg Opus (decodes at 48 kHz)
//	flac    audio/flac    libFLAC, level 5               FLAC, 24 kHz, lossless
//	aac     audio/aac     FFmpeg's native aac, 64 kbit/s AAC-LC in ADTS, 24 kHz
//
// The content types are those of OpenAI's speech endpoint, as
// OpenAI-compatible servers reproduce them, so a
// client written against it sees what it expects; OpenAI's SDKs return the
// body as bytes whatever the type. Opus is the one type that is not the
// IANA registration for what is sent (that would be audio/ogg, which
// RFC 7845 assigns to Ogg Opus); browsers sniff Ogg either way.
//
// Without cgo only wav and pcm exist, and Formats says so. NewEncoder
// refuses anything else with an error wrapping ErrUnsupportedFormat whose
// message ends "(supported: wav, pcm, ...)", fit for a 400 response.
//
// # Settings
//
// mp3: 24 kHz makes MPEG-2 Layer III (576 samples a frame). 64 kbit/s CBR
// is transparent enough for speech at that rate, and constant bitrate lets
// players seek and estimate the length of a file without a table of
// contents, which a stream cannot carry. LAME quality 3, its own default
// ("good"), rather than 2 ("near best"): 2.4 times faster, 205 against 82
// times real time on one core here.
//
// opus: 32 kbit/s constrained VBR, application "audio" with the signal
// hint "voice". The "voip" application high-passes and sharpens formants
// for intelligibility on poor links; a TTS voice should come out as it was
// synthesised, and the voice hint already steers the encoder towards SILK
// and hybrid modes at this bitrate. Bandwidth is capped at super-wideband
// (the 12 kHz of 24 kHz input). Complexity 5 rather than libopus's default
// 10 trades some coding efficiency for throughput on a small server: twice
// as fast, 60 against 29 times real time on one core here.
// Ogg pages close at least every 200 ms of audio (libopusenc's default is
// one second): about 1.5 kbit/s of page overhead.
//
// flac: level 5, libFLAC's default: lossless, 60% of WAV's size on the
// test signal, 1,600 times real time.
//
// aac: FFmpeg's native encoder (libfdk-aac is non-free) at 64 kbit/s with
// its default two-loop rate control, about 35–45 times real time.
//
// # Streaming
//
// Every Encoder writes to its io.Writer as soon as the library produces
// bytes, so an HTTP handler can send them with chunked transfer. Nothing
// is written before the first Write or Close, so a handler can still send
// an error status if the synthesis fails before its first audio. Fed 20 ms
// at a time (TestStreaming), the first audio bytes leave after 40 ms of
// input for wav, pcm and mp3, 100 ms for aac, 180 ms for flac (one
// 4,096-sample block) and 220 ms for opus (one page).
//
// A stream cannot go back to fill in its header, so:
//
//   - wav has 0xFFFFFFFF in both size fields, as OpenAI's streamed WAV does;
//     browsers, ffmpeg, sox and audio.ReadWAV read to the end of the data
//     (a few strict readers, SDL_mixer among them, refuse it).
//   - flac's STREAMINFO gives the length as unknown and no MD5, as the
//     format allows; ffprobe reports no duration, decoders read to the end.
//   - mp3 has no LAME Info tag, so a decoder plays LAME's delay and the
//     decoder's own (1,105 samples, 46 ms of near-silence) before the audio
//     and up to one frame of padding after it (+68 ms for 2.5 s of input).
//
// When the writer is an io.WriteSeeker that can seek (a file, not a pipe),
// Close rewrites the header instead: wav gets its sizes, flac its final
// STREAMINFO (length, frame sizes, MD5) and mp3 its LAME Info tag, which
// gapless decoders (ffmpeg among them) use to drop the delay and padding, so
// the file decodes to exactly the input. Buffer is such a writer in memory:
// the HTTP API encodes the answers it sends whole (batch wav and flac, and
// job files) into one, so they state their length.
//
// opus needs neither: its header's pre-skip and the last page's granule
// position give the exact length, and every decoder honours them. aac
// cannot: ADTS has no field for AAC's 1,024 priming samples, so a decoder
// plays 43 ms of near-silence first and up to one frame of padding last
// (+60 ms for 2.5 s of input), streamed or not.
package codec
