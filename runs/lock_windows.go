package runs

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockingSupported: runs hold a lock file while open, so MarkInterrupted
// can tell a crashed writer from a live one in another process.
const lockingSupported = true

// tryLock opens (creating) path and takes an exclusive LockFileEx lock on
// its first byte without waiting. The lock belongs to the handle, and
// Windows releases it when the process ends. ok is false when someone else
// holds it.
func tryLock(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, new(windows.Overlapped))
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}
