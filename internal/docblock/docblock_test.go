package docblock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const src = `// Package p.
//
// # Table
//
// Before.
//
//	old 1
//	old 2
//
// After.
package p
`

func TestReplace(t *testing.T) {
	got, err := Replace([]byte(src), "# Table", []string{"new"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, "//\told 1\n//\told 2\n", "//\tnew\n", 1)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Replace([]byte(src), "# Missing", nil); err == nil {
		t.Fatal("a missing heading was not reported")
	}
	if _, err := Replace([]byte("// # Table\n// no block\npackage p\n"), "# Table", nil); err == nil {
		t.Fatal("a heading without a code block was not reported")
	}
}

// fakeT records a failure instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	block := Block{"# Table", []string{"old 1", "old 2"}}
	ft := &fakeT{TB: t}
	Check(ft, path, false, "fix", block)
	if ft.failed {
		t.Fatal("an up-to-date file failed")
	}
	block.Lines = []string{"new"}
	Check(ft, path, false, "fix", block)
	if !ft.failed {
		t.Fatal("an out-of-date file passed")
	}
	Check(t, path, true, "fix", block)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "//\tnew\n") || strings.Contains(string(b), "old 1") {
		t.Fatalf("update did not rewrite the block:\n%s", b)
	}
}
