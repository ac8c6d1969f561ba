package ssml

import (
	"errors"
	"fmt"
)

// ErrMarkup is wrapped by every *Error, so that callers can tell malformed
// markup from other failures with errors.Is.
var ErrMarkup = errors.New("ssml: malformed markup")

// ErrInvalidConfig is wrapped by every error Config.Validate returns.
var ErrInvalidConfig = errors.New("ssml: invalid config")

// Error is malformed or unsupported markup. Its message names the tag and
// the position, so that a client can find what it sent.
type Error struct {
	// Offset is where the problem starts: code points into the
	// generation's text (everything sent since the generation began,
	// markup included), counted from 0.
	Offset int
	// Tag is the element concerned, as written ("<break>", "</s>"), or ""
	// for a problem in text (an unescaped "&").
	Tag string
	// Msg says what is wrong and, where it helps, what to write instead.
	Msg string
}

func (e *Error) Error() string {
	if e.Tag == "" {
		return fmt.Sprintf("ssml: at offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("ssml: %s at offset %d: %s", e.Tag, e.Offset, e.Msg)
}

// Unwrap makes every Error match ErrMarkup.
func (e *Error) Unwrap() error { return ErrMarkup }

func errAt(offset int, tag, format string, args ...any) *Error {
	return &Error{Offset: offset, Tag: tag, Msg: fmt.Sprintf(format, args...)}
}
