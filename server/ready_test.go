package server

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/realtime"
)

// TestReadyHidesStoreErrors: /readyz needs no key, so a failing store
// makes it answer 503 with a generic reason, not the store's error text.
func TestReadyHidesStoreErrors(t *testing.T) {
	dir := t.TempDir()
	srv, err := New(context.Background(), Config{DataDir: dir, Realtime: realtime.DefaultConfig(), Engine: engine.Config{DisableEspeak: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Store().Close() // as a store that fails would
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 503 || !strings.Contains(string(body), `"store unavailable"`) || strings.Contains(string(body), "sql") || strings.Contains(string(body), dir) {
		t.Fatalf("/readyz = %d %s", rec.Code, body)
	}
}
