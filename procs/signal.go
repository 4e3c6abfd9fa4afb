package procs

import (
	"errors"
	"fmt"
)

// Sentinels for the two outcomes the UI words differently; errors from
// Terminate and Kill match them with errors.Is.
var (
	ErrExited       = errors.New("process has already exited")
	ErrNotPermitted = errors.New("not permitted to signal process")
)

// Terminate asks process pid to exit (SIGTERM). Windows has no such request
// for an arbitrary process, so there it ends the process like Kill.
func Terminate(pid int32) error { return signal(pid, false) }

// Kill ends process pid at once (SIGKILL; TerminateProcess on Windows).
func Kill(pid int32) error { return signal(pid, true) }

func signal(pid int32, kill bool) error {
	if pid <= 0 {
		// kill(2) reads 0 and negative numbers as process groups, and -1 as
		// every process the caller may signal: never pass them through.
		return fmt.Errorf("signal process %d: invalid process id", pid)
	}
	return sendSignal(pid, kill)
}

// signalError carries a message meant for the user and matches both its
// sentinel and the system error under it.
type signalError struct {
	msg         string
	kind, cause error
}

func (e *signalError) Error() string   { return e.msg }
func (e *signalError) Unwrap() []error { return []error{e.kind, e.cause} }

func exitedError(pid int32, cause error) error {
	return &signalError{fmt.Sprintf("process %d has already exited", pid), ErrExited, cause}
}

// deniedError names the owner so the user sees why: usually another user's
// or a system process.
func deniedError(pid int32, owner string, cause error) error {
	msg := fmt.Sprintf("not permitted to signal process %d", pid)
	if owner != "" {
		msg += " (owned by " + owner + ")"
	}
	return &signalError{msg, ErrNotPermitted, cause}
}
