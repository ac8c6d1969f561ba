package web

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestJavaScript runs the page's unit tests (jstest/*.test.mjs: PCM
// conversion, resampling, the jitter buffer, the socket's reconnect
// policy, the waterfall's layout) with Node's own test runner. They import
// the served files as they are, which is possible because those modules
// touch no DOM until called.
func TestJavaScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the page's tests (make test-deps): %v", err)
	}
	files, err := filepath.Glob("jstest/*.test.mjs")
	if err != nil || len(files) == 0 {
		t.Fatalf("no JavaScript tests found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=tap"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
