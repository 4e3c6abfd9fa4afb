//go:build windows

package gpu

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// imageName is the executable's file name of pid, e.g. "llama-server.exe",
// or "" when the process is gone or protected. Limited query access is
// what Task Manager gets for other users' processes too.
func imageName(pid uint32) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	var buf [windows.MAX_LONG_PATH]uint16
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return ""
	}
	return filepath.Base(windows.UTF16ToString(buf[:n]))
}
