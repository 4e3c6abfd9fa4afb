package procs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// spawnSleepers starts n `sleep 600` processes in one new process group and
// kills and reaps every one of them when the test ends. Pdeathsig is the
// backstop should the test binary die before its cleanups run.
func spawnSleepers(tb testing.TB, n int) map[int32]bool {
	tb.Helper()
	bin, err := exec.LookPath("sleep")
	if err != nil {
		tb.Skip("no sleep binary")
	}
	var cmds []*exec.Cmd
	pgid := 0
	tb.Cleanup(func() {
		if pgid != 0 {
			_ = unix.Kill(-pgid, unix.SIGKILL)
		}
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		if pgid != 0 {
			if left := groupMembers(pgid); left > 0 {
				tb.Errorf("%d sleepers left in process group %d", left, pgid)
			}
		}
	})
	pids := make(map[int32]bool, n)
	for range n {
		cmd := exec.Command(bin, "600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start sleeper %d: %v", len(cmds), err)
		}
		cmds = append(cmds, cmd)
		if pgid == 0 {
			pgid = cmd.Process.Pid
		}
		pids[int32(cmd.Process.Pid)] = true
	}
	return pids
}

// groupMembers counts the processes still in process group pgid.
func groupMembers(pgid int) int {
	names, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		// state, ppid, pgrp follow the name.
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			n++
		}
	}
	return n
}

// TestScanT2: case T2, 3000 extra processes. Every one is found and a scan,
// the first (which reads every command line) as well as the next, takes well
// under the 2 s refresh interval.
func TestScanT2(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3000 processes")
	}
	start := time.Now()
	pids := spawnSleepers(t, 3000)
	t.Logf("started 3000 sleepers in %v", time.Since(start))
	s := NewScanner()
	for i, name := range []string{"first", "second"} {
		t0 := time.Now()
		list := mustScan(t, s, context.Background())
		took := time.Since(t0)
		t.Logf("%s scan: %d processes in %v", name, len(list), took)
		if took > time.Second {
			t.Errorf("%s scan took %v, want well under 2 s", name, took)
		}
		found := 0
		for _, p := range list {
			if !pids[p.PID] {
				continue
			}
			found++
			if p.Name != "sleep" || !strings.HasSuffix(p.Command, "sleep 600") {
				t.Fatalf("sleeper %d = %q %q", p.PID, p.Name, p.Command)
			}
			if (p.CPUPercent != nil) != (i == 1) {
				t.Fatalf("%s scan: sleeper %d cpu %s", name, p.PID, show(p.CPUPercent))
			}
		}
		if found != len(pids) {
			t.Fatalf("%s scan found %d of %d sleepers", name, found, len(pids))
		}
	}
}

// fakeTree writes a /proc tree of n processes like those of a desktop: a
// stat line, a status file and a command line each.
func fakeTree(tb testing.TB, n int) string {
	tb.Helper()
	root := tb.TempDir()
	write := func(path, data string) {
		if err := os.WriteFile(filepath.Join(root, path), []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("stat", "cpu  100 0 100 1000 0 0 0 0 0 0\ncpu0 50 0 50 500 0 0 0 0 0 0\ncpu1 50 0 50 500 0 0 0 0 0 0\nbtime 1700000000\n")
	for i := range n {
		pid := strconv.Itoa(1000 + i)
		if err := os.Mkdir(filepath.Join(root, pid), 0o755); err != nil {
			tb.Fatal(err)
		}
		write(pid+"/stat", pid+" (worker "+strconv.Itoa(i%50)+") S 1 "+pid+" "+pid+
			" 0 -1 4194560 2211 0 0 0 "+strconv.Itoa(i*7)+" "+strconv.Itoa(i*3)+" 0 0 20 0 4 0 "+strconv.Itoa(100000+i)+
			" 1263038464 31337 18446744073709551615 94000000000000 94000000100000 140700000000000 0 0 0 0 4096 17919"+
			" 0 0 0 17 1 0 0 0 0 0 94000000200000 94000000300000 94000000400000 140700000001000 140700000002000"+
			" 140700000002000 140700000003000 0\n")
		write(pid+"/status", "Name:\tworker\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t"+pid+"\nPid:\t"+pid+
			"\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nThreads:\t4\n")
		write(pid+"/cmdline", "/usr/lib/worker\x00--id\x00"+pid+"\x00")
	}
	return root
}

// benchScans measures steady-state scans (every process already cached),
// reporting the CPU time of this process per scan, user plus system: the
// kernel's work to produce the files is most of the cost and is what the
// monitor adds to the machine's load.
func benchScans(b *testing.B, ctx context.Context, want int) {
	s := NewScanner()
	if got := len(mustScan(b, s, ctx)); got < want {
		b.Fatalf("scan found %d processes, want at least %d", got, want)
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if _, err := s.Scan(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScanFixture3000 scans a generated tree of 3000 processes.
func BenchmarkScanFixture3000(b *testing.B) {
	benchScans(b, procCtx(fakeTree(b, 3000)), 3000)
}

// BenchmarkScanReal3000 scans this machine with 3000 extra sleeping
// processes (case T2).
func BenchmarkScanReal3000(b *testing.B) {
	spawnSleepers(b, 3000)
	benchScans(b, context.Background(), 3000)
}
