//go:build unix

package espeak

import "syscall"

// workerAttr puts a worker in its own process group, so that a Ctrl-C
// meant for the server does not kill its workers mid-request while the
// server drains: the pool alone decides when they stop.
func workerAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
