package runs

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The helper process: this test binary re-executed with SYSMON_RUNS_HELPER
// set runs one of the modes below instead of the tests.
//
//	hold   start a run, add samples (each written at once), print "ready <id>"
//	       after 20 and keep adding until killed
//	write  add SYSMON_RUNS_N runs of 40 samples each and exit
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("SYSMON_RUNS_HELPER")
	if mode == "" {
		t.Skip("helper process only")
	}
	if err := helper(mode, os.Getenv("SYSMON_RUNS_DB")); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helper(mode, path string) error {
	st, err := Open(path, WithFlushInterval(0))
	if err != nil {
		return err
	}
	switch mode {
	case "hold":
		r, err := st.Start("killed", []string{"llama-cli"}, t0)
		if err != nil {
			return err
		}
		for i := 0; ; i++ {
			d := dev(0)
			d.EnergyJoules, d.MemoryUsedBytes = f64(float64(i)), u64(gib)
			if err := r.Add(smp(float64(i), f64(50), u64(gib), d), mono(float64(i))); err != nil {
				return err
			}
			if i == 19 {
				fmt.Printf("ready %d\n", r.ID())
			}
		}
	case "write":
		n, _ := strconv.Atoi(os.Getenv("SYSMON_RUNS_N"))
		for k := range n {
			r, err := st.Start(fmt.Sprintf("pid %d run %d", os.Getpid(), k), []string{"x"}, t0)
			if err != nil {
				return err
			}
			for i := range 40 {
				if err := r.Add(smp(float64(i), f64(float64(i)), nil), mono(float64(i))); err != nil {
					return err
				}
			}
			if err := r.Finish(nil, t0.Add(time.Minute)); err != nil {
				return err
			}
		}
		return st.Close()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func helperCmd(t *testing.T, mode, path string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot re-execute the test binary:", err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, "SYSMON_RUNS_HELPER="+mode, "SYSMON_RUNS_DB="+path)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestKill9MidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "sysmon.db")
	cmd := helperCmd(t, "hold", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	var id int64
	select {
	case line := <-ready:
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "ready %d", &id); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("helper never got ready")
	}

	// While it is alive, another sysmon must not take its run for a crash.
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.MarkInterrupted(ctx); n != 0 || err != nil {
		t.Errorf("MarkInterrupted with the writer alive = %d, %v", n, err)
	}
	st.Close()

	time.Sleep(150 * time.Millisecond)         // let it write mid-transaction
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix, TerminateProcess on Windows
		t.Fatal(err)
	}
	cmd.Wait()

	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkIntegrity(t, st.db)
	n, err := st.MarkInterrupted(ctx)
	if err != nil || n != 1 {
		t.Fatalf("MarkInterrupted after kill = %d, %v; want 1", n, err)
	}
	got, err := st.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := st.Series(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d samples", got.Samples)
	if got.State != StateInterrupted || got.Samples < 20 || len(pts) != got.Samples || got.End == nil {
		t.Errorf("run after kill -9: state %s, %d samples, %d rows, end %v", got.State, got.Samples, len(pts), got.End)
	}
	// Rows and aggregates are written in one transaction: they agree.
	wantF(t, "energy", got.EnergyJoules, float64(got.Samples-1))
	wantU(t, "vram peak", got.VRAMPeakBytes, gib)
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "sysmon.db")
	// Create the schema first so the helpers race on runs, not on creation
	// (creation races are covered by TestConcurrentStores).
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const procs, each = 2, 6
	var cmds []*exec.Cmd
	for range procs {
		c := helperCmd(t, "write", path, "SYSMON_RUNS_N="+strconv.Itoa(each))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	// This process writes too, at the same time.
	for k := range each {
		r, err := st.Start(fmt.Sprintf("parent run %d", k), []string{"x"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			if err := r.Add(smp(float64(i), f64(float64(i)), nil), mono(float64(i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Finish(nil, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	checkAllRuns(t, st, (procs+1)*each, 40)
}
