package filelock

import (
	"path/filepath"
	"testing"
)

func TestTryLockExcludesUntilClosed(t *testing.T) {
	if !Supported {
		t.Skip("no file locks on this OS")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	f, ok, err := TryLock(path)
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v; want the lock", ok, err)
	}
	if g, ok, err := TryLock(path); err != nil || ok {
		if g != nil {
			g.Close()
		}
		t.Fatalf("second TryLock while held = %v, %v; want not ok, no error", ok, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g, ok, err := TryLock(path)
	if err != nil || !ok {
		t.Fatalf("TryLock after Close = %v, %v; want the lock", ok, err)
	}
	g.Close()
}

func TestTryLockReportsOpenErrors(t *testing.T) {
	if _, _, err := TryLock(filepath.Join(t.TempDir(), "missing", "x.lock")); err == nil && Supported {
		t.Fatal("TryLock in a missing folder succeeded")
	}
}
