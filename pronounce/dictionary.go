package pronounce

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// Errors.
var (
	// ErrInvalid is wrapped by every error about a dictionary's content
	// or a PLS document; its message says which entry and what is wrong.
	ErrInvalid = errors.New("pronounce: invalid dictionary")
	// ErrUnknown is an id that names no dictionary of the account.
	ErrUnknown = errors.New("unknown pronunciation dictionary")
)

// Limits of one dictionary, so that a dictionary stays small enough to
// load with every request that names it.
const (
	MaxEntries    = 1000
	MaxTextChars  = 100 // a word or phrase
	MaxAliasChars = 200
	MaxIPAChars   = 200
	MaxNameChars  = 100
	// MaxPerRequest is how many dictionaries one request or session may
	// name.
	MaxPerRequest = protocol.MaxPronunciationDictionaries
)

// Entry says how to speak one word or phrase: as other text (Alias) or
// as phonemes (IPA). Exactly one of the two is set.
type Entry struct {
	Text  string `json:"text"`
	Alias string `json:"alias,omitempty"`
	IPA   string `json:"ipa,omitempty"`
	// CaseSensitive matches Text only as written; otherwise any case
	// matches ("NASA", "Nasa", "nasa").
	CaseSensitive bool `json:"case_sensitive,omitempty"`
}

// Dictionary is a named set of entries for one language, or for all when
// Language is "".
type Dictionary struct {
	Name     string
	Language protocol.Language
	Entries  []Entry
}

// Validate checks the limits and the entries, and tidies them: white space
// in Text is collapsed to single spaces and trimmed, Alias and IPA are
// trimmed. The error names the first bad entry by its index (from 0).
func (d *Dictionary) Validate() error {
	if n := utf8.RuneCountInString(d.Name); n > MaxNameChars || !utf8.ValidString(d.Name) {
		return fmt.Errorf("%w: name is longer than %d characters", ErrInvalid, MaxNameChars)
	}
	if d.Language == protocol.Auto {
		d.Language = ""
	}
	if d.Language != "" && d.Language.Tag() == "" {
		return fmt.Errorf("%w: unknown language %q", ErrInvalid, d.Language)
	}
	if len(d.Entries) == 0 {
		return fmt.Errorf("%w: no entries", ErrInvalid)
	}
	if len(d.Entries) > MaxEntries {
		return fmt.Errorf("%w: %d entries, at most %d allowed", ErrInvalid, len(d.Entries), MaxEntries)
	}
	seen := make(map[string]int, len(d.Entries))
	for i := range d.Entries {
		e := &d.Entries[i]
		e.Text = strings.Join(strings.Fields(e.Text), " ")
		e.Alias = strings.TrimSpace(e.Alias)
		e.IPA = strings.TrimSpace(e.IPA)
		if err := e.check(); err != nil {
			return fmt.Errorf("%w: entry %d (%q): %s", ErrInvalid, i, truncate(e.Text), err)
		}
		key := e.Text
		if !e.CaseSensitive {
			key = strings.ToLower(key)
		}
		key += "\x00" + fmt.Sprint(e.CaseSensitive)
		if j, ok := seen[key]; ok {
			return fmt.Errorf("%w: entry %d (%q) repeats entry %d", ErrInvalid, i, truncate(e.Text), j)
		}
		seen[key] = i
	}
	return nil
}

func (e Entry) check() error {
	switch {
	case e.Text == "":
		return errors.New("text is empty")
	case utf8.RuneCountInString(e.Text) > MaxTextChars:
		return fmt.Errorf("text is longer than %d characters", MaxTextChars)
	case (e.Alias == "") == (e.IPA == ""):
		return errors.New("give exactly one of alias and ipa")
	case utf8.RuneCountInString(e.Alias) > MaxAliasChars:
		return fmt.Errorf("alias is longer than %d characters", MaxAliasChars)
	case utf8.RuneCountInString(e.IPA) > MaxIPAChars:
		return fmt.Errorf("ipa is longer than %d characters", MaxIPAChars)
	case !printable(e.Text) || !printable(e.Alias) || !printable(e.IPA):
		return errors.New("contains invalid UTF-8 or a control character")
	case strings.ContainsRune(e.IPA, '<') || strings.ContainsRune(e.IPA, '>'):
		return errors.New(`ipa contains "<" or ">"`)
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) < 0
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}
