// Package pronounce owns pronunciation dictionaries: the lexicon model (a
// word or phrase spoken as other text, an alias, or as IPA phonemes; case
// sensitive or not; for one language or for all), W3C PLS 1.0 import and
// export, and the lookup that applies them to text before normalisation.
// It is pure Go: the store keeps dictionaries, package tts applies them.
//
// # Matching
//
// Compile turns the dictionaries a request names (at most MaxPerRequest,
// in the order named) into a Lexicon; Lexicon.Apply cuts a segment's text
// into runs: at each place the longest entry that matches, as whole words
// (an entry that begins or ends with a letter or digit needs a non-letter
// beside it, so "cat" is not found in "catalog"; ".NET" is found after a
// letter), in any case unless the entry is case-sensitive, with any white
// space where the entry has a space. Entries of a dictionary for one
// language apply to segments in that language only; a dictionary without
// a language applies to all. Where two entries match the same text, the
// earlier dictionary wins, and within one dictionary the earlier entry.
// Matched text is then spoken as its alias (normalised like any text: an
// alias may contain numbers) or its IPA (a phoneme, as SSML's <phoneme>;
// see package tts for what each engine makes of it). Text inside SSML's
// say-as, sub and phoneme is not looked up: the markup is more specific.
//
// # PLS
//
// ParsePLS reads a PLS 1.0 document: root <lexicon version="1.0"
// alphabet="ipa" xml:lang="en-US" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">
// with <lexeme> children, each one or more <grapheme> and its <phoneme>
// and <alias> elements; the preferred (prefer="true", else the first)
// becomes the entry of every grapheme of the lexeme. A lexicon in a private
// alphabet ("x-...") may be imported for its aliases; a phoneme must be in
// IPA. Dictionary.PLS writes the same form back; PLS has no case
// sensitivity, so an export loses it and an import sets it for the whole
// document.
//
// # Limits
//
// A dictionary holds at most MaxEntries (1,000) entries; a text at most
// MaxTextChars (100) characters, an alias MaxAliasChars (200), IPA
// MaxIPAChars (200); a PLS document at most MaxPLSBytes (1 MiB). Lookup
// is linear in the text times the longest entry.
package pronounce
