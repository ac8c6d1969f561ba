// Package ssml owns Parley's subset of SSML 1.1 (the W3C Speech Synthesis
// Markup Language): a streaming parser that takes a generation's markup in
// fragments of any size and turns it into plain text to segment and speak,
// plus typed marks saying where to pause, what to read how, and with what
// prosody. It is pure Go and knows nothing of engines or sockets; package
// tts turns the marks into speech.
//
// # The subset
//
//	<speak>                      optional; if present it encloses everything and comes first
//	<break time="500ms"/>        a pause: "…ms" or "…s", at most 10 s; or
//	<break strength="…"/>        none 0, x-weak 250 ms, weak 500 ms, medium 750 ms
//	                             (also <break/>), strong 1 s, x-strong 1.25 s
//	<say-as interpret-as="…">    characters, spell-out, cardinal, ordinal, digits,
//	                             date (format mdy, dmy, ymd, md, dm, ym, my, d, m, y),
//	                             time (format hms12, hms24), telephone
//	<sub alias="…">              speaks the alias instead of the text
//	<phoneme alphabet="ipa" ph="…">  speaks the IPA instead of the text
//	<prosody rate pitch volume>  rate: x-slow 0.5, slow 0.75, medium 1, fast 1.25,
//	                             x-fast 1.75, "150%", "+20%", "1.5" (50% to 200%);
//	                             pitch: x-low -6, low -3, high +3, x-high +6
//	                             semitones, "+2st", "+10%" (±12 st; not Hz);
//	                             volume: silent, x-soft -12, soft -6, loud +6,
//	                             x-loud +10 dB, "+3dB" (±20 dB)
//	<emphasis level="…">         strong (rate 0.85, +2 st, +4 dB), moderate (the
//	                             default: 0.92, +1 st, +2 dB), reduced (1.1, -1 st,
//	                             -4 dB), none
//	<p>, <s>                     paragraph and sentence: spoken as separate sentences
//	<lang xml:lang="fr-FR">      speaks its text in that language (xml:lang also on
//	                             speak, p and s); the primary subtag picks one of the
//	                             ten protocol languages
//
// Nested prosody multiplies rates and adds semitones and decibels; the
// result stays within the same limits. Element and attribute names are
// compared case-insensitively. Comments and <?xml ...?> are skipped. The
// five XML entities and numeric character references are decoded, and a
// bare "&" or "<" in text is an error, as in XML. Anything else (another
// element or attribute, a DOCTYPE, CDATA, a value out of range) is an error
// that names the tag, says what is wrong and gives the position: code
// points into the generation's markup, from 0.
//
// # Streaming
//
// Parser.Push takes one fragment. Tags, attributes, entities and UTF-8
// sequences may be split anywhere; the parser holds an unfinished one, and
// the text of an open <say-as>, <sub> or <phoneme>, until the rest
// arrives. Plain text and marks come out as soon as they are complete, so
// speech starts while the markup still streams. A fragment with an error
// is refused whole: the parser is left as before it, and the client may
// send a corrected one. End finishes the generation: what is still open is
// reported as an error, but dropped (an unfinished tag) or closed (an open
// element) so that the rest is spoken; markup is never spoken as text.
//
// Parsing is bounded (Config): nesting depth 16, a tag 1,024 code points,
// an attribute value 512, the text of an atom 256; memory per parser is
// therefore bounded whatever a client sends, and the work is linear in
// the markup. Each Push copies the parser's small state first, so that a
// refused fragment leaves no trace.
//
// # Output
//
// The plain text keeps the document's text, with a space where a <break>,
// <p> or <s> separates words ("one<break/>two" is two words, as the large
// services read it) and one Placeholder (U+FFFC) for each <say-as>, <sub>
// and <phoneme>. Marks are positioned in code points of the plain text:
// KindBreak (a duration), KindStyle (the Style from there on), KindBoundary
// (a sentence or paragraph edge), and the atoms KindSayAs, KindSub and
// KindPhoneme, each at its Placeholder.
//
// Segmenter puts a Parser in front of segment.Segmenter: the segmenter
// cuts the plain text by the protocol's rules, and each Chunk carries its
// marks, the Style in force at its start, and Raw, the code points of
// markup it accounts for. A segmenter sees an atom as one ordinary
// character and never sees a tag, so it can never cut inside either. The
// chunks' Raw add up to the generation's markup, tags included, which is
// what a generation costs against the quota (see the README).
package ssml
