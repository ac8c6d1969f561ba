package auth

import (
	"testing"

	"go.uber.org/goleak"
)

// RetryingUsage starts a goroutine: every test must stop what it starts.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
