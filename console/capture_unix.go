//go:build unix

package console

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// redirectsFDs says that the capture replaces the file descriptors, so that
// fatal errors written to fd 2 would be lost without SetCrashOutput.
const redirectsFDs = true

// redirect replaces file descriptor fd with the write end of a pipe and
// returns the read end and a duplicate of the original descriptor.
func redirect(fd int) (*captured, error) {
	name := "stdout"
	if fd == 2 {
		name = "stderr"
	}
	saved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", name, err)
	}
	term := os.NewFile(uintptr(saved), "/dev/"+name)
	r, w, err := os.Pipe()
	if err != nil {
		term.Close()
		return nil, fmt.Errorf("capture %s: %w", name, err)
	}
	// Fd puts the write end in blocking mode, which the code writing to fd
	// (os.Stdout, C stdio, child processes) expects: on a non-blocking pipe a
	// burst would fail with EAGAIN instead of waiting. The read end, a
	// separate open file description, stays non-blocking, so Close can
	// interrupt the pump.
	err = unix.Dup2(int(w.Fd()), fd)
	w.Close()
	if err != nil {
		r.Close()
		term.Close()
		return nil, fmt.Errorf("capture %s: %w", name, err)
	}
	return &captured{
		r:    r,
		term: term,
		undo: func() error {
			if err := unix.Dup2(saved, fd); err != nil {
				return fmt.Errorf("restore %s: %w", name, err)
			}
			return nil
		},
		release: func() { term.Close() },
	}, nil
}
