//go:build unix

package console

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestChildExitCodeAndMirroring(t *testing.T) {
	b := NewBuffer(0)
	c := NewChild(b, "sh", "-c", "echo a; echo b >&2; printf 'ERROR no newline'; exit 3")
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	var hooked []string
	c.OnLine(func(l Line) { hooked = append(hooked, l.Text) })
	code, err := c.Run(context.Background())
	if code != 3 || err != nil {
		t.Fatalf("Run = %d, %v; want 3, nil", code, err)
	}
	if c.Source() != "sh" {
		t.Errorf("Source = %q", c.Source())
	}
	got := linesFrom(b, "sh")
	slices.Sort(got) // stdout and stderr are read concurrently
	if want := []string{"ERROR no newline", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("buffer %q, want %q", got, want)
	}
	slices.Sort(hooked)
	if !slices.Equal(hooked, got) {
		t.Errorf("hook got %q", hooked)
	}
	if out.String() != "a\nERROR no newline" || errOut.String() != "b\n" {
		t.Errorf("pass-through %q / %q", out.String(), errOut.String())
	}
	for _, l := range b.LinesAfter(0, 0, nil) {
		if l.Text == "ERROR no newline" && !l.HasLevel {
			t.Error("level not guessed for a child line")
		}
	}
}

func TestChildRunHelperAndPid(t *testing.T) {
	b := NewBuffer(0)
	c := NewChild(b, "/bin/sh", "-c", "echo $$")
	c.Stdout = &bytes.Buffer{}
	if c.Pid() != 0 {
		t.Error("Pid before Start")
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
	pid := c.Pid()
	if code, err := c.Wait(); code != 0 || err != nil {
		t.Fatalf("Wait = %d, %v", code, err)
	}
	if code, err := c.Wait(); code != 0 || err != nil {
		t.Errorf("second Wait = %d, %v", code, err)
	}
	if got := linesFrom(b, "sh"); len(got) != 1 || got[0] != strconv.Itoa(pid) {
		t.Errorf("child printed %q, Pid %d", got, pid)
	}
	if code, err := Run(context.Background(), b, "true"); code != 0 || err != nil {
		t.Errorf("Run(true) = %d, %v", code, err)
	}
	if _, err := NewChild(b, "true").Wait(); err == nil {
		t.Error("Wait before Start succeeded")
	}
}

func TestChildMissingExecutable(t *testing.T) {
	b := NewBuffer(0)
	code, err := Run(context.Background(), b, "sysmon-test-no-such-program")
	want := "start sysmon-test-no-such-program: executable file not found in $PATH"
	if err == nil || err.Error() != want || code != -1 {
		t.Fatalf("Run = %d, %v; want -1, %q", code, err, want)
	}
	if !errors.Is(err, exec.ErrNotFound) {
		t.Error("error does not wrap exec.ErrNotFound")
	}
	_, err = Run(context.Background(), b, "./sysmon-test-no-such-program")
	if err == nil || err.Error() != "start ./sysmon-test-no-such-program: no such file or directory" {
		t.Errorf("path to nothing: %v", err)
	}
}

func TestChildCancelKillsGroup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
	}{
		{"sigterm", `sleep 30 & echo $!; wait`},
		// A group that ignores SIGTERM gets SIGKILL after the grace period.
		{"sigkill", `trap "" TERM; sleep 30 & echo $!; wait; wait`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuffer(0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := NewChild(b, "sh", "-c", tc.script)
			c.Stdout = &bytes.Buffer{}
			c.Grace = 300 * time.Millisecond
			grandchild := make(chan int, 1)
			c.OnLine(func(l Line) {
				if pid, err := strconv.Atoi(l.Text); err == nil {
					grandchild <- pid
				}
			})
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			var pid int
			select {
			case pid = <-grandchild:
			case <-time.After(10 * time.Second):
				t.Fatal("no grandchild pid")
			}
			if processGone(pid) {
				t.Fatalf("grandchild %d not running", pid)
			}
			start := time.Now()
			cancel()
			code, err := c.Wait()
			if !errors.Is(err, context.Canceled) || code != -1 {
				t.Errorf("Wait = %d, %v; want -1, context.Canceled", code, err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("cancel took %v", took)
			}
			deadline := time.Now().Add(5 * time.Second)
			for !processGone(pid) {
				if time.Now().After(deadline) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("grandchild sleep %d survived the cancel", pid)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// processGone reports whether pid has exited. A zombie counts as gone: in a
// container without an init that reaps, an orphan killed by the test may
// stay a zombie.
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false // no procfs: the process exists as far as we can tell
	}
	// The state follows the command name, which is in parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func TestChildSignalledIsAnError(t *testing.T) {
	b := NewBuffer(0)
	code, err := Run(context.Background(), b, "sh", "-c", "kill -9 $$")
	if code != -1 || err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Errorf("Run = %d, %v", code, err)
	}
}

func TestChildLeftoverHoldingPipes(t *testing.T) {
	// The child exits at once but leaves a process holding its stdout: Wait
	// stops reading after the grace period instead of waiting 30 s.
	b := NewBuffer(0)
	c := NewChild(b, "sh", "-c", `sleep 30 & echo $!; echo done`)
	c.Stdout = &bytes.Buffer{}
	c.Grace = 200 * time.Millisecond
	start := time.Now()
	code, err := c.Run(context.Background())
	if code != 0 || err != nil {
		t.Fatalf("Run = %d, %v", code, err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Wait took %v", took)
	}
	got := linesFrom(b, "sh")
	if len(got) != 2 || got[1] != "done" {
		t.Fatalf("lines %q", got)
	}
	pid, _ := strconv.Atoi(got[0])
	syscall.Kill(pid, syscall.SIGKILL)
}
