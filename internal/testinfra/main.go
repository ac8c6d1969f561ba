package testinfra

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// Binary is a testing.TB that lives as long as a test binary, for servers
// that every test of a package shares (one PostgreSQL per binary, a fresh
// database per test) and that TestMain starts, or a test starts lazily
// with Once. Close runs its cleanups; a Fatal panics, which ends the
// binary with the message: a shared server that cannot start or stop is
// not one test's failure.
type Binary struct {
	testing.TB // nil: only the methods below may be called

	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

// NewBinary returns a Binary; Close it after m.Run.
func NewBinary() *Binary { return &Binary{} }

func (b *Binary) Helper()      {}
func (b *Binary) Name() string { return "TestMain" }

func (b *Binary) Cleanup(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cleanups = append(b.cleanups, f)
}

// TempDir is a new directory under the system's temporary directory,
// removed by Close.
func (b *Binary) TempDir() string {
	dir, err := os.MkdirTemp("", "testinfra-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (b *Binary) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (b *Binary) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func (b *Binary) Error(args ...any) {
	b.Log(args...)
	b.mu.Lock()
	b.failed = true
	b.mu.Unlock()
}

func (b *Binary) Errorf(format string, args ...any) { b.Error(fmt.Sprintf(format, args...)) }

func (b *Binary) Fatal(args ...any) { panic(fmt.Sprint(append([]any{"testinfra: "}, args...)...)) }

func (b *Binary) Fatalf(format string, args ...any) { b.Fatal(fmt.Sprintf(format, args...)) }

func (b *Binary) Failed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed
}

// Close runs the cleanups, last registered first, and reports whether
// anything failed.
func (b *Binary) Close() (ok bool) {
	b.mu.Lock()
	cs := b.cleanups
	b.cleanups = nil
	b.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	return !b.Failed()
}
