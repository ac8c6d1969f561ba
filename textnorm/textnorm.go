package textnorm

import (
	"sync"
	"sync/atomic"

	"github.com/parley-voice/parley/protocol"
)

// Normalizer rewrites one segment of text in its language so that a speech
// engine reads it the way a person would.
//
// Normalize hands a Normalizer text that has already been cleaned: valid
// UTF-8, no control or format characters, Unicode quotes, dashes, spaces and
// full-width forms folded, whitespace collapsed to single spaces and trimmed.
// The Normalizer must keep those properties (Normalize collapses whitespace
// again afterwards) and must not grow the text by more than a small constant
// factor, because segments come from untrusted clients.
type Normalizer interface {
	Normalize(text string) string
}

// NormalizerFunc adapts a plain function to Normalizer.
type NormalizerFunc func(text string) string

// Normalize calls f(text).
func (f NormalizerFunc) Normalize(text string) string { return f(text) }

var (
	registryMu sync.Mutex // serialises writers; readers go through registry
	registry   atomic.Pointer[map[protocol.Language]Normalizer]
)

// Register installs n as the normaliser for lang, replacing any earlier one.
// Each language file of this package registers itself from init; a caller
// may override a language the same way. Safe for concurrent use: lookups
// never take a lock, so Register is cheap to read from and costly to call.
func Register(lang protocol.Language, n Normalizer) {
	registryMu.Lock()
	defer registryMu.Unlock()
	next := make(map[protocol.Language]Normalizer)
	if cur := registry.Load(); cur != nil {
		for k, v := range *cur {
			next[k] = v
		}
	}
	if n == nil {
		delete(next, lang)
	} else {
		next[lang] = n
	}
	registry.Store(&next)
}

// Lookup returns the normaliser registered for lang, or nil if there is none.
func Lookup(lang protocol.Language) Normalizer {
	if m := registry.Load(); m != nil {
		return (*m)[lang]
	}
	return nil
}

// Normalize prepares one segment for the speech engine of lang: it cleans the
// text (Unicode punctuation, whitespace, control characters, markdown
// emphasis) and then applies the language's normaliser. A language without a
// registered normaliser, Auto included, gets the cleaning only. The result
// never has leading or trailing whitespace.
func Normalize(text string, lang protocol.Language) string {
	s := clean(text)
	if s == "" {
		return ""
	}
	if n := Lookup(lang); n != nil {
		s = tidy(n.Normalize(s))
	}
	return s
}
