//go:build unix

package procs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

func sendSignal(pid int32, kill bool) error {
	sig := unix.SIGTERM
	if kill {
		sig = unix.SIGKILL
	}
	return signalResult(pid, unix.Kill(int(pid), sig))
}

// signalResult words the result of kill(2) for pid.
func signalResult(pid int32, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ESRCH):
		return exitedError(pid, err)
	case errors.Is(err, unix.EPERM):
		return deniedError(pid, ownerName(pid), err)
	}
	return fmt.Errorf("signal process %d: %w", pid, err)
}
