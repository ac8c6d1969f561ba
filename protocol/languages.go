package protocol

import "strings"

// Language is a protocol language name in its canonical spelling.
type Language string

// The protocol's languages.
const (
	Auto       Language = "Auto"
	English    Language = "English"
	Spanish    Language = "Spanish"
	Portuguese Language = "Portuguese"
	German     Language = "German"
	French     Language = "French"
	Italian    Language = "Italian"
	Chinese    Language = "Chinese"
	Japanese   Language = "Japanese"
	Korean     Language = "Korean"
	Russian    Language = "Russian"
)

// Languages lists the concrete languages (not Auto) in protocol order.
var Languages = []Language{English, Spanish, Portuguese, German, French, Italian, Chinese, Japanese, Korean, Russian}

// ParseLanguage canonicalises a config language. The empty string is Auto.
// Names are compared case-insensitively.
func ParseLanguage(s string) (Language, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Auto, true
	}
	if strings.EqualFold(s, string(Auto)) {
		return Auto, true
	}
	for _, l := range Languages {
		if strings.EqualFold(s, string(l)) {
			return l, true
		}
	}
	return "", false
}

// CJK reports whether the language is Chinese, Japanese or Korean.
func (l Language) CJK() bool { return l == Chinese || l == Japanese || l == Korean }
