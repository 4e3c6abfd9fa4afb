package jobs

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sysmon/console"
)

// groupCPUTicks sums user+system clock ticks of every live process in
// process group pgid, read from /proc.
func groupCPUTicks(t *testing.T, pgid int) (ticks uint64, procs int) {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		// After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
		// A zombie has ended; only its parent's wait is missing.
		if len(f) < 13 || f[2] != strconv.Itoa(pgid) || f[0] == "Z" {
			continue
		}
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		ticks += u + s
		procs++
	}
	return ticks, procs
}

// TestPauseStopsTheWholeGroup runs a real job whose shell starts a busy
// child, then checks that Pause stops the CPU use of both, Continue brings
// it back, and Stop ends the group.
func TestPauseStopsTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	r := &Runner{Console: console.NewBuffer(100), Grace: time.Second}
	var mu sync.Mutex
	var lines, attempt []string
	r.OnLine = func(l console.Line) { mu.Lock(); lines = append(lines, l.Text); mu.Unlock() }
	p, err := r.Start(Job{ID: 7, Argv: []string{"/bin/sh", "-c",
		"echo started; (while :; do :; done) & while :; do :; done"}, Dir: dir, LogPath: filepath.Join(dir, "7.log")},
		func(l console.Line) { mu.Lock(); attempt = append(attempt, l.Text); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	busy := func() uint64 {
		a, _ := groupCPUTicks(t, p.PID())
		time.Sleep(700 * time.Millisecond)
		b, n := groupCPUTicks(t, p.PID())
		if n < 2 {
			t.Fatalf("process group %d has %d processes, want the shell and its child", p.PID(), n)
		}
		return b - a
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, n := groupCPUTicks(t, p.PID()); n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := busy(); d < 10 {
		t.Fatalf("running job used %d ticks in 0.7 s, want it busy", d)
	}
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let SIGSTOP land everywhere
	if d := busy(); d > 1 {
		t.Errorf("paused job used %d ticks in 0.7 s, want none", d)
	}
	if err := p.Continue(); err != nil {
		t.Fatal(err)
	}
	if d := busy(); d < 10 {
		t.Errorf("continued job used %d ticks in 0.7 s, want it busy again", d)
	}
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	p.Stop() // a stopped group must still end on SIGTERM
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("stopped job did not end")
	}
	if _, n := groupCPUTicks(t, p.PID()); n != 0 {
		t.Errorf("%d processes of the group are left", n)
	}
	log, err := os.ReadFile(filepath.Join(dir, "7.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "=== sysmon: attempt 1 of job 7 started") || !strings.Contains(string(log), "started\n") ||
		!strings.Contains(string(log), "=== sysmon: attempt ended") {
		t.Errorf("job log:\n%s", log)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(attempt) == 0 || attempt[0] != "started" {
		t.Errorf("lines seen by the attempt: %q", attempt)
	}
	if len(lines) == 0 || lines[0] != "started" {
		t.Errorf("lines seen by OnLine: %q", lines)
	}
}
