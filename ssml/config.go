package ssml

import (
	"fmt"
	"time"
)

// Config bounds what one generation's markup may hold, so that a client
// cannot make the parser buffer or nest without limit. The zero value is
// not valid; start from DefaultConfig.
type Config struct {
	// MaxDepth bounds element nesting, <speak> included.
	MaxDepth int
	// MaxTagChars bounds one tag, from "<" to ">", attributes included, in
	// code points.
	MaxTagChars int
	// MaxAttrChars bounds one attribute's value after entities are
	// decoded, in code points.
	MaxAttrChars int
	// MaxAtomChars bounds the text inside a <say-as>, <sub> or <phoneme>,
	// which is held until its end tag arrives, in code points.
	MaxAtomChars int
	// MaxBreak is the longest <break>.
	MaxBreak time.Duration
}

// DefaultConfig returns the limits the server applies.
func DefaultConfig() Config {
	return Config{MaxDepth: 16, MaxTagChars: 1024, MaxAttrChars: 512, MaxAtomChars: 256, MaxBreak: 10 * time.Second}
}

// Validate reports the first problem with c, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.MaxDepth < 1:
		return fmt.Errorf("%w: MaxDepth is %d, want at least 1", ErrInvalidConfig, c.MaxDepth)
	case c.MaxTagChars < 16:
		return fmt.Errorf("%w: MaxTagChars is %d, want at least 16", ErrInvalidConfig, c.MaxTagChars)
	case c.MaxAttrChars < 1 || c.MaxAttrChars > c.MaxTagChars:
		return fmt.Errorf("%w: MaxAttrChars is %d, want 1 to MaxTagChars (%d)", ErrInvalidConfig, c.MaxAttrChars, c.MaxTagChars)
	case c.MaxAtomChars < 1:
		return fmt.Errorf("%w: MaxAtomChars is %d, want at least 1", ErrInvalidConfig, c.MaxAtomChars)
	case c.MaxBreak <= 0:
		return fmt.Errorf("%w: MaxBreak is %v, want a positive duration", ErrInvalidConfig, c.MaxBreak)
	}
	return nil
}
