//go:build unix

package jobs

import (
	"errors"
	"syscall"

	"sysmon/procs"
)

// pauseGroup stops every process in the group, as Ctrl-Z does.
func pauseGroup(pgid int) error { return signalGroup(pgid, syscall.SIGSTOP) }

// continueGroup resumes a group stopped by pauseGroup.
func continueGroup(pgid int) error { return signalGroup(pgid, syscall.SIGCONT) }

func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return errors.New("no process group")
	}
	return syscall.Kill(-pgid, sig)
}

// killLeftover ends the process group a dead sysmon left running, if the
// process with that id is still the one it started.
func killLeftover(pid int, start uint64) bool {
	if pid <= 0 || start == 0 {
		return false
	}
	if now, err := procs.StartTime(pid); err != nil || now != start {
		return false
	}
	_ = syscall.Kill(-pid, syscall.SIGCONT)
	return syscall.Kill(-pid, syscall.SIGKILL) == nil
}
