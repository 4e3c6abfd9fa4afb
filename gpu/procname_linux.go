//go:build linux && cgo

package gpu

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// nameCache remembers process names so that a tick reads /proc only for
// PIDs it has not seen before. An entry lives while some device lists its
// PID on consecutive ticks and is dropped on the first tick without it, so
// a PID the kernel hands to a new process is read again unless the old
// process left and the new one started using a GPU within one interval.
type nameCache struct {
	root  string // "/proc", or a fixture tree in tests
	tick  uint64
	names map[uint32]cachedName
}

type cachedName struct {
	name string // "" when comm could not be read: the answer is cached too
	tick uint64 // last tick the PID was listed
}

func newNameCache(root string) nameCache {
	return nameCache{root: root, names: map[uint32]cachedName{}}
}

// lookup returns the comm of pid and marks it as listed in this tick.
func (c *nameCache) lookup(pid uint32) string {
	e, ok := c.names[pid]
	if !ok {
		e.name = readComm(c.root, pid)
	}
	e.tick = c.tick
	c.names[pid] = e
	return e.name
}

// endTick forgets the PIDs that no device listed since the last endTick.
func (c *nameCache) endTick() {
	for pid, e := range c.names {
		if e.tick != c.tick {
			delete(c.names, pid)
		}
	}
	c.tick++
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
