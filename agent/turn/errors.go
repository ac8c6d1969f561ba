package turn

import "errors"

// ErrConfig means a Config field is out of range; Validate wraps it with
// detail.
var ErrConfig = errors.New("turn: invalid config")
