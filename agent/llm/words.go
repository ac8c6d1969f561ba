package llm

import (
	"strings"
	"unicode"
)

// contractions expands the contractions the responder's rules care about,
// with and without the apostrophe, since recognisers and typists drop it.
var contractions = map[string][]string{
	"what's": {"what", "is"}, "whats": {"what", "is"},
	"what're": {"what", "are"},
	"it's":    {"it", "is"},
	"that's":  {"that", "is"}, "thats": {"that", "is"},
	"how's": {"how", "is"}, "hows": {"how", "is"},
	"who's": {"who", "is"}, "whos": {"who", "is"},
	"where's": {"where", "is"},
	"today's": {"today"}, "todays": {"today"},
	"i'm": {"i", "am"}, "im": {"i", "am"},
	"i've": {"i", "have"}, "i'll": {"i", "will"}, "i'd": {"i", "would"},
	"you're": {"you", "are"}, "youre": {"you", "are"},
	"you've": {"you", "have"}, "you'll": {"you", "will"}, "you'd": {"you", "would"},
	"gotta": {"got", "to"},
}

// words turns an utterance into lower-case words without punctuation and
// with contractions expanded, so that typed text and recogniser output
// ("What's the time?", "whats the time") match the same rules.
func words(s string) []string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’' || r == '‘':
			return '\''
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		}
		return ' '
	}, s)
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		if exp, ok := contractions[w]; ok {
			out = append(out, exp...)
			continue
		}
		out = append(out, w)
	}
	return out
}

// utterance is a normalised user message with phrase lookups.
type utterance struct {
	words []string
	// padded is the words joined with a space on each side, so that a
	// phrase matches only whole words.
	padded string
}

func newUtterance(s string) utterance {
	w := words(s)
	return utterance{words: w, padded: " " + strings.Join(w, " ") + " "}
}

// has reports whether any of the phrases occurs as whole words.
func (u utterance) has(phrases ...string) bool {
	for _, p := range phrases {
		if strings.Contains(u.padded, " "+p+" ") {
			return true
		}
	}
	return false
}

// startsWith reports whether the utterance begins with the phrase.
func (u utterance) startsWith(phrase string) bool {
	return strings.HasPrefix(u.padded, " "+phrase+" ")
}

// text is the normalised utterance.
func (u utterance) text() string { return strings.TrimSpace(u.padded) }

// reflectWords swaps the speaker's and listener's points of view in
// ws[from:]: "i am sad about my job" becomes "you are sad about your job",
// "you never listen to me" becomes "I never listen to you". The words
// before from are context only ("i want | you to go": "me to go").
func reflectWords(ws []string, from int) string {
	out := make([]string, 0, len(ws)-from)
	for i := from; i < len(ws); i++ {
		prev, next := "", ""
		if i > 0 {
			prev = ws[i-1]
		}
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		out = append(out, reflectWord(ws[i], prev, next))
	}
	return strings.Join(out, " ")
}

var simpleReflections = map[string]string{
	"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
	"am": "are", "your": "my", "yours": "mine", "yourself": "myself",
}

// subjectFollowers are words that, after "you", show it is a subject
// ("you are", "you never listen") rather than an object ("I love you").
var subjectFollowers = map[string]bool{
	"are": true, "were": true, "have": true, "had": true, "can": true, "could": true,
	"will": true, "would": true, "should": true, "must": true, "might": true, "may": true,
	"do": true, "did": true, "don't": true, "didn't": true, "can't": true, "won't": true,
	"never": true, "always": true, "just": true, "really": true, "also": true,
	"said": true, "say": true, "know": true, "think": true, "like": true, "love": true,
	"hate": true, "want": true, "need": true, "make": true, "made": true, "seem": true,
	"look": true, "feel": true, "sound": true, "told": true, "get": true, "got": true,
	"keep": true, "go": true, "went": true, "listen": true, "understand": true,
}

func reflectWord(w, prev, next string) string {
	switch w {
	case "you":
		if prev == "" || subjectFollowers[next] {
			return "I"
		}
		return "me"
	case "are":
		if prev == "you" {
			return "am"
		}
	case "were":
		if prev == "you" {
			return "was"
		}
	case "was":
		if prev == "i" {
			return "were"
		}
	}
	if r, ok := simpleReflections[w]; ok {
		return r
	}
	return w
}
