//go:build !unix

package espeak

import "syscall"

// workerAttr has nothing to add where there are no process groups.
func workerAttr() *syscall.SysProcAttr { return nil }
