package voice

import (
	"testing"

	"go.uber.org/goleak"
)

// The engine tests start espeak-ng's worker; Close must stop it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
