package testinfra

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is one server process, leader of its own process group so that it
// and every child it forks can be found and stopped together.
type proc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait has returned
	err    error         // cmd.Wait's, once exited is closed
}

// startProc starts bin with args, output appended to logPath, as cred's
// user when cred is not nil, with env added to the test's environment. The
// child is killed if the test process dies.
func startProc(name, logPath, dir string, cred *syscall.Credential, env []string, bin string, args ...string) (*proc, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testinfra: starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// stop sends sig and waits up to grace for the server to exit, then kills
// its whole group. It returns an error if any process of the group is
// still alive after that.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) error {
	select {
	case <-p.exited:
	default:
		_ = p.signal(sig)
		select {
		case <-p.exited:
		case <-time.After(grace):
			_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
			<-p.exited
		}
	}
	// The leader has exited; its children (PostgreSQL's backends, nginx's
	// workers) follow it within moments.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := groupMembers(p.pid())
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
			return fmt.Errorf("testinfra: %s left processes %v running after it stopped", p.name, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupMembers lists the live processes of process group pgid (zombies
// excluded: they hold nothing but a table entry until reaped).
func groupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, ok := procStat(pid)
		if ok && st.pgrp == pgid && st.state != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// children lists the live processes whose parent is pid.
func children(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(c); ok && st.ppid == pid && st.state != "Z" {
			pids = append(pids, c)
		}
	}
	return pids
}

type stat struct {
	state      string
	ppid, pgrp int
}

// procStat reads /proc/PID/stat: "pid (comm) state ppid pgrp ...", where
// comm may itself hold spaces and parentheses.
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return stat{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return stat{}, false
	}
	return stat{state: f[0], ppid: ppid, pgrp: pgrp}, true
}

// freePort returns a loopback port that was free a moment ago. Another
// process may take it before the server binds it; the helpers retry with a
// new port when the server fails to start.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// errExited reports a server that exited while the helper waited for it.
var errExited = errors.New("exited before it was ready")

// waitReady polls ready until it succeeds, the process exits, or timeout
// passes.
func waitReady(p *proc, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s %w (%v)", p.name, errExited, p.err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %w", p.name, timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// lookBin finds a server binary, failing the test with the fix when it is
// missing.
func lookBin(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("testinfra: %s not found (%v); install Debian's %s: scripts/deps.sh --test", name, err, pkg)
	}
	return p
}

// tail returns the end of a log file, for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// RepoFile returns the contents of a file of this repository, named from
// its root (e.g. "deploy/nginx.conf"), found from the test's working
// directory.
func RepoFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testinfra: no go.mod above the working directory")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
