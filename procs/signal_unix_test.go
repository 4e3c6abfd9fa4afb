//go:build unix

package procs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func startPlainSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot run sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

func TestTerminateAndKill(t *testing.T) {
	for _, c := range []struct {
		send func(int32) error
		want syscall.Signal
	}{{Terminate, syscall.SIGTERM}, {Kill, syscall.SIGKILL}} {
		cmd := startPlainSleep(t)
		pid := int32(cmd.Process.Pid)
		if err := c.send(pid); err != nil {
			t.Fatalf("signal %d: %v", pid, err)
		}
		_ = cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != c.want {
			t.Errorf("sleep ended with %v, want %v", cmd.ProcessState, c.want)
		}
		// Reaped: the PID names no process now.
		err := c.send(pid)
		if !errors.Is(err, ErrExited) || !errors.Is(err, unix.ESRCH) {
			t.Fatalf("signal to exited process: %v", err)
		}
		if want := fmt.Sprintf("process %d has already exited", pid); err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	}
}

func TestSignalRefusesGroups(t *testing.T) {
	for _, pid := range []int32{0, -1, -int32(os.Getpid())} {
		if err := Terminate(pid); err == nil || errors.Is(err, ErrExited) {
			t.Errorf("Terminate(%d) = %v, want an invalid id error", pid, err)
		}
	}
}

// TestSignalPermissionMessage words EPERM, which a root test run cannot
// provoke for real, with the owner's name.
func TestSignalPermissionMessage(t *testing.T) {
	pid := int32(os.Getpid())
	err := signalResult(pid, unix.EPERM)
	if !errors.Is(err, ErrNotPermitted) || !errors.Is(err, unix.EPERM) {
		t.Fatalf("EPERM gave %v", err)
	}
	owner := ownerName(pid)
	if owner == "" {
		t.Fatal("no owner for the test process")
	}
	want := fmt.Sprintf("not permitted to signal process %d (owned by %s)", pid, owner)
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if err := signalResult(pid, unix.EINVAL); !errors.Is(err, unix.EINVAL) || errors.Is(err, ErrExited) {
		t.Errorf("EINVAL gave %v", err)
	}
}
