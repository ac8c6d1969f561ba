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

// languageTags are the primary language subtags (BCP 47) of the protocol's
// languages; Chinese also answers to "cmn".
var languageTags = map[Language]string{
	English: "en", Spanish: "es", Portuguese: "pt", German: "de", French: "fr",
	Italian: "it", Chinese: "zh", Japanese: "ja", Korean: "ko", Russian: "ru",
}

// Tag is the language's primary subtag ("en"), or "" for Auto.
func (l Language) Tag() string { return languageTags[l] }

// LanguageOfTag maps a language tag ("fr-FR", "en", "zh-Hans", "pt_BR")
// to the protocol language its primary subtag names.
func LanguageOfTag(tag string) (Language, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")), "-")
	if primary == "cmn" {
		return Chinese, true
	}
	for l, t := range languageTags {
		if t == primary {
			return l, true
		}
	}
	return "", false
}
