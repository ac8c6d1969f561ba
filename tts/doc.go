// Package tts owns the path from raw text to protocol audio that every front
// end shares (the realtime socket, HTTP batch and SSE, `parley say`): for each
// segment it resolves the language (detecting it when the setting is Auto),
// normalises the text for that language, picks the engine voice of the
// voice profile for that language, and calls the engine, which emits 24 kHz
// PCM as it is produced.
//
// # SSML, pronunciations and prosody
//
// A segment of plain text, with no pronunciation dictionary matching it and
// no session prosody, is spoken exactly as it always was: one synthesis of
// its normalised text. Otherwise Prepare cuts it into Parts: a part is one
// synthesis in one voice, language and prosody, or a pause.
//
//   - SSML (package ssml) cuts a segment at each <break> (a pause part), at
//     each change of prosody, emphasis or language, and at <p> and <s>
//     edges. A part joined inside a sentence (no punctuation before the
//     change) is Tight: the engines' pauses at the ends of utterances are
//     cut away around it.
//   - Text runs go through the pronunciation dictionaries (package
//     pronounce) and then textnorm in the part's language; say-as goes
//     through textnorm.SayAs (falling back to ordinary reading when the
//     text does not fit), sub speaks its alias, and phoneme, like a
//     dictionary entry in IPA, becomes an engine.Piece with its IPA and its
//     text: engines that read IPA speak the IPA, the others the text.
//   - Each part's voice is the profile's voice for its language with the
//     markup's style and the session's speed and pitch on top, clamped to
//     rates of 0.25 to 4 and pitch shifts of ±12 semitones.
//
// Carry joins the audio of the parts, and of the segments of a generation:
// a pause of d measures d, from the end of the sound before it to the start
// of the sound after, as audio.TrimSilence finds them at -40 dBFS (within
// the 10 ms the tests allow; the silence itself is exact to the sample).
// Quiet is held back at most 20 ms while it is not yet known to be quiet.
//
// A segment's cost is its characters as given, markup included, or a
// third of what it speaks, a second of pause counting as PauseChars (15)
// characters spoken: so 4,096 characters of breaks (up to 10 s each) cost
// what the speech of that long would.
//
// # Word timestamps
//
// A Request with Timestamps prepares a segment's words: each word of the
// text an engine will speak is aligned to the client's text it came from
// (align.go: every token normalised on its own to learn the words it
// becomes, then a longest common subsequence of the spoken and expected
// words; words between two matches share the tokens between them; a
// dictionary entry, <sub>, <say-as> and <phoneme> are one span each; SSML
// spans are in the markup, through ssml.Chunk.Source). SpeakPrepared then
// passes the engines' words (engine.Segment.Words) on to Segment.Words,
// placed in the segment's audio: through a Carry, a part's words wait
// until the Carry sends some of the part's audio, which fixes where it
// starts (a quiet lead it cut, a pause it put before). TestAlignHardCases
// holds the hard cases; TestTimestampAccuracy measures the times against
// pocketsphinx (BENCHMARKS.md).
//
// # By engine
//
// What each engine makes of the markup and the session's prosody
// (generated from engine.EngineControls by TestDoc):
//
//	feature                        flite                          espeak-ng                      piper                          kokoro
//	break, strength                exact silence                  exact silence                  exact silence                  exact silence
//	say-as, sub                    words, read by textnorm        words, read by textnorm        words, read by textnorm        words, read by textnorm
//	phoneme, IPA entries           speaks the text content        IPA as phonemes (English)      IPA fed to the model           IPA fed to the model
//	rate, speed                    duration stretch               words per minute               length_scale                   speed
//	pitch                          F0 mean and spread             base pitch                     not applied                    not applied
//	volume                         gain                           amplitude, at most 2x          gain                           gain
//	volume="silent"                silence as long as the text    silence as long as the text    silence as long as the text    silence as long as the text
//	emphasis                       rate, pitch, volume            rate, pitch, volume            rate, volume                   rate, volume
//	p, s                           separate syntheses             separate syntheses             separate syntheses             separate syntheses
//	lang                           English; others: espeak-ng     all ten                        a named voice: its own         the segment's
package tts
