//go:build windows

package procs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// stillActive is the exit code GetExitCodeProcess reports for a process that
// is running (STILL_ACTIVE, which x/sys/windows does not define).
const stillActive = 259

// sendSignal ends the process whatever kill says: Windows has no polite
// request that every process understands.
func sendSignal(pid int32, _ bool) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	switch {
	case errors.Is(err, windows.ERROR_INVALID_PARAMETER):
		// OpenProcess's answer for a PID that names no process.
		return exitedError(pid, err)
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return deniedError(pid, ownerName(pid), err)
	case err != nil:
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.TerminateProcess(h, 1); err != nil {
		// A process that has exited while others still hold handles to it
		// refuses termination with access denied.
		var code uint32
		if windows.GetExitCodeProcess(h, &code) == nil && code != stillActive {
			return exitedError(pid, err)
		}
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return deniedError(pid, ownerName(pid), err)
		}
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	return nil
}
