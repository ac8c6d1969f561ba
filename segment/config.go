package segment

import (
	"fmt"
	"slices"

	"github.com/parley-voice/parley/protocol"
)

// Config tunes a Segmenter. The zero value is not valid; start from
// DefaultConfig.
type Config struct {
	// MinChars is the buffer size, in code points, from which a sentence end
	// or clause break is spoken (PROTOCOL.md: 50).
	MinChars int
	// MaxChars is the buffer size, in code points, from which the best
	// available boundary is spoken, down to a plain word break
	// (PROTOCOL.md: 200). It is at most protocol.MaxBufferChars: beyond that
	// the server refuses text before this rule could ever fire.
	MaxChars int
	// FirstMinChars lets the first segment of a generation end at a clause or
	// sentence boundary as soon as it holds this many code points, to cut the
	// time to first audio. 0 disables the extension. It is at most MinChars,
	// since a larger value could never shorten anything.
	FirstMinChars int
	// Language is a hint that selects the abbreviation table and
	// language-specific rules (see the package documentation). The empty
	// string means protocol.Auto.
	Language protocol.Language
}

// DefaultConfig returns the thresholds of PROTOCOL.md section 1 with the
// first-segment extension on and automatic language handling.
func DefaultConfig() Config {
	return Config{MinChars: 50, MaxChars: 200, FirstMinChars: 20, Language: protocol.Auto}
}

// Validate reports the first problem with c, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.MinChars < 1:
		return fmt.Errorf("%w: MinChars is %d, want at least 1", ErrInvalidConfig, c.MinChars)
	case c.MaxChars < c.MinChars:
		return fmt.Errorf("%w: MaxChars is %d, want at least MinChars (%d)", ErrInvalidConfig, c.MaxChars, c.MinChars)
	case c.MaxChars > protocol.MaxBufferChars:
		return fmt.Errorf("%w: MaxChars is %d, want at most %d", ErrInvalidConfig, c.MaxChars, protocol.MaxBufferChars)
	case c.FirstMinChars < 0 || c.FirstMinChars > c.MinChars:
		return fmt.Errorf("%w: FirstMinChars is %d, want 0 to MinChars (%d)", ErrInvalidConfig, c.FirstMinChars, c.MinChars)
	case c.Language != "" && c.Language != protocol.Auto && !slices.Contains(protocol.Languages, c.Language):
		return fmt.Errorf("%w: unknown language %q", ErrInvalidConfig, c.Language)
	}
	return nil
}
