package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Supported says whether TryLock really locks on this OS.
const Supported = true

// TryLock opens (creating) path and takes an exclusive LockFileEx lock on
// its first byte without waiting. The lock belongs to the handle, and
// Windows releases it when the process ends. ok is false when someone else
// holds it; closing f releases it.
func TryLock(path string) (f *os.File, ok bool, err error) {
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
