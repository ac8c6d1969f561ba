package espeak

import (
	"sort"
	"strings"
	"unicode"
)

// englishMnemonics maps IPA, as espeak-ng's English voices write it, to
// the phoneme mnemonics of its English phoneme table (espeak-ng's
// phsource/ph_english and docs/phonemes.md), for phoneme input. Where
// British and American English differ in IPA (əʊ, oʊ), both map to the
// voice's own phoneme. The table covers every symbol espeak-ng's English
// voices print (TestMnemonicsCoverEnglish: American, British and
// Scottish) and the common IPA spellings of the same sounds (ɡ, r, e, o,
// ɑ, ɔ, u). Other languages' phoneme tables are not mapped.
var englishMnemonics = map[string]string{
	// Vowels and diphthongs, longest first when matched.
	"ɑːɹ": "A@", "ɔːɹ": "O@", "ɛɹ": "e@", "ɪɹ": "i@", "ʊɹ": "U@",
	"ɜː": "3:", "iː": "i:", "uː": "u:", "ɑː": "A:", "ɔː": "O:",
	"aɪ": "aI", "aʊ": "aU", "eɪ": "eI", "oʊ": "oU", "əʊ": "oU", "ɔɪ": "OI",
	"ɪə": "i@", "eə": "e@", "ʊə": "U@", "aɪə": "aI@", "aʊə": "aU@",
	"ə": "@", "ɚ": "3", "æ": "a", "ɛ": "E", "e": "E", "ɪ": "I", "i": "i", "ɒ": "0",
	"ʊ": "U", "ʌ": "V", "ɐ": "a#", "ᵻ": "I2", "ɑ": "A:", "ɔ": "O:", "u": "u:", "o": "oU", "a": "a",
	"əl": "@L",
	// Scottish English, as en-gb-scotland writes it.
	"ʌʉ": "aU", "ʉː": "u:", "ʉ": "u:", "oː": "oU", "a:": "A:", "ɜ": "3",
	// Consonants.
	"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "ɡ": "g", "g": "g", "f": "f", "v": "v",
	"θ": "T", "ð": "D", "s": "s", "z": "z", "ʃ": "S", "ʒ": "Z", "h": "h", "tʃ": "tS", "dʒ": "dZ",
	"m": "m", "n": "n", "ŋ": "N", "l": "l", "ɹ": "r", "r": "r", "w": "w", "j": "j",
	"ɾ": "t#", "ʔ": "?", "x": "x", "n̩": "n-", "l̩": "l-",
	// Stress, written before the syllable as in IPA.
	"ˈ": "'", "ˌ": ",", "'": "'",
}

// englishKeys are englishMnemonics' keys, longest first, for greedy
// matching.
var englishKeys = func() []string {
	var ks []string
	for k := range englishMnemonics {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if len(ks[i]) != len(ks[j]) {
			return len(ks[i]) > len(ks[j])
		}
		return ks[i] < ks[j]
	})
	return ks
}()

// Mnemonics writes IPA as espeak-ng phoneme mnemonics for voice, longest
// matches first, words apart. It reports false when voice has no table
// here (only English voices do) or the IPA holds a symbol the table does
// not map: the caller then speaks the words instead. Syllable dots, ties
// and the length mark after a vowel that has no long form are dropped.
func Mnemonics(ipa, voice string) (string, bool) {
	if !strings.HasPrefix(strings.ToLower(voice), "en") {
		return "", false
	}
	var b strings.Builder
	for _, word := range strings.Fields(ipa) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		rest := strings.NewReplacer(".", "", "\u0361", "", "\u035c", "", "/", "", "[", "", "]", "").Replace(word)
	next:
		for rest != "" {
			for _, k := range englishKeys {
				if strings.HasPrefix(rest, k) {
					b.WriteString(englishMnemonics[k])
					rest = rest[len(k):]
					continue next
				}
			}
			if strings.HasPrefix(rest, "ː") {
				rest = rest[len("ː"):]
				continue
			}
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// PhonemeText joins text and phoneme mnemonics into one text for a
// request with Params.Phonemes: each mnemonics string in [[ ]], and in the
// text any "[[" broken up, so that nothing but mnemonics is read as
// phonemes. words holds pairs: text, then mnemonics (which may be empty).
func PhonemeText(words ...string) string {
	var b strings.Builder
	for i, w := range words {
		switch {
		case i%2 == 0:
			b.WriteString(strings.ReplaceAll(w, "[[", "[ ["))
		case w != "":
			if b.Len() > 0 && !unicode.IsSpace(rune(b.String()[b.Len()-1])) {
				b.WriteByte(' ')
			}
			b.WriteString("[[" + w + "]]")
		}
	}
	return b.String()
}
