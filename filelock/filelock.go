// Package filelock takes exclusive, non-blocking OS file locks (flock on
// Unix, LockFileEx on Windows) that the OS releases when the holder dies,
// so a lock left by a crashed process never needs cleaning up.
package filelock
