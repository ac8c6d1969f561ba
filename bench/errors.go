package bench

import "errors"

// Errors of the run as a whole. What goes wrong in a session is not an
// error of Run: it is counted in the Report.
var (
	ErrInvalidConfig = errors.New("bench: invalid config")
	ErrNoSentences   = errors.New("bench: the corpus has no short sentence for one-sentence mode")
)
