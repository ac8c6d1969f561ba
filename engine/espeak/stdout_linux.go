package espeak

import (
	"io"
	"os"
	"syscall"
)

// privateStdout returns w, unless w is os.Stdout: then it returns a
// duplicate of descriptor 1 and points descriptor 1 at standard error.
func privateStdout(w io.Writer) (io.Writer, error) {
	if f, ok := w.(*os.File); !ok || f != os.Stdout {
		return w, nil
	}
	syscall.ForkLock.RLock()
	fd, err := syscall.Dup(1)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	if err := syscall.Dup3(2, 1, 0); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("dup3", err)
	}
	return os.NewFile(uintptr(fd), "espeak-worker-frames"), nil
}
