//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Supported says whether TryLock really locks on this OS.
const Supported = true

// TryLock opens (creating) path and takes an exclusive flock on it without
// waiting. flock belongs to the open file description, so it conflicts
// within one process too, and the kernel drops it when the process dies.
// Go opens files close-on-exec, so child processes never inherit it.
// ok is false when someone else holds it; closing f releases it.
func TryLock(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}
