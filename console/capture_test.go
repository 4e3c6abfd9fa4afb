package console

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// startTestCapture captures into b with the pass-through going to two files,
// which it returns for reading after Stop.
func startTestCapture(t *testing.T, b *Buffer) (c *Capture, outPath, errPath string) {
	t.Helper()
	dir := t.TempDir()
	outPath, errPath = filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	outF, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	errF, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { outF.Close(); errF.Close() })
	c, err = StartCapture(b, CaptureOptions{Stdout: outF, Stderr: errF})
	if err != nil {
		t.Fatal(err)
	}
	// Stop is idempotent; a failing test must not leave fd 1 and 2 captured.
	t.Cleanup(func() { c.Stop() })
	return c, outPath, errPath
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// linesFrom returns the texts of b's lines from source.
func linesFrom(b *Buffer, source string) []string {
	var out []string
	for _, l := range b.LinesAfter(0, 0, nil) {
		if l.Source == source {
			out = append(out, l.Text)
		}
	}
	return out
}

func TestCaptureStdoutStderrSlog(t *testing.T) {
	b := NewBuffer(0)
	before := fdIdentity(t)
	c, outPath, errPath := startTestCapture(t, b)
	if _, err := StartCapture(b, CaptureOptions{}); !errors.Is(err, ErrCaptureActive) {
		t.Errorf("second StartCapture: %v", err)
	}
	if out, errw := Terminal(); out != c.Stdout() || errw != c.Stderr() {
		t.Error("Terminal does not return the capture's pass-through")
	}

	fmt.Println("hello stdout")
	fmt.Fprint(os.Stdout, "partial ")
	fmt.Fprintln(os.Stdout, "line")
	fmt.Fprintln(os.Stderr, "WARN from stderr")
	writeFDs(t) // the way C code writes, where the platform allows it

	// The slog handler logs to the pass-through, not to the captured
	// stderr: the record reaches the buffer once, as SourceLog.
	_, termErr := Terminal()
	log := slog.New(NewHandler(b, slog.NewTextHandler(termErr, nil), nil))
	log.Warn("disk almost full", "free", "2 GiB")

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if out, errw := Terminal(); out != os.Stdout || errw != os.Stderr {
		t.Error("Terminal after Stop")
	}

	wantOut := append([]string{"hello stdout", "partial line"}, fdLines(SourceStdout)...)
	if got := linesFrom(b, SourceStdout); !slices.Equal(got, wantOut) {
		t.Errorf("stdout lines %q, want %q", got, wantOut)
	}
	wantErr := append([]string{"WARN from stderr"}, fdLines(SourceStderr)...)
	if got := linesFrom(b, SourceStderr); !slices.Equal(got, wantErr) {
		t.Errorf("stderr lines %q, want %q", got, wantErr)
	}
	if got := linesFrom(b, SourceLog); len(got) != 1 || got[0] != `disk almost full free="2 GiB"` {
		t.Errorf("log lines %q", got)
	}
	for _, l := range b.LinesAfter(0, 0, nil) {
		if l.Text == "WARN from stderr" && (!l.HasLevel || l.Level != slog.LevelWarn) {
			t.Errorf("level not guessed: %+v", l)
		}
	}

	// Pass-through: the terminal side got the bytes unchanged.
	if got, want := readFile(t, outPath), "hello stdout\npartial line\n"+fdText(SourceStdout); got != want {
		t.Errorf("stdout pass-through %q, want %q", got, want)
	}
	gotErr := readFile(t, errPath)
	if !strings.HasPrefix(gotErr, "WARN from stderr\n"+fdText(SourceStderr)) || !strings.Contains(gotErr, `level=WARN msg="disk almost full"`) {
		t.Errorf("stderr pass-through %q", gotErr)
	}

	if got := fdIdentity(t); got != before {
		t.Errorf("fd 1 and 2 not restored: %q, was %q", got, before)
	}
}

func TestCaptureRestart(t *testing.T) {
	// Capture can be started again once stopped, and a burst larger than the
	// pipe's buffer goes through without loss.
	for round := range 2 {
		b := NewBuffer(20000)
		c, outPath, _ := startTestCapture(t, b)
		var want strings.Builder
		for i := range 10000 {
			fmt.Fprintf(&want, "round %d line %d\n", round, i)
		}
		os.Stdout.WriteString(want.String())
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, outPath); got != want.String() {
			t.Fatalf("round %d: pass-through lost data (%d of %d bytes)", round, len(got), want.Len())
		}
		if got := linesFrom(b, SourceStdout); len(got) != 10000 || got[9999] != fmt.Sprintf("round %d line 9999", round) {
			t.Fatalf("round %d: %d lines", round, len(got))
		}
	}
}
