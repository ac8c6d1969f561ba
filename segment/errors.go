package segment

import "errors"

// ErrInvalidConfig is wrapped by every error Config.Validate returns, so
// callers can tell a bad configuration (for example a client's
// min_first_segment_chars) from other failures with errors.Is.
var ErrInvalidConfig = errors.New("segment: invalid config")
