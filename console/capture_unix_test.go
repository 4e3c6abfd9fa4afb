//go:build unix

package console

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// writeFDs writes to file descriptors 1 and 2 directly, as C code does, and
// runs a child that inherits them.
func writeFDs(t *testing.T) {
	t.Helper()
	if _, err := syscall.Write(1, []byte("raw fd 1\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.Write(2, []byte("raw fd 2\n")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "echo from inheriting child")
	cmd.Stdout = os.Stdout
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

func fdLines(source string) []string {
	if source == SourceStdout {
		return []string{"raw fd 1", "from inheriting child"}
	}
	return []string{"raw fd 2"}
}

func fdText(source string) string {
	if source == SourceStdout {
		return "raw fd 1\nfrom inheriting child\n"
	}
	return "raw fd 2\n"
}

// fdIdentity names the files behind fd 1 and 2.
func fdIdentity(t *testing.T) string {
	t.Helper()
	var id string
	for _, fd := range []int{1, 2} {
		var st syscall.Stat_t
		if err := syscall.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		id += fmt.Sprintf("fd%d=%d:%d ", fd, st.Dev, st.Ino)
	}
	return id
}

func TestCaptureStopWithInheritedPipe(t *testing.T) {
	// A child holding the captured stdout and stderr keeps the pipes open:
	// Stop gives up on them after captureDrain instead of waiting.
	b := NewBuffer(0)
	c, _, _ := startTestCapture(t, b)
	cmd := exec.Command("sh", "-c", "echo before; exec sleep 30")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(linesFrom(b, SourceStdout)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > captureDrain+time.Second {
		t.Errorf("Stop took %v", took)
	}
	if got := linesFrom(b, SourceStdout); len(got) != 1 || got[0] != "before" {
		t.Errorf("stdout lines %q", got)
	}
}
