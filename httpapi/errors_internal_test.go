package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// TestPublicMessage: a job's owner is told a 4xx's message, written for
// clients, and nothing of a 5xx, even through wrapping.
func TestPublicMessage(t *testing.T) {
	var pm interface{ PublicMessage() string }
	if !errors.As(fmt.Errorf("job: %w", errorf(http.StatusNotFound, "unknown voice")), &pm) || pm.PublicMessage() != "unknown voice" {
		t.Fatal("a 404's message is not public")
	}
	if errInternal.PublicMessage() != "" {
		t.Fatalf("a 500's message is public: %q", errInternal.PublicMessage())
	}
}
