package docblock

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Block is a generated code block: the lines (without the comment's "//\t")
// that go in the first code block after the comment heading "// Heading".
type Block struct {
	Heading string
	Lines   []string
}

// Check compares the Go file at path with blocks in place. If they
// differ, it rewrites the file when update is set, and otherwise fails t
// with fix, the command that rewrites it.
func Check(t testing.TB, path string, update bool, fix string, blocks ...Block) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := src
	for _, b := range blocks {
		if got, err = Replace(got, b.Heading, b.Lines); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if bytes.Equal(got, src) {
		return
	}
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: generated tables are out of date; run %s", path, fix)
}

// Replace replaces the first code block (lines starting with "//\t") after
// the comment heading with lines.
func Replace(src []byte, heading string, lines []string) ([]byte, error) {
	all := strings.Split(string(src), "\n")
	h := -1
	for i, l := range all {
		if l == "// "+heading {
			h = i
			break
		}
	}
	if h < 0 {
		return nil, fmt.Errorf("no heading %q", heading)
	}
	start := h + 1
	for start < len(all) && !strings.HasPrefix(all[start], "//\t") {
		start++
	}
	if start == len(all) {
		return nil, fmt.Errorf("no code block after %q", heading)
	}
	end := start
	for end < len(all) && strings.HasPrefix(all[end], "//\t") {
		end++
	}
	block := make([]string, len(lines))
	for i, l := range lines {
		block[i] = "//\t" + l
	}
	out := append(append(append([]string{}, all[:start]...), block...), all[end:]...)
	return []byte(strings.Join(out, "\n")), nil
}
