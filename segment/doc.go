// Package segment owns streaming text segmentation for realtime speech: it
// decides, as an LLM streams text in tokens of any size, when a natural unit
// of text is ready to be spoken (PROTOCOL.md section 1, "Text buffering").
// It is pure Go and knows nothing of engines or sockets.
//
// # Rules as implemented
//
// Characters are Unicode code points. A Segmenter (one per connection, not
// safe for concurrent use) buffers pushed text and returns segments, in
// order, as soon as one of these holds:
//
//  1. The buffer holds at least MinChars (50) characters and a sentence end:
//     everything up to the last sentence end is spoken.
//  2. Otherwise, at least MinChars and a clause break: up to the last one.
//  3. Otherwise, at least MaxChars (200): up to the best boundary available,
//     sentence end, then clause break, then word break. A word is never
//     split: a buffer with no whitespace keeps growing until whitespace or a
//     flush arrives.
//  4. Extension: while no segment of the current generation has been spoken,
//     a sentence end or clause break that ends a segment of at least
//     FirstMinChars (20) characters is spoken at once, to cut the time to
//     first audio. FirstMinChars = 0 turns this off.
//
// Flush speaks everything left as one segment (nothing if the buffer is
// empty) and starts a new generation; Reset drops the buffer (the client's
// clear message) and does the same. The concatenation of every segment
// returned equals the concatenation of every string pushed, minus what Reset
// dropped: nothing is lost, added or reordered, whitespace included. The
// whitespace after a boundary starts the next segment, so segments other
// than the first usually begin with a space, and a flush can return a
// segment that is only whitespace: callers trim, and skip blank segments.
//
// The rules are applied after every code point, as if text arrived one code
// point at a time, whatever the tokens. So "the last boundary" is the last
// one at the moment a rule first fires, and a long text pushed in one piece
// is cut exactly where the same text streamed character by character would
// be: segments depend on the text alone, never on how it was split into
// tokens (the tests check this). The protocol's wording would also allow
// checking only once per message, which would turn a pasted paragraph into
// one long segment and make segmentation depend on the client's chunking.
//
// # Boundaries
//
// A sentence end is . ! or ? followed by whitespace; a clause break is , ; or
// : followed by whitespace. The CJK marks 。！？ (sentence) and ，、；：
// (clause) need no whitespace. A run of marks counts as one and the last mark
// decides ("?!", "e.g.,"). Closing quotes and brackets right after the marks
// stay with the segment: `He said "hi." Then` is cut after the quote. After
// CJK marks only unambiguous closers (” 」 』 ） and the like) do; an opening
// “ starts the next segment. A no-break space (U+00A0, U+2007, U+202F) is
// neither whitespace nor a word break: "Dr.\u00a0Smith" is never cut, and it
// may sit between a mark and its closer ("fin.\u00a0» Puis").
//
// A boundary exists only once the character after it has arrived: "3." at
// the end of the buffer waits, because the next token may be "14". For CJK
// marks the next character shows whether a closer follows. Decimals (3.14),
// times (10:30) and the dots, colons and question marks inside URLs and
// e-mail addresses are not followed by whitespace and so are never
// boundaries; a comma or period after a URL is ("…?b=1, next").
//
// Not sentence ends: ellipses ("...", "…", and a period right after them),
// and a period after an abbreviation. Abbreviations come in two kinds:
//
//   - Continuing: titles before names (Mr. Mrs. Ms. Dr. Prof. St. Mt.),
//     Jr. and Sr., vs. e.g. i.e. cf. approx., single capital initials
//     ("J. K. Rowling"), and capitalised initialisms (U.S., U.K., J.R.R.,
//     Ph.D.). Never a boundary: "He moved to the U.S. Then" stays one segment.
//     Missing a sentence end only makes a segment longer, while a false one
//     breaks the prosody of a sentence in two.
//   - Ambiguous: etc. Inc. Ltd. Co. Corp. No. a.m. p.m., month names, single
//     lowercase letters. The next word decides: a lowercase letter or a digit
//     continues the sentence ("etc. and", "No. 5", "10 a.m. today"), anything
//     else ends it ("etc. Then"). So these wait for the next word.
//
// # Languages
//
// Config.Language is a hint. It selects the abbreviation table: the English
// and Latin ones above apply to every language (they turn up in any LLM
// output), plus the language's own (German z.B. usw. Nr., Spanish Sra. Dra.,
// French Mme Mlle, Italian Sig. Dott., Russian т.е. т.д., ...); Auto uses all
// of them. With the German hint a number followed by a period is an ordinal
// ("am 3. Mai"), not a sentence end. CJK punctuation is a boundary under every
// hint, Auto included: those marks appear only in CJK text, which may well
// turn up in a session configured for English. Korean is written with spaces
// and mostly with ASCII punctuation, so it follows the ASCII rules: a period
// needs whitespace after it ("했어요.그리고" is not a boundary); full-width
// marks in Korean text count as CJK marks.
//
// # Input and cost
//
// Push accepts any fragment, even part of a UTF-8 sequence: an incomplete
// sequence at the end waits for the next token, and invalid bytes count as
// one character each, as in utf8.RuneCount; Len reports the same count, for
// the server's 4,096-character limit. Each code point is scanned once, and
// spoken text is compacted away, so Push is linear in the text pushed; apart
// from growing its buffer, it allocates only for the segments it returns.
package segment
