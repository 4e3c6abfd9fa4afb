//go:build linux && cgo

package gpu

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// commReader reads process names from root/PID/comm; root is "/proc", or
// a fixture tree in tests.
func commReader(root string) func(pid uint32) string {
	return func(pid uint32) string { return readComm(root, pid) }
}

// readComm reads /proc/PID/comm; a process that already exited gives "",
// which Process.Name reports as absent. It uses bare syscalls because
// os.ReadFile adds an fstat and a poller registration per file, which
// doubles the cost of a tick in which many processes are new.
func readComm(root string, pid uint32) string {
	fd, err := unix.Open(root+"/"+strconv.FormatUint(uint64(pid), 10)+"/comm", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	// comm is at most 16 bytes (TASK_COMM_LEN) including the newline.
	var buf [64]byte
	n, err := unix.Read(fd, buf[:])
	if err != nil || n <= 0 {
		return ""
	}
	return strings.TrimSuffix(string(buf[:n]), "\n")
}
