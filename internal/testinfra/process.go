package testinfra

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// ProcessConfig is a process of the test's own making (a `parley serve`
// node built by the test) for StartProcess.
type ProcessConfig struct {
	Name string   // for messages and the log file's name
	Bin  string   // the executable
	Args []string // its arguments
	Env  []string // added to the test's environment
}

// Process is a process that StartProcess started, the leader of its own
// process group, with its output in a log file.
type Process struct {
	t   testing.TB
	p   *proc
	log string
}

// StartProcess starts cfg's process, its output appended to a log file of
// a temporary directory. When the test ends it is stopped (SIGTERM, then
// SIGKILL to its group after 15 s) and the test fails if any process of
// its group is left.
func StartProcess(t testing.TB, cfg ProcessConfig) *Process {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, cfg.Name+".log")
	p, err := startProc(cfg.Name, log, dir, nil, cfg.Env, cfg.Bin, cfg.Args...)
	if err != nil {
		t.Fatal(err)
	}
	pr := &Process{t: t, p: p, log: log}
	t.Cleanup(func() {
		if err := p.stop(syscall.SIGTERM, 15*time.Second); err != nil {
			t.Error(err)
		}
	})
	return pr
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.p.pid() }

// Log returns the process's output so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.p.exited }

// Kill sends SIGKILL to the process alone, as `kill -9` does: the
// processes it started are left to notice on their own.
func (p *Process) Kill() {
	p.t.Helper()
	if err := p.p.signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.p.exited
}

// Stop stops the process (SIGTERM, then SIGKILL to its group after grace)
// and fails the test if any process of its group is left.
func (p *Process) Stop(grace time.Duration) {
	p.t.Helper()
	if err := p.p.stop(syscall.SIGTERM, grace); err != nil {
		p.t.Error(err)
	}
}
