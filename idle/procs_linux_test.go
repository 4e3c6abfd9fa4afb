package idle

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// needBinary skips the test when name is missing, except under CI, where a
// missing tool is a broken setup and fails the test.
func needBinary(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is required when CI is set: %v", name, err)
		}
		tb.Skipf("%s not installed", name)
	}
	return path
}

// lockedBuffer collects a child's stderr for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs cmd until the test ends: then it is asked to stop (resumed
// first, should a test have stopped it) and killed if it does not.
func start(tb testing.TB, cmd *exec.Cmd) *lockedBuffer {
	tb.Helper()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	return stderr
}

// readLine reads the first line f writes, giving up after a timeout.
func readLine(tb testing.TB, f *os.File, what string, stderr *lockedBuffer) string {
	tb.Helper()
	f.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		tb.Fatalf("%s did not start: %v\n%s", what, err, stderr)
	}
	return strings.TrimSpace(line)
}

// startXvfb starts a private X server on a display it picks itself
// (-displayfd avoids racing other tests for a free :N) and returns the
// display name. extra arguments go before the defaults.
func startXvfb(tb testing.TB, extra ...string) string {
	tb.Helper()
	display, _ := startXvfbProcess(tb, extra...)
	return display
}

func startXvfbProcess(tb testing.TB, extra ...string) (string, *os.Process) {
	tb.Helper()
	bin := needBinary(tb, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	args := append(slices.Clone(extra), "-displayfd", "3", "-nolisten", "tcp", "-noreset", "-screen", "0", "640x480x24")
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = []*os.File{w}
	stderr := start(tb, cmd)
	w.Close()
	return ":" + readLine(tb, r, "Xvfb", stderr), cmd.Process
}

// startBus starts a private session bus and returns its address.
func startBus(tb testing.TB) string {
	tb.Helper()
	address, _ := startBusProcess(tb)
	return address
}

func startBusProcess(tb testing.TB) (string, *os.Process) {
	tb.Helper()
	bin := needBinary(tb, "dbus-daemon")
	// Not tb.TempDir: its long path can exceed the 108 bytes of a socket
	// address.
	dir, err := os.MkdirTemp("", "idlebus")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(bin, "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:path="+filepath.Join(dir, "bus"))
	cmd.Stdout = w
	stderr := start(tb, cmd)
	w.Close()
	return readLine(tb, r, "dbus-daemon", stderr), cmd.Process
}

// xdotool runs xdotool against display.
func xdotool(tb testing.TB, display string, args ...string) {
	tb.Helper()
	cmd := exec.Command(needBinary(tb, "xdotool"), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}
