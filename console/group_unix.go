//go:build unix && !linux

package console

import "syscall"

// groupAlive reports whether process group pgid still has a member. Zombies
// count until they are reaped; there is no portable way to tell them apart.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
